"""The only writers of service tickets (服务记录) and their timelines.

Rights (``selectors.ticket_permissions`` answers the same questions for the UI):
* to open a ticket you must be able to WRITE its customer (owner, heads above, read-write
  shares, administrators; ``org.visibility``);
* to act on a ticket (edit, assign, start, resolve, close, reopen a resolved one, comment) you
  must be its assignee or able to write its customer; reopening a CLOSED ticket is for the
  customer's writers only (the customer came back: someone responsible for it decides);
* the assignee must be an active user who can see the customer.
A ticket or customer the actor cannot see is ``NotFound`` (404), like everywhere else.

The state machine (``TRANSITIONS``): open → in_progress → resolved → closed; open → resolved;
resolved → in_progress and closed → in_progress (reopen). Resolving needs a resolution; closing
records the customer's satisfaction (1–5, optional) and comment. Anything else is an
``ApplicationError`` (code ``illegal_transition``) and changes nothing.

Every change runs in one transaction: the ticket row is locked (``select_for_update``) and the
state change is a conditional UPDATE on the status read, so a double click applies once; a
``TicketEvent`` line and an audit record are written with it; notifications go out after the
commit (``notifications.services.notify``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.catalog.models import Product
from pharmcrm.contacts.models import Employment
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.tickets import sla
from pharmcrm.tickets.models import (
    ACTIVE_STATUSES,
    EventKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketSequence,
    TicketType,
)

START, RESOLVE, CLOSE, REOPEN = "start", "resolve", "close", "reopen"
# action -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    START: {Status.OPEN: Status.IN_PROGRESS},
    RESOLVE: {Status.OPEN: Status.RESOLVED, Status.IN_PROGRESS: Status.RESOLVED},
    CLOSE: {Status.RESOLVED: Status.CLOSED},
    REOPEN: {Status.RESOLVED: Status.IN_PROGRESS, Status.CLOSED: Status.IN_PROGRESS},
}
EVENT_OF = {START: EventKind.STARTED, RESOLVE: EventKind.RESOLVED, CLOSE: EventKind.CLOSED,
            REOPEN: EventKind.REOPENED}

EDIT_FIELDS = ["type", "priority", "title", "description", "contact_id", "product_id", "batch_no"]
CREATE_FIELDS = [*EDIT_FIELDS, "assignee_id"]
AUDIT_FIELDS = ["type", "priority", "title", "description", "contact", "product", "batch_no", "due_at"]
NUMBER_PREFIX = "FW"


def _invalid(fields: dict[str, list[str]]) -> ApplicationError:
    first = next(iter(fields.values()))[0]
    return ApplicationError(first, code="invalid", fields=fields)


def _text(data: dict, name: str, fields: dict, *, limit: int, required_msg: str | None = None) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        fields[name] = [_("Enter text.")]
        return None
    value = (value or "").strip()
    if "\x00" in value:
        fields[name] = [_("Enter text.")]
        return None
    if len(value) > limit:
        fields[name] = [_("At most %(n)d characters.") % {"n": limit}]
        return None
    if not value and required_msg:
        fields[name] = [required_msg]
        return None
    return value


def _id(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value >= 2**63:
        return None
    return value


# --- rights --------------------------------------------------------------------------------

def may_act(actor: User, ticket: Ticket, *, can_write: bool | None = None) -> bool:
    """The assignee, or whoever may write the customer."""
    if ticket.assignee_id == actor.pk and actor.is_active:
        return True
    return visibility.can_write(actor, ticket.customer_id) if can_write is None else can_write


def _check_may_act(actor: User, ticket: Ticket) -> None:
    if not may_act(actor, ticket):
        raise PermissionDenied(_("Only the assignee or someone who may change this customer may work on its "
                                 "service tickets."))


def _assignee(customer_id: int, assignee_id, fields: dict) -> User | None:
    uid = _id(assignee_id)
    user = User.objects.filter(pk=uid, is_active=True).first() if uid else None
    if user is None:
        fields["assignee_id"] = [_("Choose an active user as the assignee.")]
        return None
    if not visibility.can_see(user, customer_id):
        fields["assignee_id"] = [_("%(name)s cannot see this customer; share it with them first or choose "
                                   "someone who can.") % {"name": user.full_name or user.username}]
        return None
    return user


# --- fields --------------------------------------------------------------------------------

def _apply(ticket: Ticket, data: dict[str, Any], *, allowed: list[str], creating: bool) -> None:
    """Check and set the editable fields present in ``data``; one ``ApplicationError`` with
    every field's message."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    fields: dict[str, list[str]] = {}
    if "title" in data or creating:
        value = _text(data, "title", fields, limit=200, required_msg=_("Give the ticket a short title."))
        if value is not None:
            ticket.title = value
    for name, limit in (("description", 5000), ("batch_no", 50)):
        if name in data:
            value = _text(data, name, fields, limit=limit)
            if value is not None:
                setattr(ticket, name, value)
    if "type" in data:
        if data["type"] not in TicketType.values:
            fields["type"] = [_("Choose the type: consultation, complaint, return, quality issue or other.")]
        else:
            ticket.type = data["type"]
    if "priority" in data:
        if data["priority"] not in Priority.values:
            fields["priority"] = [_("Choose the priority: low, normal, high or urgent.")]
        else:
            ticket.priority = data["priority"]
    if "contact_id" in data:
        raw = data["contact_id"]
        if raw in (None, ""):
            ticket.contact = None
        elif _id(raw) is None or not Employment.objects.filter(
                customer_id=ticket.customer_id, contact_id=raw, contact__deleted_at__isnull=True).exists():
            fields["contact_id"] = [_("Choose a contact who works (or worked) at this customer.")]
        else:
            ticket.contact_id = raw
    if "product_id" in data:
        raw = data["product_id"]
        if raw in (None, ""):
            ticket.product = None
        elif _id(raw) is None or not Product.objects.filter(pk=raw).exists():
            fields["product_id"] = [_("Choose a product from the catalogue.")]
        else:
            ticket.product_id = raw
    if ticket.batch_no and not ticket.product_id and "product_id" not in fields:
        fields["batch_no"] = [_("Choose the product this batch belongs to.")]
    if "assignee_id" in data:
        user = _assignee(ticket.customer_id, data["assignee_id"], fields)
        if user is not None:
            ticket.assignee = user
    if fields:
        raise _invalid(fields)


def _audit_values(ticket: Ticket) -> dict[str, Any]:
    values = snapshot(ticket, AUDIT_FIELDS)
    values["contact"] = ticket.contact.name if ticket.contact_id else None
    values["product"] = str(ticket.product) if ticket.product_id else None
    return values


def _next_number(when: datetime.datetime) -> str:
    """FW-<local year>-<n:06d>: the year's counter row is incremented by one UPDATE, which locks
    it until the creating transaction ends, so two creators never get the same number."""
    year = timezone.localtime(when).year
    TicketSequence.objects.get_or_create(year=year)
    TicketSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = TicketSequence.objects.filter(year=year).values_list("last", flat=True).get()
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


def ticket_url(ticket: Ticket) -> str:
    return reverse("web:ticket_detail", args=[ticket.pk])


def _notify_assigned(actor: User, ticket: Ticket, event: TicketEvent) -> None:
    from pharmcrm.notifications.services import notify

    notify(recipients=[ticket.assignee_id], kind="ticket_assigned", actor=actor,
           params={"number": ticket.number, "title": ticket.title, "customer": ticket.customer.name},
           link=ticket_url(ticket), key=f"ticket-assigned:{ticket.pk}:{event.pk}")


def _event(ticket: Ticket, kind: str, actor: User | None, *, note: str = "", changes: dict | None = None,
           from_status: str = "", to_status: str = "", at: datetime.datetime | None = None) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, note=note, changes=changes or {},
                                      from_status=from_status, to_status=to_status, at=at or timezone.now())


# --- create and edit -----------------------------------------------------------------------

@transaction.atomic
def ticket_create(*, actor: User, customer_id: int, data: dict[str, Any],
                  now: datetime.datetime | None = None) -> Ticket:
    """Open a ticket for a customer ``actor`` may write. ``data``: title (required), type,
    priority, description, contact_id, product_id, batch_no, assignee_id (default: actor).
    ``now`` (the opening time) is for the demo loader and tests."""
    if _id(customer_id) is None:
        raise ApplicationError(_("Choose a customer."), code="invalid",
                               fields={"customer_id": [_("Choose a customer.")]})
    customer = visibility.writable_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        if not visibility.can_see(actor, customer_id):
            raise NotFound(_("Customer not found."))
        raise PermissionDenied(_("You may view this customer but not open service tickets for it; ask its owner "
                                 "to share it with you read-write."))
    data = dict(data)
    data.setdefault("assignee_id", actor.pk)
    when = now or timezone.now()
    ticket = Ticket(customer=customer, created_by=actor, opened_at=when)
    _apply(ticket, data, allowed=CREATE_FIELDS, creating=True)
    ticket.due_at = sla.due_at(ticket.type, ticket.priority, when)
    ticket.number = _next_number(when)
    ticket.save()
    values = _audit_values(ticket)
    values["assignee"] = ticket.assignee.full_name or ticket.assignee.username
    event = _event(ticket, EventKind.CREATED, actor, to_status=Status.OPEN, at=when,
                   changes={"assignee": [None, values["assignee"]]})
    audit_record(actor=actor, action="ticket_create", target=ticket, customer_id=customer.pk,
                 changes={k: [None, v] for k, v in {"number": ticket.number, **values}.items()
                          if v not in ("", None)})
    _notify_assigned(actor, ticket, event)
    return ticket


def _ticket_for_change(actor: User, ticket_id: int) -> Ticket:
    """The ticket, locked, if ``actor`` can see its customer; else ``NotFound``."""
    if _id(ticket_id) is None:
        raise NotFound(_("Service ticket not found."))
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("customer", "assignee", "contact",
                                                                           "product")
              .filter(pk=ticket_id, customer_id__in=visibility.visible_customers(actor).values("id")).first())
    if ticket is None:
        raise NotFound(_("Service ticket not found."))
    return ticket


@transaction.atomic
def ticket_update(*, actor: User, ticket_id: int, data: dict[str, Any]) -> Ticket:
    """Edit title, description, type, priority, contact, product, batch while the ticket is not
    closed; a change of type or priority of an open ticket recomputes its due time from the SLA
    (counted from when it was opened)."""
    ticket = _ticket_for_change(actor, ticket_id)
    _check_may_act(actor, ticket)
    if ticket.status == Status.CLOSED:
        raise ApplicationError(_("This ticket is closed; reopen it to change it."), code="ticket_closed")
    before = _audit_values(ticket)
    _apply(ticket, data, allowed=EDIT_FIELDS, creating=False)
    if ticket.status in ACTIVE_STATUSES:
        ticket.due_at = sla.due_at(ticket.type, ticket.priority, ticket.opened_at)
    changes = diff(before, _audit_values(ticket))
    if not changes:
        return ticket
    ticket.save()
    _event(ticket, EventKind.EDITED, actor, changes=changes)
    audit_record(actor=actor, action="ticket_update", target=ticket, customer_id=ticket.customer_id,
                 changes=changes)
    return ticket


@transaction.atomic
def ticket_assign(*, actor: User, ticket_id: int, assignee_id: int, note: str = "") -> Ticket:
    """Hand the ticket to another active user who can see its customer (not once it is closed)."""
    ticket = _ticket_for_change(actor, ticket_id)
    _check_may_act(actor, ticket)
    if ticket.status == Status.CLOSED:
        raise ApplicationError(_("This ticket is closed; reopen it to reassign it."), code="ticket_closed")
    fields: dict[str, list[str]] = {}
    note = _text({"note": note}, "note", fields, limit=2000)
    user = _assignee(ticket.customer_id, assignee_id, fields)
    if fields:
        raise _invalid(fields)
    if user.pk == ticket.assignee_id:
        raise ApplicationError(_("The ticket is already assigned to %(name)s.")
                               % {"name": user.full_name or user.username}, code="invalid",
                               fields={"assignee_id": [_("Choose someone else.")]})
    old = ticket.assignee
    ticket.assignee = user
    ticket.save(update_fields=["assignee", "updated_at"])
    change = {"assignee": [old.full_name or old.username, user.full_name or user.username]}
    event = _event(ticket, EventKind.ASSIGNED, actor, note=note or "", changes=change)
    audit_record(actor=actor, action="ticket_assign", target=ticket, customer_id=ticket.customer_id,
                 changes={**change, **({"note": [None, note]} if note else {})})
    _notify_assigned(actor, ticket, event)
    return ticket


# --- the state machine ---------------------------------------------------------------------

def _illegal(ticket: Ticket, action: str) -> ApplicationError:
    messages = {
        START: _("Only an open ticket can be started; this one is %(status)s."),
        RESOLVE: _("Only an open or in-progress ticket can be resolved; this one is %(status)s."),
        CLOSE: _("Only a resolved ticket can be closed; this one is %(status)s."),
        REOPEN: _("Only a resolved or closed ticket can be reopened; this one is %(status)s."),
    }
    return ApplicationError(messages[action] % {"status": ticket.get_status_display()}, code="illegal_transition")


def allowed_actions(ticket: Ticket, *, can_write: bool, is_assignee: bool) -> list[str]:
    """The transitions a user with these rights may apply to the ticket now."""
    if not (can_write or is_assignee):
        return []
    out = [a for a, moves in TRANSITIONS.items() if ticket.status in moves]
    if ticket.status == Status.CLOSED and not can_write:
        out = [a for a in out if a != REOPEN]
    return out


def _transition(*, actor: User, ticket_id: int, action: str, prepare=None) -> Ticket:
    """Apply ``action``: the ticket must be visible (else ``NotFound``), the actor allowed (else
    ``PermissionDenied``), the move legal from its status (else ``illegal_transition``); then
    ``prepare()`` checks the input and returns (note, fields to set)."""
    ticket = _ticket_for_change(actor, ticket_id)
    _check_may_act(actor, ticket)
    target = TRANSITIONS[action].get(ticket.status)
    if target is None:
        raise _illegal(ticket, action)
    if action == REOPEN and ticket.status == Status.CLOSED and not visibility.can_write(actor, ticket.customer_id):
        raise PermissionDenied(_("Only someone who may change this customer may reopen a closed ticket."))
    note, set_fields = prepare() if prepare else ("", {})
    now = timezone.now()
    values: dict[str, Any] = {"status": target, "updated_at": now, **set_fields}
    if action == RESOLVE:
        values["resolved_at"] = now
    elif action == CLOSE:
        values["closed_at"] = now
    elif action == REOPEN:
        values.update(resolved_at=None, closed_at=None, satisfaction=None, satisfaction_comment="",
                      reopen_count=F("reopen_count") + 1, due_at=sla.due_at(ticket.type, ticket.priority, now))
    # conditional on the status read: a second click (or a racing request) finds nothing to change
    if Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(**values) != 1:
        raise _illegal(ticket, action)
    before = ticket.status
    ticket.refresh_from_db()
    changes: dict[str, Any] = {"status": [before, target]}
    for name in ("resolution", "satisfaction", "satisfaction_comment"):
        if set_fields.get(name) not in ("", None):
            changes[name] = [None, set_fields[name]]
    event_changes = {}
    if action == CLOSE and ticket.satisfaction is not None:
        event_changes["satisfaction"] = [None, ticket.satisfaction]
    if action == REOPEN:
        changes["due_at"] = [None, ticket.due_at]
        event_changes["due_at"] = [None, ticket.due_at.isoformat()]
    _event(ticket, EVENT_OF[action], actor, note=note, from_status=before, to_status=target, at=now,
           changes=event_changes)
    audit_record(actor=actor, action=f"ticket_{action}", target=ticket, customer_id=ticket.customer_id,
                 changes={**changes, **({"note": [None, note]} if note and action != RESOLVE else {})})
    return ticket


def _note(note, *, required_msg: str | None = None, name: str = "note", limit: int = 2000) -> str:
    fields: dict[str, list[str]] = {}
    value = _text({name: note}, name, fields, limit=limit, required_msg=required_msg)
    if fields:
        raise _invalid(fields)
    return value


@transaction.atomic
def ticket_start(*, actor: User, ticket_id: int, note: str = "") -> Ticket:
    """open → in progress."""
    return _transition(actor=actor, ticket_id=ticket_id, action=START, prepare=lambda: (_note(note), {}))


@transaction.atomic
def ticket_resolve(*, actor: User, ticket_id: int, resolution: str) -> Ticket:
    """open / in progress → resolved, with what was done."""

    def prepare():
        text = _note(resolution, name="resolution", limit=5000, required_msg=_("Say how the ticket was resolved."))
        return text, {"resolution": text}

    return _transition(actor=actor, ticket_id=ticket_id, action=RESOLVE, prepare=prepare)


@transaction.atomic
def ticket_close(*, actor: User, ticket_id: int, satisfaction: int | None = None, comment: str = "") -> Ticket:
    """resolved → closed, with the customer's satisfaction (1–5, if they gave one) and comment."""

    def prepare():
        score = None if satisfaction in ("", None) else satisfaction
        if score is not None and (isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5):
            raise _invalid({"satisfaction": [_("Rate the customer's satisfaction from 1 (very dissatisfied) to 5 "
                                               "(very satisfied).")]})
        text = _note(comment, name="satisfaction_comment")
        return text, {"satisfaction": score, "satisfaction_comment": text}

    return _transition(actor=actor, ticket_id=ticket_id, action=CLOSE, prepare=prepare)


@transaction.atomic
def ticket_reopen(*, actor: User, ticket_id: int, note: str = "") -> Ticket:
    """resolved / closed → in progress; a new due time from now. A closed ticket only by the
    customer's writers."""
    return _transition(actor=actor, ticket_id=ticket_id, action=REOPEN,
                       prepare=lambda: (_note(note, required_msg=_("Say why the ticket is reopened.")), {}))


@transaction.atomic
def ticket_comment_add(*, actor: User, ticket_id: int, text: str) -> TicketEvent:
    """A comment on the ticket's timeline, by the assignee or anyone who may write the customer."""
    ticket = _ticket_for_change(actor, ticket_id)
    _check_may_act(actor, ticket)
    text = _note(text, name="text", required_msg=_("Write the comment."))
    event = _event(ticket, EventKind.COMMENT, actor, note=text)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    audit_record(actor=actor, action="ticket_comment", target=ticket, customer_id=ticket.customer_id,
                 changes={"comment": [None, text]})
    return event
