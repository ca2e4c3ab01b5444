"""Quotations (报价记录) and the price history, in the ``web`` namespace. Routes with a quotation
id use ``quotation_id``."""

from django.urls import path

from pharmcrm.web.views import quotations as v

urlpatterns = [
    path("quotations/", v.quotation_list, name="quotation_list"),
    path("quotations/export/", v.quotation_export, name="quotation_export"),
    path("quotations/new/", v.quotation_new, name="quotation_new"),
    path("customers/<int:customer_id>/quotations/new/", v.quotation_create, name="quotation_create"),
    path("quotations/<int:quotation_id>/", v.quotation_detail, name="quotation_detail"),
    path("quotations/<int:quotation_id>/edit/", v.quotation_edit, name="quotation_edit"),
    path("quotations/<int:quotation_id>/print/", v.quotation_print, name="quotation_print"),
    path("quotations/<int:quotation_id>/order/", v.quotation_order, name="quotation_order"),
    path("quotations/<int:quotation_id>/link/", v.quotation_link, name="quotation_link"),
    path("quotations/<int:quotation_id>/<slug:action>/", v.quotation_action, name="quotation_action"),
    path("catalog/products/<int:product_id>/price-history/", v.product_price_history,
         name="product_price_history"),
]
