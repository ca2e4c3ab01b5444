"""Service tickets (服务记录), in the ``web`` namespace. Routes with a ticket id use ``ticket_id``."""

from django.urls import path

from pharmcrm.web.views import tickets

urlpatterns = [
    path("tickets/", tickets.ticket_list, name="ticket_list"),
    path("tickets/export/", tickets.ticket_export, name="ticket_export"),
    path("tickets/new/", tickets.ticket_new, name="ticket_new"),
    path("customers/<int:customer_id>/tickets/new/", tickets.ticket_create, name="ticket_create"),
    path("tickets/<int:ticket_id>/", tickets.ticket_detail, name="ticket_detail"),
    path("tickets/<int:ticket_id>/edit/", tickets.ticket_edit, name="ticket_edit"),
    path("tickets/<int:ticket_id>/assign/", tickets.ticket_assign, name="ticket_assign"),
    path("tickets/<int:ticket_id>/comments/", tickets.ticket_comment, name="ticket_comment"),
    path("tickets/<int:ticket_id>/<slug:action>/", tickets.ticket_action, name="ticket_action"),
]
