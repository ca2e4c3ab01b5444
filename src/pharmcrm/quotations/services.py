"""The only writers of quotations (报价记录) and their lines.

Rights: a quotation is written by whoever may WRITE its customer; one the actor cannot see (its
customer invisible) is ``NotFound`` (404); visible but read-only is ``PermissionDenied`` (403).

The state machine (``TRANSITIONS``): draft → sent → accepted / rejected; sent → expired (the
daily step ``quotations_expire``, when every line's validity passed). Only a draft is edited.
Anything else is an ``ApplicationError`` with code ``illegal_transition`` and changes nothing.
Each transition locks the row and is a conditional UPDATE on the status read (a double click
applies once), with an audit record.

Lines: product (active, from the catalogue), quantity > 0 (3 decimals), unit price ≥ 0 (4
decimals; default: the customer's list supply price), valid until (default: the quotation's
``valid_until``; not before the day it is written). Too many decimals is an error, never
rounded. An accepted quotation converts once into a sales-order draft at the quoted prices.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.catalog import pricing
from pharmcrm.catalog.models import PriceKind, ProductStatus
from pharmcrm.contacts.models import Employment
from pharmcrm.core.audit import audit_bulk, audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.opportunities.services import (
    as_id,
    check_unknown,
    customer_for_write,
    invalid,
    order_defaults,
    parse_date,
    products_by_id,
    text,
)
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.quotations.models import Quotation, QuotationLine, QuotationSequence, Status
from pharmcrm.sales.services import line_amount, parse_decimal

NUMBER_PREFIX = "BJ"
MAX_LINES = 100
MAX_QUANTITY = Decimal("99999999999")
MAX_PRICE = Decimal("99999999")
CREATE_FIELDS = ("customer_id", "contact_id", "opportunity_id", "terms", "valid_until", "lines")
EDIT_FIELDS = tuple(f for f in CREATE_FIELDS if f != "customer_id")
LINE_FIELDS = ("product_id", "quantity", "unit_price", "valid_until")

SEND, ACCEPT, REJECT, EXPIRE = "send", "accept", "reject", "expire"
TRANSITIONS: dict[str, dict[str, str]] = {
    SEND: {Status.DRAFT: Status.SENT},
    ACCEPT: {Status.SENT: Status.ACCEPTED},
    REJECT: {Status.SENT: Status.REJECTED},
    EXPIRE: {Status.SENT: Status.EXPIRED},
}


def quotation_url(q: Quotation) -> str:
    return reverse("web:quotation_detail", args=[q.pk])


def allowed_actions(q: Quotation) -> list[str]:
    return [a for a in (SEND, ACCEPT, REJECT) if q.status in TRANSITIONS[a]]


def _illegal(q: Quotation, action: str) -> ApplicationError:
    messages = {
        SEND: _("Only a draft quotation can be sent; this one is %(status)s."),
        ACCEPT: _("Only a sent quotation can be accepted; this one is %(status)s."),
        REJECT: _("Only a sent quotation can be rejected; this one is %(status)s."),
        EXPIRE: _("Only a sent quotation can expire; this one is %(status)s."),
        "edit": _("Only a draft quotation can be changed; this one is %(status)s."),
    }
    return ApplicationError(messages[action] % {"status": q.get_status_display()}, code="illegal_transition")


def _next_number(when: datetime.datetime) -> str:
    """BJ-<local year>-<n:06d>: one UPDATE on the year's counter row locks it until the creating
    transaction ends, so two creators never get the same number."""
    year = timezone.localtime(when).year
    QuotationSequence.objects.get_or_create(year=year)
    QuotationSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = QuotationSequence.objects.filter(year=year).values_list("last", flat=True).get()
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


def _parse_lines(raw_lines, customer, default_until: datetime.date | None, today: datetime.date,
                 fields: dict) -> list[dict]:
    if not isinstance(raw_lines, list) or not raw_lines:
        fields["lines"] = [_("Add at least one line.")]
        return []
    if len(raw_lines) > MAX_LINES:
        fields["lines"] = [_("At most %(n)d lines.") % {"n": MAX_LINES}]
        return []
    products = products_by_id(raw_lines)
    prices = pricing.price_map(product_ids=list(products), kind=PriceKind.SUPPLY, on_date=today, customer=customer)
    out = []
    for i, row in enumerate(raw_lines):
        if not isinstance(row, dict):
            fields[f"lines.{i}"] = [_("Invalid line.")]
            continue
        unknown = sorted(set(row) - set(LINE_FIELDS) - {"id"})
        if unknown:
            fields[f"lines.{i}"] = [_("Unknown fields: %(f)s") % {"f": ", ".join(map(str, unknown))}]
            continue
        product = products.get(as_id(row.get("product_id")) or 0)
        if product is None:
            fields[f"lines.{i}.product_id"] = [_("Choose a product from the catalogue.")]
        elif product.status != ProductStatus.ACTIVE:
            fields[f"lines.{i}.product_id"] = [_("%(p)s is discontinued and cannot be quoted.") % {"p": product}]
            product = None
        qty, err = parse_decimal(row.get("quantity"), places=3, field="quantity", label=_("quantity"),
                                 minimum=Decimal(0), strict_min=True, maximum=MAX_QUANTITY)
        if err:
            fields[f"lines.{i}.quantity"] = [err]
        raw_price = row.get("unit_price")
        price = None
        if raw_price in (None, "") and product is not None and product.pk in prices:
            raw_price = prices[product.pk].price
        if raw_price in (None, "") and product is not None:
            fields[f"lines.{i}.unit_price"] = [_("No list price applies to this customer; enter the unit price.")]
        elif product is not None or raw_price not in (None, ""):
            price, err = parse_decimal(raw_price, places=4, field="unit_price", label=_("unit price"),
                                       minimum=Decimal(0), strict_min=False, maximum=MAX_PRICE)
            if err:
                fields[f"lines.{i}.unit_price"] = [err]
        line_fields: dict = {}
        until = parse_date(row.get("valid_until"), "valid_until", line_fields) if row.get("valid_until") not in (
            None, "") else default_until
        if line_fields:
            fields[f"lines.{i}.valid_until"] = line_fields["valid_until"]
        elif until is None:
            fields[f"lines.{i}.valid_until"] = [_("Enter the date the price is valid until.")]
        elif until < today:
            fields[f"lines.{i}.valid_until"] = [_("The validity must not end before today.")]
            until = None
        if product is not None and qty is not None and price is not None and until is not None:
            amount = line_amount(qty, price)
            if amount >= Decimal("1e12"):
                fields[f"lines.{i}.quantity"] = [_("The line amount is too large.")]
                continue
            out.append({"product": product, "quantity": qty, "unit_price": price, "amount": amount,
                        "valid_until": until})
    return out


def _write_lines(q: Quotation, lines: list[dict]) -> None:
    q.lines.all().delete()
    QuotationLine.objects.bulk_create([
        QuotationLine(quotation=q, position=i + 1, product=ln["product"], quantity=ln["quantity"],
                      unit_price=ln["unit_price"], amount=ln["amount"], valid_until=ln["valid_until"])
        for i, ln in enumerate(lines)])
    q.amount_total = sum((ln["amount"] for ln in lines), Decimal("0.00"))
    q.valid_until = max(ln["valid_until"] for ln in lines)


def _lines_summary(lines) -> list[str]:
    return [f"{ln['product']} × {ln['quantity'].normalize():f} @ {ln['unit_price'].normalize():f} "
            f"≤ {ln['valid_until'].isoformat()}" for ln in lines]


def _apply_header(q: Quotation, data: dict, fields: dict) -> None:
    if "terms" in data:
        value = text(data, "terms", fields, limit=5000)
        if value is not None:
            q.terms = value
    if "contact_id" in data:
        raw = data["contact_id"]
        if raw in (None, ""):
            q.contact = None
        elif as_id(raw) is None or not Employment.objects.filter(
                customer_id=q.customer_id, contact_id=as_id(raw), contact__deleted_at__isnull=True).exists():
            fields["contact_id"] = [_("Choose a contact who works (or worked) at this customer.")]
        else:
            q.contact_id = as_id(raw)
    if "opportunity_id" in data:
        from pharmcrm.opportunities.models import Opportunity

        raw = data["opportunity_id"]
        if raw in (None, ""):
            q.opportunity = None
        elif as_id(raw) is None or not Opportunity.objects.filter(pk=as_id(raw), customer_id=q.customer_id).exists():
            fields["opportunity_id"] = [_("Choose one of this customer's opportunities.")]
        else:
            q.opportunity_id = as_id(raw)


@transaction.atomic
def quotation_create(*, actor: User, data: dict[str, Any], now: datetime.datetime | None = None) -> Quotation:
    """A draft quotation for a customer ``actor`` may write. ``data``: customer_id, contact_id,
    opportunity_id, terms, valid_until (default for the lines), lines [{product_id, quantity,
    unit_price, valid_until}]. One ApplicationError with every field's message; nothing written
    on error. ``now`` is for the demo loader and tests."""
    check_unknown(data, CREATE_FIELDS)
    customer = customer_for_write(actor, data.get("customer_id"), what=_("quotations"))
    when = now or timezone.now()
    today = timezone.localtime(when).date()
    q = Quotation(customer=customer, created_by=actor, status=Status.DRAFT)
    fields: dict[str, list[str]] = {}
    _apply_header(q, data, fields)
    default_until = parse_date(data.get("valid_until"), "valid_until", fields)
    lines = _parse_lines(data.get("lines"), customer, default_until, today, fields)
    if fields:
        raise invalid(fields)
    q.number = _next_number(when)
    q.amount_total = sum((ln["amount"] for ln in lines), Decimal("0.00"))
    q.valid_until = max(ln["valid_until"] for ln in lines)
    q.save()
    if now is not None:
        Quotation.objects.filter(pk=q.pk).update(created_at=when, updated_at=when)
    _write_lines(q, lines)
    audit_record(actor=actor, action="quotation_create", target=q, customer_id=customer.pk,
                 changes={"number": [None, q.number], "amount_total": [None, q.amount_total],
                          "lines": [None, _lines_summary(lines)]})
    return q


def _for_change(actor: User, quotation_id) -> Quotation:
    """The quotation, locked, if ``actor`` sees its customer (NotFound otherwise) and may write
    it (403 otherwise)."""
    qid = as_id(quotation_id)
    visible = visibility.visible_customers(actor).values("id")
    q = (Quotation.objects.select_for_update(of=("self",)).select_related("customer")
         .filter(pk=qid, customer_id__in=visible).first()) if qid else None
    if q is None:
        raise NotFound(_("Quotation not found."))
    if not visibility.can_write(actor, q.customer_id):
        raise PermissionDenied(_("You may view this quotation but not change it; ask the customer's owner to share "
                                 "it with you read-write."))
    return q


@transaction.atomic
def quotation_update(*, actor: User, quotation_id: int, data: dict[str, Any]) -> Quotation:
    """Change a draft: header fields present in ``data``; ``lines`` replaces them as a whole."""
    check_unknown(data, EDIT_FIELDS)
    q = _for_change(actor, quotation_id)
    if q.status != Status.DRAFT:
        raise _illegal(q, "edit")
    before = {"terms": q.terms, "contact": q.contact_id, "opportunity": q.opportunity_id,
              "amount_total": q.amount_total}
    old_lines = [f"{ln.product} × {ln.quantity.normalize():f} @ {ln.unit_price.normalize():f} "
                 f"≤ {ln.valid_until.isoformat()}" for ln in q.lines.select_related("product")]
    fields: dict[str, list[str]] = {}
    _apply_header(q, data, fields)
    default_until = parse_date(data.get("valid_until"), "valid_until", fields)
    lines = (_parse_lines(data["lines"], q.customer, default_until or q.valid_until, timezone.localdate(), fields)
             if "lines" in data else None)
    if fields:
        raise invalid(fields)
    changes: dict[str, Any] = {}
    if lines is not None:
        _write_lines(q, lines)
        if _lines_summary(lines) != old_lines:
            changes["lines"] = [old_lines, _lines_summary(lines)]
    q.save()
    after = {"terms": q.terms, "contact": q.contact_id, "opportunity": q.opportunity_id,
             "amount_total": q.amount_total}
    changes.update({k: [before[k], after[k]] for k in after if before[k] != after[k]})
    if changes:
        audit_record(actor=actor, action="quotation_update", target=q, customer_id=q.customer_id, changes=changes)
    return q


def _move(actor: User, q: Quotation, action: str, *, values: dict | None = None, note: str = "") -> Quotation:
    if q.status not in TRANSITIONS[action]:
        raise _illegal(q, action)
    target = TRANSITIONS[action][q.status]
    now = timezone.now()
    before = q.status
    if Quotation.objects.filter(pk=q.pk, status=before).update(status=target, updated_at=now,
                                                                **(values or {})) != 1:
        raise _illegal(q, action)
    q.refresh_from_db()
    audit_record(actor=actor, action=f"quotation_{action}", target=q, customer_id=q.customer_id,
                 changes={"status": [before, target], **({"note": [None, note]} if note else {})})
    return q


@transaction.atomic
def quotation_send(*, actor: User, quotation_id: int) -> Quotation:
    """draft → sent: its prices enter the price history. Refused when the validity passed."""
    q = _for_change(actor, quotation_id)
    if q.status != Status.DRAFT:
        raise _illegal(q, SEND)
    if q.valid_until < timezone.localdate():
        raise invalid({"valid_until": [_("The validity has passed; change the dates before sending.")]})
    return _move(actor, q, SEND, values={"sent_at": timezone.now()})


@transaction.atomic
def quotation_accept(*, actor: User, quotation_id: int, note: str = "") -> Quotation:
    q = _for_change(actor, quotation_id)
    fields: dict = {}
    note = text({"note": note}, "note", fields, limit=2000) or ""
    if fields:
        raise invalid(fields)
    return _move(actor, q, ACCEPT, values={"decided_at": timezone.now(), "decision_note": note}, note=note)


@transaction.atomic
def quotation_reject(*, actor: User, quotation_id: int, note: str = "") -> Quotation:
    q = _for_change(actor, quotation_id)
    fields: dict = {}
    note = text({"note": note}, "note", fields, limit=2000) or ""
    if fields:
        raise invalid(fields)
    return _move(actor, q, REJECT, values={"decided_at": timezone.now(), "decision_note": note}, note=note)


def quotations_expire(*, today: datetime.date | None = None) -> int:
    """sent → expired for every quotation whose validity ended before ``today`` (local date);
    one conditional UPDATE per batch, audited. Returns how many expired."""
    today = today or timezone.localdate()
    total = 0
    while True:
        with transaction.atomic():
            rows = list(Quotation.objects.select_for_update().filter(status=Status.SENT, valid_until__lt=today)
                        .order_by("id")[:1000])
            if not rows:
                return total
            now = timezone.now()
            ids = [q.pk for q in rows]
            n = Quotation.objects.filter(pk__in=ids, status=Status.SENT).update(
                status=Status.EXPIRED, decided_at=now, updated_at=now)
            audit_bulk(actor=None, action="quotation_expire",
                       targets=[(q, {"status": [Status.SENT, Status.EXPIRED]}, q.customer_id) for q in rows])
            total += n


@transaction.atomic
def quotation_create_order(*, actor: User, quotation_id: int, shipping_address_id: int | None = None,
                           terminal_type: str | None = None) -> Quotation:
    """An accepted quotation → a sales-order draft with its lines at the quoted unit prices
    (``sales.services.order_create``). Once only."""
    from pharmcrm.sales.services import order_create

    q = _for_change(actor, quotation_id)
    if q.status != Status.ACCEPTED:
        raise ApplicationError(_("Only an accepted quotation can become an order draft."), code="illegal_transition")
    if q.order_id:
        raise ApplicationError(_("An order draft was created from this quotation already."),
                               code="illegal_transition")
    data = order_defaults(q.customer, shipping_address_id, terminal_type)
    data["lines"] = [{"product_id": ln.product_id, "quantity": str(ln.quantity), "unit_price": str(ln.unit_price)}
                     for ln in q.lines.all().order_by("position", "id")]
    data["notes"] = _("From quotation %(n)s") % {"n": q.number}
    order = order_create(actor=actor, data=data)
    if Quotation.objects.filter(pk=q.pk, order__isnull=True).update(order=order, updated_at=timezone.now()) != 1:
        raise ApplicationError(_("An order draft was created from this quotation already."),
                               code="illegal_transition")
    q.refresh_from_db()
    audit_record(actor=actor, action="quotation_order", target=q, customer_id=q.customer_id,
                 changes={"order": [None, order.number]})
    return q


@transaction.atomic
def quotation_link_followup(*, actor: User, quotation_id: int, followup_id: int | None) -> Quotation:
    """Link the quotation to the follow-up where the price was given (one of the same
    customer's), or unlink it (``None``)."""
    from pharmcrm.activities.models import FollowUp

    q = _for_change(actor, quotation_id)
    before = q.followup_id
    if followup_id in (None, ""):
        q.followup = None
    else:
        fid = as_id(followup_id)
        if fid is None or not FollowUp.objects.filter(pk=fid, customer_id=q.customer_id).exists():
            raise invalid({"followup_id": [_("Choose a follow-up of this quotation's customer.")]})
        q.followup_id = fid
    if before != q.followup_id:
        q.save(update_fields=["followup", "updated_at"])
        audit_record(actor=actor, action="quotation_link", target=q, customer_id=q.customer_id,
                     changes={"followup": [before, q.followup_id]})
    return q
