"""Agency agreements (代理协议), mounted at ``agreements/`` in the ``web`` namespace.

Routes with an agreement id use ``agreement_id``: tests/agency/test_web.py enumerates them and
tries each as a peer (404)."""

from django.urls import path

from pharmcrm.web.views import agency, agency_actions

urlpatterns = [
    path("", agency.agreement_list, name="agreement_list"),
    path("export/", agency.agreement_export, name="agreement_export"),
    path("new/", agency.agreement_create, name="agreement_create"),
    path("lookup/hospitals/", agency.hospital_lookup, name="agency_hospital_lookup"),
    path("lookup/agents/", agency.agent_lookup, name="agency_agent_lookup"),
    path("<int:agreement_id>/", agency.agreement_detail, name="agreement_detail"),
    path("<int:agreement_id>/edit/", agency.agreement_edit, name="agreement_edit"),
    path("<int:agreement_id>/activate/", agency_actions.agreement_activate, name="agreement_activate"),
    path("<int:agreement_id>/terminate/", agency_actions.agreement_terminate, name="agreement_terminate"),
    path("<int:agreement_id>/deposit/", agency_actions.agreement_deposit, name="agreement_deposit"),
    path("<int:agreement_id>/lines/add/", agency_actions.line_add, name="agreement_line_add"),
    path("<int:agreement_id>/lines/<int:line_id>/edit/", agency_actions.line_edit, name="agreement_line_edit"),
    path("<int:agreement_id>/lines/<int:line_id>/remove/", agency_actions.line_remove,
         name="agreement_line_remove"),
    path("<int:agreement_id>/regions/add/", agency_actions.region_add, name="agreement_region_add"),
    path("<int:agreement_id>/regions/<int:region_id>/remove/", agency_actions.region_remove,
         name="agreement_region_remove"),
    path("<int:agreement_id>/hospitals/add/", agency_actions.hospital_add, name="agreement_hospital_add"),
    path("<int:agreement_id>/hospitals/<int:entry_id>/remove/", agency_actions.hospital_remove,
         name="agreement_hospital_remove"),
]
