"""URLs of the customer's 360° profile (web/views/customer_profile.py), included by web/urls.py."""

from django.urls import path

from pharmcrm.web.views import customer_profile as v

urlpatterns = [
    path("customers/<int:customer_id>/profile/<slug:section>/", v.profile_single, name="customer_profile_single"),
    path("customers/<int:customer_id>/profile/<slug:section>/new/", v.profile_new, name="customer_profile_new"),
    path("customers/<int:customer_id>/profile/<slug:section>/<int:item_id>/edit/", v.profile_edit,
         name="customer_profile_edit"),
    path("customers/<int:customer_id>/profile/<slug:section>/<int:item_id>/<slug:action>/", v.profile_action,
         name="customer_profile_action"),
    path("lookup/profile-customers/", v.customer_lookup_view, name="profile_customer_lookup"),
    path("lookup/profile-products/", v.product_lookup_view, name="profile_product_lookup"),
]
