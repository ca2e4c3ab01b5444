"""Contact pages (/contacts/...) and the customer look-up behind remote customer selects."""

from django.urls import path

from pharmcrm.web.views import contacts, contacts_employment
from pharmcrm.web.views.customer_lookup import customer_lookup_view

urlpatterns = [
    path("lookup/customers/", customer_lookup_view, name="customer_lookup"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/export/", contacts.contact_export, name="contact_export"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/recycle-bin/", contacts.contact_recycle_bin, name="contact_recycle_bin"),
    path("contacts/<int:contact_id>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/<int:contact_id>/restore/", contacts.contact_restore, name="contact_restore"),
    path("contacts/<int:contact_id>/move/", contacts_employment.contact_move, name="contact_move"),
    path("contacts/<int:contact_id>/employments/new/", contacts_employment.employment_add,
         name="contact_employment_add"),
    path("contacts/<int:contact_id>/employments/<int:employment_id>/edit/", contacts_employment.employment_edit,
         name="contact_employment_edit"),
    path("contacts/<int:contact_id>/employments/<int:employment_id>/end/", contacts_employment.employment_end,
         name="contact_employment_end"),
]
