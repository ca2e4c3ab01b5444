"""Sales orders (销售订单), in the ``web`` namespace. Routes with an order id use ``order_id``."""

from django.urls import path

from pharmcrm.web.views import orders, returns

urlpatterns = [
    path("orders/", orders.order_list, name="order_list"),
    path("orders/export/", orders.order_export, name="order_export"),
    path("orders/new/", orders.order_new, name="order_new"),
    path("orders/warehouse/", orders.warehouse_queue, name="order_warehouse"),
    path("orders/products/", orders.product_options, name="order_product_options"),
    path("orders/returns/", returns.return_list, name="return_list"),
    path("orders/returns/<int:return_id>/", returns.return_detail, name="return_detail"),
    path("orders/returns/<int:return_id>/<slug:action>/", returns.return_action, name="return_action"),
    path("orders/<int:order_id>/return/", returns.return_new, name="return_new"),
    path("orders/<int:order_id>/attachments/", orders.attachment_add, name="order_attachment_add"),
    path("orders/<int:order_id>/attachments/<int:attachment_id>/", orders.attachment_file, name="order_attachment"),
    path("orders/<int:order_id>/", orders.order_detail, name="order_detail"),
    path("orders/<int:order_id>/edit/", orders.order_edit, name="order_edit"),
    path("orders/<int:order_id>/review/", orders.order_review, name="order_review"),
    path("orders/<int:order_id>/outbound/", orders.order_outbound, name="order_outbound"),
    path("orders/<int:order_id>/ship/", orders.order_ship, name="order_ship"),
    path("orders/<int:order_id>/delivery-note/", orders.delivery_note, name="order_delivery_note"),
    path("orders/<int:order_id>/outbound-check/", orders.outbound_check, name="order_outbound_check"),
    path("orders/<int:order_id>/exceptions/", orders.exception_request, name="order_exception_request"),
    path("orders/exceptions/<int:exception_id>/decide/", orders.exception_decide, name="order_exception_decide"),
    path("orders/<int:order_id>/<slug:action>/", orders.order_action, name="order_action"),
    path("customers/<int:customer_id>/terms/", orders.customer_terms, name="order_customer_terms"),
]
