"""Payments and receivables (回款与应收), in the ``web`` namespace. Routes with a payment id use
``payment_id``; the order's payment plan lives under /payments/orders/ (the orders' routes end
in a catch-all action slug)."""

from django.urls import path

from pharmcrm.web.views import payments

urlpatterns = [
    path("payments/", payments.payment_list, name="payment_list"),
    path("payments/export/", payments.payment_export, name="payment_export"),
    path("payments/new/", payments.payment_new, name="payment_new"),
    path("payments/customers/", payments.customer_options, name="payment_customer_options"),
    path("payments/<int:payment_id>/", payments.payment_detail, name="payment_detail"),
    path("payments/<int:payment_id>/allocate/", payments.payment_allocate, name="payment_allocate"),
    path("payments/<int:payment_id>/cancel/", payments.payment_cancel, name="payment_cancel"),
    path("payments/allocations/<int:allocation_id>/release/", payments.allocation_release,
         name="payment_allocation_release"),
    path("payments/orders/<int:order_id>/plan/", payments.order_plan, name="payment_order_plan"),
    path("receivables/", payments.receivables, name="receivables"),
    path("receivables/orders/", payments.receivable_orders, name="receivable_orders"),
]
