"""Opportunities (销售机会), in the ``web`` namespace. Routes with an opportunity id use
``opportunity_id``."""

from django.urls import path

from pharmcrm.web.views import opportunities as v

urlpatterns = [
    path("opportunities/", v.opportunity_list, name="opportunity_list"),
    path("opportunities/board/", v.opportunity_board, name="opportunity_board"),
    path("opportunities/export/", v.opportunity_export, name="opportunity_export"),
    path("opportunities/new/", v.opportunity_new, name="opportunity_new"),
    path("customers/<int:customer_id>/opportunities/new/", v.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:opportunity_id>/", v.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:opportunity_id>/edit/", v.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:opportunity_id>/move/", v.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:opportunity_id>/order/", v.opportunity_order, name="opportunity_order"),
    path("settings/opportunity-stages/", v.stage_settings, name="settings_opportunity_stages"),
    path("settings/opportunity-stages/<int:stage_id>/", v.stage_edit, name="settings_opportunity_stage"),
]
