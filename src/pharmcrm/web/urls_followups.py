"""Follow-ups (跟进记录), in the ``web`` namespace. Routes with a follow-up id use ``followup_id``."""

from django.urls import path

from pharmcrm.web.views import followups

urlpatterns = [
    path("followups/", followups.followup_list, name="followup_list"),
    path("customers/<int:customer_id>/followups/new/", followups.followup_create, name="followup_create"),
    path("followups/<int:followup_id>/edit/", followups.followup_edit, name="followup_edit"),
    path("followups/attachments/<int:attachment_id>/", followups.followup_attachment, name="followup_attachment"),
    path("followups/<int:followup_id>/comments/", followups.followup_comment, name="followup_comment"),
]
