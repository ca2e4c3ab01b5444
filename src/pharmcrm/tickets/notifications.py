"""The tickets' notification kinds (registered from ``TicketsConfig.ready()``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ASSIGNED, OVERDUE = "ticket_assigned", "ticket_overdue"


def _actor(n) -> str:
    return str(n.actor) if n.actor_id and n.actor else _("The system")


def render_assigned(n) -> str:
    p = n.params
    return _("%(actor)s assigned the service ticket %(number)s “%(title)s” (%(customer)s) to you.") % {
        "actor": _actor(n), "number": p.get("number", ""), "title": p.get("title", ""),
        "customer": p.get("customer", "")}


def render_overdue(n) -> str:
    p = n.params
    due = parse_datetime(p.get("due_at") or "")
    return _("The service ticket %(number)s “%(title)s” (%(customer)s, assigned to %(assignee)s) is overdue: "
             "it was due %(due)s.") % {
        "number": p.get("number", ""), "title": p.get("title", ""), "customer": p.get("customer", ""),
        "assignee": p.get("assignee", ""),
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else ""}


def register() -> None:
    from pharmcrm.notifications.kinds import register_kind

    register_kind(ASSIGNED, gettext_lazy("Service ticket assigned to me"), render_assigned, icon="bi-headset")
    register_kind(OVERDUE, gettext_lazy("Service ticket overdue"), render_overdue, icon="bi-alarm")
