"""Tenders (招投标) and platform listings (挂网), in the ``web`` namespace. Routes with a tender
id use ``tender_id``; with a listing id ``listing_id``."""

from django.urls import path

from pharmcrm.web.views import tender_listings, tenders

urlpatterns = [
    path("tenders/", tenders.tender_list, name="tender_list"),
    path("tenders/export/", tenders.tender_export, name="tender_export"),
    path("tenders/new/", tenders.tender_create, name="tender_create"),
    path("tenders/stats/", tenders.tender_stats, name="tender_stats"),
    path("tenders/calendar/", tenders.tender_calendar, name="tender_calendar"),
    path("tenders/listings/", tender_listings.listing_list, name="listing_list"),
    path("tenders/listings/export/", tender_listings.listing_export, name="listing_export"),
    path("tenders/listings/new/", tender_listings.listing_create, name="listing_create"),
    path("tenders/listings/<int:listing_id>/", tender_listings.listing_detail, name="listing_detail"),
    path("tenders/listings/<int:listing_id>/<slug:action>/", tender_listings.listing_action, name="listing_action"),
    path("tenders/<int:tender_id>/", tenders.tender_detail, name="tender_detail"),
    path("tenders/<int:tender_id>/edit/", tenders.tender_edit, name="tender_edit"),
    path("tenders/<int:tender_id>/lines/", tenders.tender_line_add, name="tender_line_add"),
    path("tenders/<int:tender_id>/lines/<int:line_id>/", tenders.tender_line_edit, name="tender_line_edit"),
    path("tenders/<int:tender_id>/lines/<int:line_id>/competitors/", tenders.tender_competitor,
         name="tender_competitor"),
    path("tenders/<int:tender_id>/lines/<int:line_id>/exception/", tenders.tender_exception, name="tender_exception"),
    path("tenders/<int:tender_id>/exceptions/<int:exception_id>/", tenders.tender_exception_decide,
         name="tender_exception_decide"),
    path("tenders/<int:tender_id>/attachments/", tenders.tender_attachment_add, name="tender_attachment_add"),
    path("tenders/<int:tender_id>/attachments/<int:attachment_id>/", tenders.tender_attachment_download,
         name="tender_attachment"),
    path("tenders/<int:tender_id>/sharing/", tenders.tender_share, name="tender_share"),
    path("tenders/<int:tender_id>/<slug:action>/", tenders.tender_action, name="tender_action"),
]
