"""The product catalog, mounted at ``catalog/`` in the ``web`` namespace."""

from django.urls import path

from pharmcrm.web.views import catalog, catalog_prices

urlpatterns = [
    path("", catalog.product_list, name="product_list"),
    path("export/", catalog.product_export, name="product_export"),
    path("new/", catalog.product_create, name="product_create"),
    path("lookup/products/", catalog_prices.product_lookup, name="product_lookup"),
    path("lookup/customers/", catalog_prices.customer_lookup, name="catalog_customer_lookup"),
    path("<int:product_id>/", catalog.product_detail, name="product_detail"),
    path("<int:product_id>/edit/", catalog.product_edit, name="product_edit"),
    path("<int:product_id>/status/", catalog.product_status, name="product_status"),
    path("<int:product_id>/prices/new/", catalog_prices.price_create, name="price_create"),
    path("prices/<int:price_id>/end/", catalog_prices.price_end, name="price_end"),
    path("prices/<int:price_id>/void/", catalog_prices.price_void, name="price_void"),
]
