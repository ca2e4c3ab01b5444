"""The only writers of tenders (投标), their lines, competitor prices, below-floor approvals,
shares and attachments.

Rights (``selectors``): a tender the actor cannot see is ``NotFound`` (404); one they see but
may not change is ``PermissionDenied`` (403). Sharing is for the owner, the heads above the
owner, tender specialists and administrators (not for someone who holds a write share).

The state machine (``TRANSITIONS``): tracking → registered → preparing → submitted → won /
lost; cancel from tracking … submitted; won → executing → expired. Submitting needs every bid
below its product's floor price (``catalog.pricing``, for the tender's province) approved by a
head (``TenderPriceException``, the approval holds for that bid price); winning needs a winning
price on at least one line (given with the action or already on the line); losing needs a
reason. Renewing an executing or expired tender creates a new tender in tracking with
``renewal_of`` set (once). Anything else is an ``ApplicationError`` (``illegal_transition``).

Every change runs in one transaction: the tender row is locked (``select_for_update``), the
state change is a conditional UPDATE on the status read (a double click applies once), a
``TenderEvent`` line and an audit record are written with it, notifications go out after the
commit.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.catalog import pricing
from pharmcrm.catalog.models import PriceKind, Product
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.org import visibility
from pharmcrm.org.models import DepartmentClosure, DepartmentHead, Role, ShareGroup, User
from pharmcrm.tenders import fields as F_
from pharmcrm.tenders import selectors
from pharmcrm.tenders.models import (
    OPEN_STATUSES,
    CompetitorPrice,
    EventKind,
    ShareAccess,
    Tender,
    TenderAttachment,
    TenderEvent,
    TenderLine,
    TenderPriceException,
    TenderSequence,
    TenderShare,
    TenderStatus,
    TenderType,
)

S = TenderStatus
REGISTER, PREPARE, SUBMIT, WIN, LOSE, CANCEL, EXECUTE, EXPIRE = (
    "register", "prepare", "submit", "win", "lose", "cancel", "execute", "expire")
RENEW = "renew"
TRANSITIONS: dict[str, dict[str, str]] = {
    REGISTER: {S.TRACKING: S.REGISTERED},
    PREPARE: {S.REGISTERED: S.PREPARING},
    SUBMIT: {S.PREPARING: S.SUBMITTED},
    WIN: {S.SUBMITTED: S.WON},
    LOSE: {S.SUBMITTED: S.LOST},
    CANCEL: {s: S.CANCELLED for s in OPEN_STATUSES},
    EXECUTE: {S.WON: S.EXECUTING},
    EXPIRE: {S.EXECUTING: S.EXPIRED},
}
RENEWABLE = (S.EXECUTING, S.EXPIRED)
NUMBER_PREFIX = "ZB"
LINE_EDITABLE = (S.TRACKING, S.REGISTERED, S.PREPARING)
MAX_LINES = 200

TEXT_FIELDS = {"name": 200, "purchasing_body": 200, "courier": 50, "tracking_number": 50, "notes": 5000}
DATE_FIELDS = ("announced_on", "result_on", "bond_paid_on", "bond_refunded_on", "documents_sent_on",
               "next_follow_up_on")
MOMENT_FIELDS = ("registration_deadline", "document_deadline", "bid_opening_at")
EDIT_FIELDS = [*TEXT_FIELDS, "type", "province", "customer_id", "owner_id", *DATE_FIELDS, *MOMENT_FIELDS,
               "bond_amount", "won_amount"]
AUDIT_FIELDS = [f.removesuffix("_id") for f in EDIT_FIELDS]


def tender_url(tender: Tender) -> str:
    return reverse("web:tender_detail", args=[tender.pk])


def _name(user: User) -> str:
    return user.full_name or user.username


def _event(tender: Tender, kind: str, actor: User | None, *, note: str = "", from_status: str = "",
           to_status: str = "", at: datetime.datetime | None = None) -> TenderEvent:
    return TenderEvent.objects.create(tender=tender, kind=kind, actor=actor, note=note[:5000],
                                      from_status=from_status, to_status=to_status, at=at or timezone.now())


def _audit(actor: User, action: str, tender: Tender, changes: dict) -> None:
    audit_record(actor=actor, action=action, target=tender, customer_id=tender.customer_id, changes=changes)


# --- rights ----------------------------------------------------------------------------------

def _for_change(actor: User, tender_id: int, *, lock: bool = True) -> Tender:
    """The tender, locked, if ``actor`` sees it (else ``NotFound``) and may change it (else
    ``PermissionDenied``)."""
    tid = F_.to_id(tender_id)
    qs = selectors.visible_tenders(actor).filter(pk=tid or 0)
    if lock:
        qs = qs.select_for_update(of=("self",))
    tender = qs.select_related("customer", "owner").first()
    if tender is None:
        raise NotFound(_("Tender not found."))
    if not selectors.can_write(actor, tender):
        raise PermissionDenied(_("You may view this tender but not change it; ask its owner to share it with you "
                                 "read-write."))
    return tender


def may_manage(actor: User, tender: Tender) -> bool:
    """Share and unshare: administrators, tender specialists, the owner, the heads above the owner."""
    if not actor.is_active:
        return False
    if selectors.sees_all(actor) or tender.owner_id == actor.pk:
        return True
    dept = tender.owner.department_id
    return dept is not None and dept in set(visibility.subtree_department_list(actor))


def may_decide_exception(actor: User, tender: Tender) -> bool:
    """A head of the owner's department or of any department above it (not the owner: a head who
    owns the tender needs a head above), administrators."""
    if not actor.is_active:
        return False
    if actor.is_admin:
        return True
    dept = tender.owner.department_id
    if dept is None:
        return False
    if tender.owner_id == actor.pk:  # a head owning the tender: only a department strictly above counts
        above = DepartmentClosure.objects.filter(descendant_id=dept, depth__gt=0).values_list("ancestor_id", flat=True)
        return bool(set(above) & set(actor.headed_department_ids))
    dept = tender.owner.department_id
    return dept is not None and dept in set(visibility.subtree_department_list(actor))


def heads_above(user: User) -> list[int]:
    """Active heads of ``user``'s department and every department above it."""
    if not user.department_id:
        return []
    depts = DepartmentClosure.objects.filter(descendant_id=user.department_id).values("ancestor_id")
    return sorted(set(DepartmentHead.objects.filter(department_id__in=depts, user__is_active=True)
                      .exclude(user_id=user.pk).values_list("user_id", flat=True)))


def specialists() -> list[int]:
    return sorted(User.objects.filter(is_active=True, roles__role=Role.TENDER).values_list("id", flat=True))


# --- create and edit -------------------------------------------------------------------------

def _apply(actor: User, tender: Tender, data: dict[str, Any], *, creating: bool) -> None:
    unknown = sorted(set(data) - set(EDIT_FIELDS))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    fields: dict[str, list[str]] = {}
    for name, limit in TEXT_FIELDS.items():
        if name in data or (creating and name == "name"):
            value = F_.text(data, name, fields, limit=limit,
                            required_msg=_("Give the project a name.") if name == "name" else None)
            if value is not None:
                setattr(tender, name, value)
    if "type" in data or creating:
        value = data.get("type") or TenderType.PROVINCIAL
        if value not in TenderType.values:
            fields["type"] = [_("Choose the tender type.")]
        else:
            tender.type = value
    if "province" in data or creating:
        code = F_.province(data, "province", fields)
        if code:
            tender.province = code
    for name in DATE_FIELDS:
        if name in data:
            ok, value = F_.date(data, name, fields)
            if ok:
                setattr(tender, name, value)
    for name in MOMENT_FIELDS:
        if name in data:
            ok, value = F_.moment(data, name, fields)
            if ok:
                setattr(tender, name, value)
    for name in ("bond_amount", "won_amount"):
        if name in data:
            ok, value = F_.decimal(data, name, fields, places=2, maximum=F_.MAX_MONEY, positive=False)
            if ok:
                setattr(tender, name, value)
    if "customer_id" in data:
        raw = data["customer_id"]
        if raw in (None, ""):
            tender.customer = None
        else:
            from pharmcrm.customers.models import Customer

            cid = F_.to_id(raw)
            base = (Customer.objects.filter(deleted_at__isnull=True) if selectors.sees_all(actor)
                    else visibility.visible_customers(actor))
            customer = base.filter(pk=cid or 0).first()
            if customer is None:
                fields["customer_id"] = [_("Choose a customer you can see, or leave it empty.")]
            else:
                tender.customer = customer
    if "owner_id" in data or creating:
        uid = F_.to_id(data.get("owner_id") or actor.pk)
        if uid != tender.owner_id:
            allowed = (User.objects.filter(is_active=True) if selectors.sees_all(actor)
                       else visibility.users_in_scope(actor).filter(is_active=True))
            owner = allowed.filter(pk=uid or 0).first()
            if owner is None:
                fields["owner_id"] = [_("Choose an active user: yourself or someone of your team.")]
            else:
                tender.owner = owner
    if (tender.bond_refunded_on and not tender.bond_paid_on and "bond_refunded_on" not in fields
            and "bond_paid_on" not in fields):
        fields["bond_refunded_on"] = [_("Record when the bond was paid first.")]
    if tender.bond_refunded_on and tender.bond_paid_on and tender.bond_refunded_on < tender.bond_paid_on:
        fields["bond_refunded_on"] = [_("The refund cannot be before the payment.")]
    if fields:
        raise F_.invalid(fields)


def _audit_values(tender: Tender) -> dict[str, Any]:
    values = snapshot(tender, [f for f in AUDIT_FIELDS if f not in ("customer", "owner")])
    values["customer"] = tender.customer.name if tender.customer_id else None
    values["owner"] = _name(tender.owner) if tender.owner_id else None
    return values


def _next_number(when: datetime.datetime) -> str:
    """ZB-<local year>-<n:04d>: one UPDATE of the year's counter, locked until commit."""
    year = timezone.localtime(when).year
    TenderSequence.objects.get_or_create(year=year)
    TenderSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = TenderSequence.objects.filter(year=year).values_list("last", flat=True).get()
    return f"{NUMBER_PREFIX}-{year}-{last:04d}"


@transaction.atomic
def tender_create(*, actor: User, data: dict[str, Any], now: datetime.datetime | None = None) -> Tender:
    """A new tender in tracking. ``data``: name and province (required), type, purchasing_body,
    customer_id, owner_id (default the actor; yourself, your team, anyone for specialists),
    the dates and deadlines, bond, documents sent, notes."""
    if not actor.is_active:
        raise PermissionDenied(_("Your account is inactive."))
    when = now or timezone.now()
    tender = Tender(created_by=actor, status=S.TRACKING)
    _apply(actor, tender, dict(data), creating=True)
    if tender.customer_id and not selectors.sees_all(actor) and not visibility.can_write(actor, tender.customer_id) \
            and tender.owner_id != actor.pk:
        raise F_.invalid({"customer_id": [_("You may not create tenders for this customer for someone else.")]})
    tender.number = _next_number(when)
    tender.save()
    if now:
        Tender.objects.filter(pk=tender.pk).update(created_at=when, updated_at=when)
    _event(tender, EventKind.CREATED, actor, to_status=S.TRACKING, at=when)
    _audit(actor, "tender_create", tender,
           {k: [None, v] for k, v in {"number": tender.number, **_audit_values(tender)}.items() if v not in ("", None)})
    return tender


@transaction.atomic
def tender_update(*, actor: User, tender_id: int, data: dict[str, Any]) -> Tender:
    tender = _for_change(actor, tender_id)
    before = _audit_values(tender)
    _apply(actor, tender, dict(data), creating=False)
    changes = diff(before, _audit_values(tender))
    if not changes:
        return tender
    tender.save()
    _event(tender, EventKind.EDITED, actor, note=", ".join(str(Tender._meta.get_field(k).verbose_name)
                                                             for k in changes))
    _audit(actor, "tender_update", tender, changes)
    return tender


# --- lines and competitor prices -------------------------------------------------------------

LINE_FIELDS = ("product_id", "quantity", "ceiling_price", "bid_price", "winning_price", "won", "notes")
RESULT_FIELDS = ("winning_price", "won", "notes")


def _apply_line(line: TenderLine, tender: Tender, data: dict[str, Any], *, creating: bool) -> None:
    unknown = sorted(set(data) - set(LINE_FIELDS))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    if tender.status not in LINE_EDITABLE:
        locked = sorted(k for k in data if k not in RESULT_FIELDS)
        if locked:
            raise ApplicationError(_("Products, quantities and prices are fixed once the bid is submitted; only the "
                                     "winning price and the result can change."), code="illegal_transition",
                                   fields={k: [_("Fixed after submission.")] for k in locked})
    fields: dict[str, list[str]] = {}
    if creating or "product_id" in data:
        pid = F_.to_id(data.get("product_id"))
        product = Product.objects.filter(pk=pid or 0).first()
        if product is None:
            fields["product_id"] = [_("Choose a product from the catalogue.")]
        elif TenderLine.objects.filter(tender=tender, product=product).exclude(pk=line.pk or 0).exists():
            fields["product_id"] = [_("This product is already on the tender.")]
        else:
            line.product = product
    if "quantity" in data:
        ok, value = F_.decimal(data, "quantity", fields, places=3, maximum=F_.MAX_QUANTITY)
        if ok:
            line.quantity = value
    for name in ("ceiling_price", "bid_price", "winning_price"):
        if name in data:
            ok, value = F_.decimal(data, name, fields, places=4, maximum=F_.MAX_PRICE)
            if ok:
                setattr(line, name, value)
    if "won" in data:
        value = data["won"]
        if value in ("", None):
            line.won = None
        elif isinstance(value, bool):
            line.won = value
        else:
            fields["won"] = [_("Say whether we won this line: yes, no or unknown.")]
    if "notes" in data:
        value = F_.text(data, "notes", fields, limit=300)
        if value is not None:
            line.notes = value
    if (line.bid_price is not None and line.ceiling_price is not None and line.bid_price > line.ceiling_price
            and "bid_price" not in fields):
        fields["bid_price"] = [_("The bid price is above the ceiling price; the bid would be rejected.")]
    if line.won and line.winning_price is None and "winning_price" not in fields:
        fields["winning_price"] = [_("Enter the winning price of a line we won.")]
    if fields:
        raise F_.invalid(fields)


def _line_label(line: TenderLine) -> str:
    return str(line.product)


@transaction.atomic
def tender_line_add(*, actor: User, tender_id: int, data: dict[str, Any]) -> TenderLine:
    tender = _for_change(actor, tender_id)
    if tender.status not in LINE_EDITABLE:
        raise ApplicationError(_("Products can be added until the bid is submitted."), code="illegal_transition")
    if TenderLine.objects.filter(tender=tender).count() >= MAX_LINES:
        raise ApplicationError(_("A tender has at most %(n)d lines.") % {"n": MAX_LINES}, code="invalid")
    line = TenderLine(tender=tender)
    _apply_line(line, tender, dict(data), creating=True)
    line.save()
    _event(tender, EventKind.LINES, actor, note=_("Added %(product)s") % {"product": _line_label(line)})
    _audit(actor, "tender_line_add", tender, {"product": [None, str(line.product)],
                                              "bid_price": [None, line.bid_price]})
    return line


def _line_for_change(actor: User, line_id: int) -> tuple[Tender, TenderLine]:
    lid = F_.to_id(line_id)
    line = TenderLine.objects.filter(pk=lid or 0).values_list("tender_id", flat=True).first()
    if line is None:
        raise NotFound(_("Tender line not found."))
    tender = _for_change(actor, line)
    return tender, TenderLine.objects.select_related("product").get(pk=lid)


@transaction.atomic
def tender_line_update(*, actor: User, line_id: int, data: dict[str, Any]) -> TenderLine:
    tender, line = _line_for_change(actor, line_id)
    names = ["quantity", "ceiling_price", "bid_price", "winning_price", "won", "notes"]
    before = {"product": str(line.product), **snapshot(line, names)}
    _apply_line(line, tender, dict(data), creating=False)
    changes = diff(before, {"product": str(line.product), **snapshot(line, names)})
    if not changes:
        return line
    line.save()
    _event(tender, EventKind.LINES, actor, note=_("Changed %(product)s") % {"product": _line_label(line)})
    _audit(actor, "tender_line_update", tender, changes)
    return line


@transaction.atomic
def tender_line_remove(*, actor: User, line_id: int) -> None:
    tender, line = _line_for_change(actor, line_id)
    if tender.status not in LINE_EDITABLE:
        raise ApplicationError(_("Products can be removed until the bid is submitted."), code="illegal_transition")
    label = _line_label(line)
    line.delete()
    _event(tender, EventKind.LINES, actor, note=_("Removed %(product)s") % {"product": label})
    _audit(actor, "tender_line_remove", tender, {"product": [label, None]})


@transaction.atomic
def competitor_price_add(*, actor: User, line_id: int, competitor: str, price) -> CompetitorPrice:
    tender, line = _line_for_change(actor, line_id)
    fields: dict[str, list[str]] = {}
    name = F_.text({"competitor": competitor}, "competitor", fields, limit=100,
                   required_msg=_("Name the competitor."))
    _ok, value = F_.decimal({"price": price}, "price", fields, places=4, maximum=F_.MAX_PRICE, required=True)
    if fields:
        raise F_.invalid(fields)
    row = CompetitorPrice.objects.create(line=line, competitor=name, price=value)
    _event(tender, EventKind.LINES, actor, note=f"{line.product}: {name} {value.normalize():f}")
    _audit(actor, "tender_competitor_add", tender, {"competitor": [None, f"{line.product}: {name} {value}"]})
    return row


@transaction.atomic
def competitor_price_remove(*, actor: User, competitor_price_id: int) -> None:
    row = CompetitorPrice.objects.filter(pk=F_.to_id(competitor_price_id) or 0).select_related("line").first()
    if row is None:
        raise NotFound(_("Competitor price not found."))
    tender = _for_change(actor, row.line.tender_id)
    label = f"{row.competitor} {row.price}"
    row.delete()
    _audit(actor, "tender_competitor_remove", tender, {"competitor": [label, None]})


# --- floor prices and their approvals --------------------------------------------------------

def floor_prices(tender: Tender, lines: list[TenderLine]) -> dict[int, Decimal]:
    """{product id: the floor price} for the lines' products, for the tender's province today."""
    found = pricing.price_map(product_ids={ln.product_id for ln in lines}, kind=PriceKind.FLOOR,
                              on_date=timezone.localdate(), customer=tender.customer,
                              region_code=tender.province)
    return {pid: p.price for pid, p in found.items()}


def below_floor(tender: Tender, lines: list[TenderLine] | None = None) -> list[dict]:
    """The lines whose bid is below the floor price: [{line, floor, approved, pending}]. A line
    is cleared by an approved exception for exactly its current bid price."""
    lines = lines if lines is not None else list(tender.lines.select_related("product"))
    floors = floor_prices(tender, lines)
    exceptions: dict[int, list[TenderPriceException]] = {}
    for exc in TenderPriceException.objects.filter(line__in=[ln.pk for ln in lines]):
        exceptions.setdefault(exc.line_id, []).append(exc)
    out = []
    for ln in lines:
        floor = floors.get(ln.product_id)
        if ln.bid_price is None or floor is None or ln.bid_price >= floor:
            continue
        mine = exceptions.get(ln.pk, [])
        out.append({"line": ln, "floor": floor,
                    "approved": any(e.state == "approved" and e.bid_price == ln.bid_price for e in mine),
                    "pending": any(e.state == "pending" for e in mine)})
    return out


@transaction.atomic
def price_exception_request(*, actor: User, line_id: int, reason: str) -> TenderPriceException:
    """Ask the heads above the owner to approve a line's bid below the floor price."""
    tender, line = _line_for_change(actor, line_id)
    if tender.status not in LINE_EDITABLE:
        raise ApplicationError(_("Below-floor bids are approved before the bid is submitted."),
                               code="illegal_transition")
    reason = F_.note(reason, name="reason", required_msg=_("Say why this price is needed."))
    below = {b["line"].pk: b for b in below_floor(tender, [line])}
    if line.pk not in below:
        raise ApplicationError(_("This bid is not below the floor price; no approval is needed."),
                               code="not_needed", fields={"line_id": [_("No approval needed.")]})
    if TenderPriceException.objects.filter(line=line, state=TenderPriceException.State.PENDING).exists():
        raise ApplicationError(_("An approval for this line is already waiting for a decision."),
                               code="duplicate", fields={"line_id": [_("Already requested.")]})
    exc = TenderPriceException.objects.create(tender=tender, line=line, bid_price=line.bid_price,
                                              floor_price=below[line.pk]["floor"], reason=reason, requested_by=actor)
    _event(tender, EventKind.EXCEPTION, actor, note=f"{line.product} @ {line.bid_price.normalize():f}: {reason}")
    _audit(actor, "tender_price_exception", tender, {"product": [None, str(line.product)],
                                                     "bid_price": [None, line.bid_price], "reason": [None, reason]})
    from pharmcrm.notifications.services import notify

    notify(recipients=heads_above(tender.owner) or [u for u in User.objects.filter(
        is_active=True, roles__role=Role.ADMIN).values_list("id", flat=True)],
        kind="tender_price_exception", actor=actor, link=tender_url(tender), key=f"tender-exc:{exc.pk}",
        params={"number": tender.number, "product": str(line.product), "price": f"{line.bid_price.normalize():f}"})
    return exc


@transaction.atomic
def price_exception_decide(*, actor: User, exception_id: int, approve: bool, note: str = "") -> TenderPriceException:
    eid = F_.to_id(exception_id)
    exc = (TenderPriceException.objects.select_for_update(of=("self",))
           .select_related("tender__owner", "line__product")
           .filter(pk=eid or 0, tender__in=selectors.visible_tenders(actor).values("id")).first())
    if exc is None:
        raise NotFound(_("Price exception not found."))
    if not may_decide_exception(actor, exc.tender) or (exc.requested_by_id == actor.pk and not actor.is_admin):
        raise PermissionDenied(_("Only a head above the tender's owner decides below-floor bids, and not on their "
                                 "own request."))
    note = F_.note(note)
    if exc.state != TenderPriceException.State.PENDING:
        raise ApplicationError(_("This request was already decided."), code="illegal_transition")
    state = TenderPriceException.State.APPROVED if approve else TenderPriceException.State.REFUSED
    if TenderPriceException.objects.filter(pk=exc.pk, state=TenderPriceException.State.PENDING).update(
            state=state, decided_by=actor, decided_at=timezone.now(), decision_note=note) != 1:
        raise ApplicationError(_("This request was already decided."), code="illegal_transition")
    exc.refresh_from_db()
    _event(exc.tender, EventKind.EXCEPTION, actor,
           note=f"{exc.line.product}: {exc.get_state_display()}" + (f" — {note}" if note else ""))
    _audit(actor, "tender_price_exception_decide", exc.tender, {"state": ["pending", state], "note": [None, note]})
    from pharmcrm.notifications.services import notify

    notify(recipients=[exc.requested_by_id], kind="tender_price_exception_decided", actor=actor,
           link=tender_url(exc.tender), key=f"tender-exc-decided:{exc.pk}",
           params={"number": exc.tender.number, "product": str(exc.line.product), "state": state})
    return exc


# --- the state machine -----------------------------------------------------------------------

def _illegal(tender: Tender, action: str) -> ApplicationError:
    return ApplicationError(_("This cannot be done to a tender that is %(status)s.")
                            % {"status": tender.get_status_display()}, code="illegal_transition")


def allowed_actions(tender: Tender, *, can_write: bool) -> list[str]:
    if not can_write:
        return []
    out = [a for a, moves in TRANSITIONS.items() if tender.status in moves]
    if tender.status in RENEWABLE and not getattr(tender, "has_renewal", False):
        out.append(RENEW)
    return out


def _transition(*, actor: User, tender_id: int, action: str, note="", check=None) -> Tender:
    tender = _for_change(actor, tender_id)
    target = TRANSITIONS[action].get(tender.status)
    if target is None:
        raise _illegal(tender, action)
    if callable(note):  # input checked once the rights and the state are
        note = note()
    if check:
        check(tender)
    now = timezone.now()
    values: dict[str, Any] = {"status": target, "updated_at": now}
    if action in (LOSE, CANCEL) and note:
        values["outcome_note"] = note
    if action in (WIN, LOSE) and tender.result_on is None:
        values["result_on"] = timezone.localdate(now)
    if Tender.objects.filter(pk=tender.pk, status=tender.status).update(**values) != 1:
        raise _illegal(tender, action)
    before = tender.status
    tender.refresh_from_db()
    _event(tender, EventKind.TRANSITION, actor, note=note, from_status=before, to_status=target, at=now)
    _audit(actor, f"tender_{action}", tender,
           {"status": [before, target], **({"note": [None, note]} if note else {})})
    return tender


@transaction.atomic
def tender_register(*, actor: User, tender_id: int, note: str = "") -> Tender:
    """tracking → registered (we signed up for the tender)."""
    return _transition(actor=actor, tender_id=tender_id, action=REGISTER, note=F_.note(note))


@transaction.atomic
def tender_prepare(*, actor: User, tender_id: int, note: str = "") -> Tender:
    """registered → preparing (the bid documents are being prepared)."""
    return _transition(actor=actor, tender_id=tender_id, action=PREPARE, note=F_.note(note))


@transaction.atomic
def tender_submit(*, actor: User, tender_id: int, note: str = "") -> Tender:
    """preparing → submitted: needs at least one line with a bid price, and every bid below the
    floor price approved by a head."""
    note = F_.note(note)

    def check(tender: Tender) -> None:
        lines = list(tender.lines.select_related("product"))
        if not any(ln.bid_price is not None for ln in lines):
            raise ApplicationError(_("Enter our bid price on at least one line before submitting."),
                                   code="no_bid", fields={"lines": [_("No bid price yet.")]})
        blocked = [b for b in below_floor(tender, lines) if not b["approved"]]
        if blocked:
            names = "、".join(str(b["line"].product) for b in blocked)
            raise ApplicationError(_("The bid for %(products)s is below the floor price; a head must approve it "
                                     "before the bid is submitted.") % {"products": names}, code="floor_price",
                                   fields={"lines": [_("Below the floor price without approval.")]})

    return _transition(actor=actor, tender_id=tender_id, action=SUBMIT, note=note, check=check)


@transaction.atomic
def tender_win(*, actor: User, tender_id: int, winning_prices: dict | None = None, won_amount=None,
               note: str = "") -> Tender:
    """submitted → won. ``winning_prices`` {line id: price} sets those lines' winning price and
    marks them won; at least one line must end with a winning price. ``won_amount`` (optional)
    is the tender's won amount for the statistics when lines have no quantities."""
    note = F_.note(note)

    def check(tender: Tender) -> None:
        fields: dict[str, list[str]] = {}
        lines = {ln.pk: ln for ln in tender.lines.all()}
        prices = {}
        for raw_id, raw in (winning_prices or {}).items():
            lid = F_.to_id(raw_id)
            if lid not in lines:
                fields["winning_prices"] = [_("Choose lines of this tender.")]
                continue
            if raw in (None, ""):
                continue
            ok, value = F_.decimal({"p": raw}, "p", fields, places=4, maximum=F_.MAX_PRICE)
            if ok:
                prices[lid] = value
            else:
                fields[f"winning_price_{lid}"] = fields.pop("p")
        amount_ok, amount = F_.decimal({"won_amount": won_amount}, "won_amount", fields, places=2,
                                       maximum=F_.MAX_MONEY, positive=False)
        if not fields and not prices and not any(ln.winning_price is not None for ln in lines.values()):
            fields["winning_prices"] = [_("Enter the winning price of at least one line.")]
        if fields:
            raise F_.invalid(fields)
        for lid, value in prices.items():
            TenderLine.objects.filter(pk=lid).update(winning_price=value, won=True)
        TenderLine.objects.filter(tender=tender, won__isnull=True, winning_price__isnull=False).update(won=True)
        if amount_ok and amount is not None:
            Tender.objects.filter(pk=tender.pk).update(won_amount=amount)

    return _transition(actor=actor, tender_id=tender_id, action=WIN, note=note, check=check)


@transaction.atomic
def tender_lose(*, actor: User, tender_id: int, reason: str) -> Tender:
    """submitted → lost, with the reason (lines not marked won are marked lost)."""
    def check(tender: Tender) -> None:
        TenderLine.objects.filter(tender=tender, won__isnull=True).update(won=False)

    return _transition(actor=actor, tender_id=tender_id, action=LOSE, check=check,
                       note=lambda: F_.note(reason, name="reason", required_msg=_("Say why the tender was lost.")))


@transaction.atomic
def tender_cancel(*, actor: User, tender_id: int, note: str = "") -> Tender:
    """tracking … submitted → cancelled (the procurement was called off or we withdrew)."""
    return _transition(actor=actor, tender_id=tender_id, action=CANCEL, note=F_.note(note))


@transaction.atomic
def tender_execute(*, actor: User, tender_id: int, note: str = "") -> Tender:
    """won → executing (the contract runs)."""
    return _transition(actor=actor, tender_id=tender_id, action=EXECUTE, note=F_.note(note))


@transaction.atomic
def tender_expire(*, actor: User, tender_id: int, note: str = "") -> Tender:
    """executing → expired (the contract period ended)."""
    return _transition(actor=actor, tender_id=tender_id, action=EXPIRE, note=F_.note(note))


@transaction.atomic
def tender_renew(*, actor: User, tender_id: int, note: str = "") -> Tender:
    """A new tender in tracking for the next round of an executing or expired tender: same
    project, type, province, purchasing body, customer, owner and products (quantities and
    ceiling prices); once per tender."""
    note = F_.note(note)
    old = _for_change(actor, tender_id)
    if old.status not in RENEWABLE:
        raise _illegal(old, RENEW)
    if Tender.objects.filter(renewal_of=old).exists():
        raise ApplicationError(_("This tender was already renewed."), code="illegal_transition")
    new = Tender(created_by=actor, status=S.TRACKING, name=old.name, type=old.type, province=old.province,
                 purchasing_body=old.purchasing_body, customer=old.customer, owner=old.owner, renewal_of=old,
                 number=_next_number(timezone.now()), notes=note)
    new.save()
    TenderLine.objects.bulk_create([TenderLine(tender=new, product_id=ln.product_id, quantity=ln.quantity,
                                               ceiling_price=ln.ceiling_price) for ln in old.lines.all()])
    _event(new, EventKind.CREATED, actor, to_status=S.TRACKING, note=_("Renewal of %(n)s") % {"n": old.number})
    _event(old, EventKind.RENEWED, actor, note=_("Renewed as %(n)s") % {"n": new.number})
    _audit(actor, "tender_renew", old, {"renewal": [None, new.number]})
    _audit(actor, "tender_create", new, {"number": [None, new.number], "renewal_of": [None, old.number]})
    return new


ACTION_SERVICES = {REGISTER: tender_register, PREPARE: tender_prepare, SUBMIT: tender_submit,
                   CANCEL: tender_cancel, EXECUTE: tender_execute, EXPIRE: tender_expire}


# --- shares and attachments ------------------------------------------------------------------

@transaction.atomic
def tender_share_add(*, actor: User, tender_id: int, user_id: int | None = None, group_id: int | None = None,
                     access: str = ShareAccess.READ) -> TenderShare:
    """Share a tender without a customer with a user or a share group (a tender tied to a
    customer follows the customer's shares)."""
    tender = _for_change(actor, tender_id)
    if not may_manage(actor, tender):
        raise PermissionDenied(_("Only the owner, the heads above the owner and tender specialists share a tender."))
    if tender.customer_id:
        raise ApplicationError(_("This tender follows its customer's visibility; share the customer instead."),
                               code="invalid")
    if access not in ShareAccess.values:
        raise F_.invalid({"access": [_("Choose read only or read and write.")]})
    user = User.objects.filter(pk=F_.to_id(user_id) or 0, is_active=True).first() if user_id else None
    group = ShareGroup.objects.filter(pk=F_.to_id(group_id) or 0).first() if group_id else None
    if (user is None) == (group is None):
        raise F_.invalid({"user_id": [_("Choose one active user or one share group.")]})
    try:
        with transaction.atomic():
            share = TenderShare.objects.create(tender=tender, user=user, group=group, access=access, created_by=actor)
    except IntegrityError:
        raise ApplicationError(_("The tender is already shared with them."), code="duplicate") from None
    label = _name(user) if user else group.name
    _event(tender, EventKind.SHARE, actor, note=_("Shared with %(who)s") % {"who": label})
    _audit(actor, "tender_share", tender, {"shared_with": [None, label], "access": [None, access]})
    return share


@transaction.atomic
def tender_share_remove(*, actor: User, share_id: int) -> None:
    share = TenderShare.objects.filter(pk=F_.to_id(share_id) or 0).select_related("user", "group").first()
    if share is None:
        raise NotFound(_("Share not found."))
    tender = _for_change(actor, share.tender_id)
    if not may_manage(actor, tender):
        raise PermissionDenied(_("Only the owner, the heads above the owner and tender specialists share a tender."))
    label = _name(share.user) if share.user_id else share.group.name
    share.delete()
    _event(tender, EventKind.SHARE, actor, note=_("No longer shared with %(who)s") % {"who": label})
    _audit(actor, "tender_unshare", tender, {"shared_with": [label, None]})


@transaction.atomic
def tender_attachment_add(*, actor: User, tender_id: int, upload) -> TenderAttachment:
    tender = _for_change(actor, tender_id)
    limit = settings.PHARMCRM["QUALIFICATION_MAX_UPLOAD_BYTES"]
    if upload is None or not getattr(upload, "name", ""):
        raise F_.invalid({"file": [_("Choose a file.")]})
    if upload.size > limit:
        raise F_.invalid({"file": [_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}]})
    name = upload.name.rsplit("/", 1)[-1][:200]
    att = TenderAttachment.objects.create(tender=tender, file=upload, name=name, size=upload.size, uploaded_by=actor)
    _event(tender, EventKind.ATTACHMENT, actor, note=name)
    _audit(actor, "tender_attachment", tender, {"attachment": [None, name]})
    return att
