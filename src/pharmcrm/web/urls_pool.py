"""The public pool's pages (公海), mounted at the site root in the ``web`` namespace."""

from django.urls import path

from pharmcrm.web.views import pool

urlpatterns = [
    path("customers/pool/", pool.pool_list, name="pool_list"),
    path("customers/<int:customer_id>/claim/", pool.pool_claim, name="pool_claim"),
    path("customers/<int:customer_id>/pool-assign/", pool.pool_assign, name="pool_assign"),
    path("customers/<int:customer_id>/release/", pool.customer_release, name="customer_release"),
    path("customers/<int:customer_id>/pool-exempt/", pool.customer_pool_exempt, name="customer_pool_exempt"),
    path("settings/pool/", pool.pool_settings, name="settings_pool"),
]
