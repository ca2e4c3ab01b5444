"""Tickets in the customer's activity timeline (customers/timeline.py ``SOURCES``, appended
from ``TicketsConfig.ready()``): each ticket opened, each status change (resolved with its
resolution, closed with the satisfaction, reopened)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pharmcrm.tickets.models import EventKind, TicketEvent

DETAIL_CHARS = 140
KINDS = [EventKind.CREATED, EventKind.STARTED, EventKind.RESOLVED, EventKind.CLOSED, EventKind.REOPENED]
ICONS = {EventKind.CREATED: "headset", EventKind.STARTED: "play-circle", EventKind.RESOLVED: "check2-circle",
         EventKind.CLOSED: "lock", EventKind.REOPENED: "arrow-counterclockwise"}


def _text(e: TicketEvent) -> str:
    t = e.ticket
    names = {
        EventKind.CREATED: _("Service ticket %(number)s opened: %(title)s"),
        EventKind.STARTED: _("Service ticket %(number)s in progress"),
        EventKind.RESOLVED: _("Service ticket %(number)s resolved"),
        EventKind.CLOSED: _("Service ticket %(number)s closed"),
        EventKind.REOPENED: _("Service ticket %(number)s reopened"),
    }
    return names[e.kind] % {"number": t.number, "title": t.title}


def _detail(e: TicketEvent) -> str:
    if e.kind == EventKind.CLOSED:
        score = (e.changes or {}).get("satisfaction")
        parts = []
        if score:
            parts.append(_("Satisfaction %(n)s/5") % {"n": score[1]})
        if e.note:
            parts.append(e.note)
        return Truncator(" · ".join(parts)).chars(DETAIL_CHARS)
    if e.kind == EventKind.CREATED:
        return e.ticket.get_type_display()
    return Truncator(e.note).chars(DETAIL_CHARS)


def ticket_entries(customer, user, perms, *, limit: int):
    from pharmcrm.customers.timeline import TimelineEntry

    rows = (TicketEvent.objects.filter(ticket__customer_id=customer.pk, kind__in=KINDS)
            .select_related("actor", "ticket").order_by("-at", "-id")[:limit])
    for e in rows:
        yield TimelineEntry(e.at, f"tickets.{e.kind}", ICONS.get(e.kind, "headset"), _text(e),
                            reverse("web:ticket_detail", args=[e.ticket_id]), e.actor, detail=_detail(e))


def register() -> None:
    from pharmcrm.customers import timeline

    if "tickets" not in timeline.source_keys():
        timeline.SOURCES.append(timeline.TimelineSource("tickets", gettext_lazy("Service tickets"),
                                                        "pharmcrm.tickets.timeline:ticket_entries"))
