"""The only readers of service tickets. Every read starts from the visibility rule: a ticket is
visible exactly when its customer is (``org.visibility.visible_customers``, one sub-select, like
follow-ups); missing and invisible are the same ``NotFound``.

Overdue = due time passed while open or in progress (``overdue_q``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.tickets import services
from pharmcrm.tickets.models import ACTIVE_STATUSES, Priority, Status, Ticket, TicketEvent, TicketType

SORTS = {
    "-opened": ("-opened_at", "-id"), "opened": ("opened_at", "id"),
    "due": ("due_at", "id"), "-due": ("-due_at", "-id"),
    "-updated": ("-updated_at", "-id"), "number": ("number",), "-number": ("-number",),
}
DEFAULT_SORT = "-opened"
SEARCH_MAX = 100


def overdue_q(now=None) -> Q:
    return Q(status__in=ACTIVE_STATUSES, due_at__lt=now or timezone.now())


def visible_tickets(actor: User) -> QuerySet:
    """Every ticket of every customer ``actor`` may see. Start every ticket read here."""
    return Ticket.objects.filter(customer_id__in=visibility.visible_customers(actor).values("id"))


def with_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("customer", "assignee", "created_by", "contact", "product")


@dataclass(frozen=True)
class TicketFilters:
    status: str = ""  # a Status value, or "active" (open + in progress)
    type: str = ""
    priority: str = ""
    assignee_id: int | None = None
    overdue: bool = False
    customer_id: int | None = None
    q: str = ""
    sort: str = DEFAULT_SORT


def ticket_list(*, actor: User, filters: TicketFilters | None = None) -> QuerySet:
    """Visible tickets by the filters, sorted (``SORTS``; newest opened first by default). One
    customer's (``NotFound`` if it is invisible)."""
    f = filters or TicketFilters()
    qs = visible_tickets(actor)
    if f.customer_id is not None:
        if not visibility.can_see(actor, f.customer_id):
            raise NotFound(_("Customer not found."))
        qs = qs.filter(customer_id=f.customer_id)
    if f.status == "active":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif f.status in Status.values:
        qs = qs.filter(status=f.status)
    if f.type in TicketType.values:
        qs = qs.filter(type=f.type)
    if f.priority in Priority.values:
        qs = qs.filter(priority=f.priority)
    if f.assignee_id is not None:
        qs = qs.filter(assignee_id=f.assignee_id)
    if f.overdue:
        qs = qs.filter(overdue_q())
    text = (f.q or "").strip()[:SEARCH_MAX]
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(customer__name__icontains=text)
                       | Q(batch_no__icontains=text))
    return with_details(qs).order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def ticket_get(*, actor: User, ticket_id: int) -> Ticket:
    ticket = with_details(visible_tickets(actor)).filter(pk=ticket_id).first() if 0 < ticket_id < 2**63 else None
    if ticket is None:
        raise NotFound(_("Service ticket not found."))
    return ticket


def ticket_events(*, ticket: Ticket) -> list[TicketEvent]:
    """The ticket's own timeline, oldest first (the ticket was loaded through a selector)."""
    return list(TicketEvent.objects.filter(ticket_id=ticket.pk).select_related("actor").order_by("at", "id"))


def ticket_permissions(*, actor: User, ticket: Ticket, can_write: bool | None = None) -> dict:
    """What ``actor`` may do with a visible ticket: ``actions`` are the legal transitions for them
    now; ``act`` covers edit, assign and comment."""
    if can_write is None:
        can_write = visibility.can_write(actor, ticket.customer_id)
    is_assignee = ticket.assignee_id == actor.pk
    act = services.may_act(actor, ticket, can_write=can_write)
    return {
        "act": act,
        "edit": act and ticket.status != Status.CLOSED,
        "assign": act and ticket.status != Status.CLOSED,
        "comment": act,
        "actions": services.allowed_actions(ticket, can_write=can_write, is_assignee=is_assignee),
        "can_write": can_write,
    }


def writable_customer_ids(actor: User, tickets) -> set[int]:
    ids = {t.customer_id for t in tickets}
    if not ids:
        return set()
    return set(visibility.writable_customers(actor).filter(pk__in=ids).values_list("id", flat=True))
