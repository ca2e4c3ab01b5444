"""Supervision (团队动态, a subordinate's interactions) and the follow-up calendar (跟进日历),
in the ``web`` namespace."""

from django.urls import path

from pharmcrm.web.views import calendar, supervision

urlpatterns = [
    path("team/feed/", supervision.team_feed, name="team_feed"),
    path("team/feed/export/", supervision.team_feed_export, name="team_feed_export"),
    path("team/people/<int:user_id>/interactions/", supervision.person_interactions, name="person_interactions"),
    path("calendar/", calendar.calendar_view, name="calendar"),
    path("customers/<int:customer_id>/plan/reschedule/", calendar.plan_reschedule, name="plan_reschedule"),
]
