"""The only writers of sales orders, their lines, price exceptions and customer terms.

Rights: ``sales.rules`` (who may apply which action in which state). An order the actor cannot
see (``sales.selectors.visible_orders``) is ``NotFound`` (404); one they see but may not act on
is ``PermissionDenied`` (403); an action not legal from the order's state is an
``ApplicationError`` with code ``illegal_transition``.

Every transition runs in one transaction: the order row is locked (``select_for_update``), its
state is checked after the lock, and the state change is a conditional UPDATE on the state read,
so concurrent clicks never apply twice. An ``OrderEvent`` (the order's timeline) and an audit
record are written with it; notifications go out after the commit.

Money: prices include VAT (含税价, as Chinese price lists do). A line's amount is quantity ×
unit price rounded half-up to the cent; its tax is the VAT contained in that amount
(amount − amount / (1 + rate)), rounded half-up to the cent; the order stores both totals.

Events for other areas (the invoicing ledger registers here; this module imports nothing of
theirs). Listeners are called INSIDE the order's transaction, after the state change, so that
what they write commits or rolls back with the order; they must not do I/O (mail, HTTP) —
schedule that with ``transaction.on_commit`` themselves. An exception in a listener aborts the
transition.
  approved_listeners:  fn(actor, order)                   finance approved the order
  cancelled_listeners: fn(actor, order, previous_status)  the order was cancelled
  outbound_listeners:  fn(actor, order)                   warehouse issued the outbound
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.catalog import pricing
from pharmcrm.catalog.models import PriceKind, Product, ProductStatus
from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers.profile_models import ShippingAddress
from pharmcrm.org import visibility
from pharmcrm.org.models import DepartmentClosure, Role, User
from pharmcrm.qualifications import uploads
from pharmcrm.sales import rules
from pharmcrm.sales.models import (
    CustomerTerms,
    EventKind,
    OrderAttachment,
    OrderEvent,
    OrderLineAllocation,
    OrderSequence,
    PriceException,
    SalesOrder,
    SalesOrderLine,
    Status,
    TerminalType,
)

approved_listeners: list[Callable[..., Any]] = []
cancelled_listeners: list[Callable[..., Any]] = []
outbound_listeners: list[Callable[..., Any]] = []

NUMBER_PREFIX = "XS"
CENT = Decimal("0.01")
ZERO = Decimal("0")
MAX_LINES = 200
MAX_QUANTITY = Decimal("99999999999")  # 14 digits, 3 decimals
MAX_PRICE = Decimal("99999999")  # 12 digits, 4 decimals
DEFAULT_PRICE_KIND = PriceKind.SUPPLY
ORDER_FIELDS = ("customer_id", "shipping_address_id", "terminal_type", "notes", "lines")
LINE_FIELDS = ("product_id", "quantity", "unit_price", "tax_rate")


# --- small helpers ---------------------------------------------------------------------------

def _invalid(fields: dict[str, list[str]]) -> ApplicationError:
    first = next(iter(fields.values()))[0]
    return ApplicationError(first, code="invalid", fields=fields)


def _id(value) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value >= 2**63:
        return None
    return value


def _text(value, *, limit: int, field: str, required_msg: str | None = None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value:
        raise _invalid({field: [_("Enter text.")]})
    value = value.strip()
    if len(value) > limit:
        raise _invalid({field: [_("At most %(n)d characters.") % {"n": limit}]})
    if not value and required_msg:
        raise _invalid({field: [required_msg]})
    return value


def parse_decimal(value, *, places: int, field: str, label: str, minimum: Decimal, strict_min: bool,
                  maximum: Decimal) -> tuple[Decimal | None, str | None]:
    """(value, None) or (None, a translated message). Never rounds: too many decimals is an error."""
    if isinstance(value, bool) or value is None or value == "":
        return None, _("Enter the %(label)s.") % {"label": label}
    try:
        d = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return None, _("The %(label)s must be a number.") % {"label": label}
    if not d.is_finite():
        return None, _("The %(label)s must be a number.") % {"label": label}
    if d.as_tuple().exponent < -places and d.normalize().as_tuple().exponent < -places:
        return None, _("The %(label)s may have at most %(n)d decimal places.") % {"label": label, "n": places}
    if (strict_min and d <= minimum) or (not strict_min and d < minimum):
        msg = (_("The %(label)s must be greater than zero.") if strict_min
               else _("The %(label)s must not be negative."))
        return None, msg % {"label": label}
    if d > maximum:
        return None, _("The %(label)s is too large.") % {"label": label}
    return d.quantize(Decimal(1).scaleb(-places)), None


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def line_tax(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT contained in a tax-inclusive amount."""
    return (amount - amount / (1 + rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP)


def _next_number(when: datetime.datetime) -> str:
    """XS-<local year>-<n:06d>: the year's counter row is incremented by one conditional UPDATE,
    which locks it until the creating transaction ends, so two creators never share a number."""
    year = timezone.localtime(when).year
    OrderSequence.objects.get_or_create(year=year)
    OrderSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = OrderSequence.objects.filter(year=year).values_list("last", flat=True).get()
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


def order_url(order: SalesOrder) -> str:
    return reverse("web:order_detail", args=[order.pk])


def _name(user) -> str:
    return (user.full_name or user.username) if user else ""


def _event(order: SalesOrder, kind: str, actor: User | None, *, note: str = "", from_status: str = "",
           to_status: str = "", at: datetime.datetime | None = None) -> OrderEvent:
    return OrderEvent.objects.create(order=order, kind=kind, actor=actor, note=note, from_status=from_status,
                                     to_status=to_status, at=at or timezone.now())


def _call(listeners: list[Callable[..., Any]], *args) -> None:
    for listener in list(listeners):
        listener(*args)


def users_with_role(role: str) -> list[int]:
    return list(User.objects.filter(is_active=True, roles__role=role).values_list("pk", flat=True).distinct())


def heads_above(department_id: int | None) -> list[int]:
    """Active heads of ``department_id`` and every department above it."""
    if department_id is None:
        return []
    ancestors = DepartmentClosure.objects.filter(descendant_id=department_id).values("ancestor_id")
    return list(User.objects.filter(is_active=True, head_links__department_id__in=ancestors)
                .values_list("pk", flat=True).distinct())


def _notify(kind: str, recipients, actor: User, order: SalesOrder, key: str, **params) -> None:
    from pharmcrm.notifications.services import notify

    notify(recipients=recipients, kind=kind, actor=actor, link=order_url(order), key=key,
           params={"number": order.number, "customer": order.customer.name,
                   "amount": str(order.amount_total), **params})


# --- terms -----------------------------------------------------------------------------------

def terms_of(customer_id: int) -> CustomerTerms:
    """The customer's terms (an unsaved default row when none was stored yet)."""
    return CustomerTerms.objects.filter(customer_id=customer_id).first() or CustomerTerms(customer_id=customer_id)


def can_edit_terms(user: User) -> bool:
    return user.is_active and (user.is_admin or user.has_role(Role.FINANCE))


@transaction.atomic
def terms_update(*, actor: User, customer_id: int, data: dict[str, Any]) -> CustomerTerms:
    """Finance and administrators set a customer's credit limit (empty: no limit), overdue days
    and minimum remaining shelf life. The customer must be visible to them, directly or through one
    of its orders (finance reviews orders of customers it does not otherwise see); else NotFound."""
    from pharmcrm.customers.models import Customer
    from pharmcrm.sales.selectors import visible_orders

    cid = _id(customer_id)
    customer = Customer.objects.filter(pk=cid, deleted_at__isnull=True).first() if cid else None
    if customer is None or not (visibility.can_see(actor, customer.pk)
                                or visible_orders(actor).filter(customer_id=customer.pk).exists()):
        raise NotFound(_("Customer not found."))
    if not can_edit_terms(actor):
        raise PermissionDenied(_("Only finance sets a customer's credit terms."))
    unknown = sorted(set(data) - {"credit_limit", "overdue_days_limit", "min_shelf_life_days"})
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    terms = CustomerTerms.objects.select_for_update().filter(customer=customer).first() or CustomerTerms(
        customer=customer)
    before = {"credit_limit": terms.credit_limit, "overdue_days_limit": terms.overdue_days_limit,
              "min_shelf_life_days": terms.min_shelf_life_days}
    fields: dict[str, list[str]] = {}
    if "credit_limit" in data:
        raw = data["credit_limit"]
        if raw in (None, ""):
            terms.credit_limit = None
        else:
            value, err = parse_decimal(raw, places=2, field="credit_limit", label=_("credit limit"),
                                       minimum=Decimal(0), strict_min=False, maximum=Decimal("999999999999"))
            if err:
                fields["credit_limit"] = [err]
            else:
                terms.credit_limit = value
    for name, top in (("overdue_days_limit", 3650), ("min_shelf_life_days", 3650)):
        if name in data:
            raw = data[name]
            try:
                value = int(str(raw).strip())
            except (TypeError, ValueError):
                value = None
            if isinstance(raw, bool) or value is None or not 0 <= value <= top or (
                    isinstance(raw, Decimal | float) and raw != value):
                fields[name] = [_("Enter a whole number of days from 0 to %(n)d.") % {"n": top}]
            else:
                setattr(terms, name, value)
    if fields:
        raise _invalid(fields)
    terms.updated_by = actor
    terms.save()
    after = {"credit_limit": terms.credit_limit, "overdue_days_limit": terms.overdue_days_limit,
             "min_shelf_life_days": terms.min_shelf_life_days}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit_record(actor=actor, action="sales_terms_update", target=customer, customer_id=customer.pk,
                     changes=changes, label=str(customer))
    return terms


# --- lines -----------------------------------------------------------------------------------

def _parse_lines(raw_lines, customer, fields: dict) -> list[dict]:
    """Check every line; collect messages as ``lines.<i>.<field>``."""
    if not isinstance(raw_lines, list) or not raw_lines:
        fields["lines"] = [_("Add at least one line.")]
        return []
    if len(raw_lines) > MAX_LINES:
        fields["lines"] = [_("At most %(n)d lines per order.") % {"n": MAX_LINES}]
        return []
    ids = [_id(r.get("product_id")) for r in raw_lines if isinstance(r, dict)]
    products = {p.pk: p for p in Product.objects.filter(pk__in=[i for i in ids if i])}
    today = timezone.localdate()
    prices = pricing.price_map(product_ids=list(products), kind=DEFAULT_PRICE_KIND, on_date=today,
                               customer=customer)
    out = []
    for i, row in enumerate(raw_lines):
        if not isinstance(row, dict):
            fields[f"lines.{i}"] = [_("Invalid line.")]
            continue
        unknown = sorted(set(row) - set(LINE_FIELDS) - {"id"})
        if unknown:
            fields[f"lines.{i}"] = [_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}]
            continue
        pid = _id(row.get("product_id"))
        product = products.get(pid) if pid else None
        if product is None:
            fields[f"lines.{i}.product_id"] = [_("Choose a product from the catalogue.")]
        elif product.status != ProductStatus.ACTIVE:
            fields[f"lines.{i}.product_id"] = [_("%(p)s is discontinued and cannot be ordered.") % {"p": product}]
            product = None
        qty, err = parse_decimal(row.get("quantity"), places=3, field="quantity", label=_("quantity"),
                                 minimum=Decimal(0), strict_min=True, maximum=MAX_QUANTITY)
        if err:
            fields[f"lines.{i}.quantity"] = [err]
        raw_price = row.get("unit_price")
        if raw_price in (None, "") and product is not None and product.pk in prices:
            raw_price = prices[product.pk].price
        if raw_price in (None, "") and product is not None:
            fields[f"lines.{i}.unit_price"] = [_("No list price applies to this customer; enter the unit price.")]
            price = None
        else:
            price, err = parse_decimal(raw_price, places=4, field="unit_price", label=_("unit price"),
                                       minimum=Decimal(0), strict_min=False, maximum=MAX_PRICE)
            if err:
                fields[f"lines.{i}.unit_price"] = [err]
        rate = product.tax_rate if product is not None else None
        if row.get("tax_rate") not in (None, ""):
            rate, err = parse_decimal(row.get("tax_rate"), places=2, field="tax_rate", label=_("tax rate"),
                                      minimum=Decimal(0), strict_min=False, maximum=Decimal(100))
            if err:
                fields[f"lines.{i}.tax_rate"] = [err]
        if product is not None and qty is not None and price is not None and rate is not None:
            amount = line_amount(qty, price)
            if amount >= Decimal("1e12"):
                fields[f"lines.{i}.quantity"] = [_("The line amount is too large.")]
                continue
            out.append({"product": product, "quantity": qty, "unit_price": price, "tax_rate": rate,
                        "amount": amount, "tax": line_tax(amount, rate)})
    return out


def _write_lines(order: SalesOrder, lines: list[dict]) -> None:
    order.lines.all().delete()
    SalesOrderLine.objects.bulk_create([
        SalesOrderLine(order=order, position=i + 1, product=ln["product"], quantity=ln["quantity"],
                       unit_price=ln["unit_price"], amount=ln["amount"], tax_rate=ln["tax_rate"], tax=ln["tax"])
        for i, ln in enumerate(lines)])
    order.amount_total = sum((ln["amount"] for ln in lines), Decimal("0.00"))
    order.tax_total = sum((ln["tax"] for ln in lines), Decimal("0.00"))


def _lines_summary(lines) -> list[str]:
    return [f"{ln['product']} × {ln['quantity'].normalize():f} @ {ln['unit_price'].normalize():f}" for ln in lines]


def _apply_header(order: SalesOrder, data: dict, fields: dict, *, creating: bool) -> None:
    if "shipping_address_id" in data or creating:
        aid = _id(data.get("shipping_address_id"))
        address = ShippingAddress.objects.filter(pk=aid, customer_id=order.customer_id, is_active=True).first() \
            if aid else None
        if address is None:
            fields["shipping_address_id"] = [_("Choose one of this customer's active shipping addresses.")]
        else:
            order.shipping_address = address
    if "terminal_type" in data or creating:
        if data.get("terminal_type") not in TerminalType.values:
            fields["terminal_type"] = [_("Choose the terminal type: public hospital, private hospital, pharmacy "
                                         "or agent.")]
        else:
            order.terminal_type = data["terminal_type"]
    if "notes" in data:
        try:
            order.notes = _text(data["notes"], limit=2000, field="notes")
        except ApplicationError as e:
            fields.update(e.fields)


def _check_unknown(data: dict, allowed) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})


# --- create and edit -------------------------------------------------------------------------

@transaction.atomic
def order_create(*, actor: User, data: dict[str, Any], now: datetime.datetime | None = None) -> SalesOrder:
    """A draft order for a customer ``actor`` may write (sales admins: any customer they see).
    ``data``: customer_id, shipping_address_id, terminal_type, notes, lines [{product_id,
    quantity, unit_price (default: the price list's supply price for the customer), tax_rate
    (default: the product's)}]. One ApplicationError with every field's message; nothing is
    written on error. ``now`` is for the demo loader and tests."""
    from pharmcrm.customers.models import Customer

    _check_unknown(data, ORDER_FIELDS)
    cid = _id(data.get("customer_id"))
    if cid is None:
        raise _invalid({"customer_id": [_("Choose a customer.")]})
    customer = Customer.objects.filter(pk=cid, deleted_at__isnull=True).first()
    if customer is None or not visibility.can_see(actor, cid):
        raise NotFound(_("Customer not found."))
    can_write = visibility.can_write(actor, cid)
    if rules.SELLER not in rules.capacities(actor, can_write_customer=can_write):
        raise PermissionDenied(_("You may view this customer but not create orders for it; ask its owner to share "
                                 "it with you read-write."))
    when = now or timezone.now()
    order = SalesOrder(customer=customer, created_by=actor, status=Status.DRAFT)
    fields: dict[str, list[str]] = {}
    _apply_header(order, data, fields, creating=True)
    lines = _parse_lines(data.get("lines"), customer, fields)
    if fields:
        raise _invalid(fields)
    order.number = _next_number(when)
    order.save()
    if now is not None:
        SalesOrder.objects.filter(pk=order.pk).update(created_at=when, updated_at=when)
    _write_lines(order, lines)
    order.save(update_fields=["amount_total", "tax_total"])
    _event(order, EventKind.CREATED, actor, to_status=Status.DRAFT, at=when)
    audit_record(actor=actor, action="order_create", target=order, customer_id=customer.pk,
                 changes={"number": [None, order.number], "amount_total": [None, order.amount_total],
                          "lines": [None, _lines_summary(lines)]})
    return order


def _order_for_change(actor: User, order_id) -> SalesOrder:
    """The order, locked, if ``actor`` can see it; else NotFound."""
    from pharmcrm.sales.selectors import visible_orders

    oid = _id(order_id)
    if oid is None:
        raise NotFound(_("Order not found."))
    visible = visible_orders(actor).filter(pk=oid).values("pk")
    order = (SalesOrder.objects.select_for_update(of=("self",)).select_related("customer", "created_by")
             .filter(pk__in=visible).first())
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def capacities_for(actor: User, order: SalesOrder) -> set[str]:
    return rules.capacities(actor, can_write_customer=visibility.can_write(actor, order.customer_id))


def _illegal(order: SalesOrder, action: str) -> ApplicationError:
    messages = {
        rules.EDIT: _("Only a draft order can be changed; this one is %(status)s."),
        rules.SUBMIT: _("Only a draft order can be submitted; this one is %(status)s."),
        rules.APPROVE: _("Only an order awaiting review can be approved; this one is %(status)s."),
        rules.REJECT: _("Only an order awaiting review can be rejected; this one is %(status)s."),
        rules.OUTBOUND: _("Only an approved order can be issued from the warehouse; this one is %(status)s."),
        rules.SHIP: _("Only an order issued from the warehouse can be shipped; this one is %(status)s."),
        rules.RECEIVE: _("Only a shipped order can be marked received; this one is %(status)s."),
        rules.CANCEL: _("An order can be cancelled only before outbound; this one is %(status)s."),
    }
    return ApplicationError(messages[action] % {"status": order.get_status_display()}, code="illegal_transition")


def _check(actor: User, order: SalesOrder, action: str) -> None:
    """Illegal from this state → illegal_transition; legal but not for this actor → 403."""
    if not rules.who_may(action, order.status):
        raise _illegal(order, action)
    if not rules.allowed(action, order.status, capacities_for(actor, order)):
        raise PermissionDenied(_("You may not do this with this order."))


@transaction.atomic
def order_update(*, actor: User, order_id: int, data: dict[str, Any]) -> SalesOrder:
    """Change a draft's address, terminal type, notes and/or lines (the lines are replaced as a
    whole when ``lines`` is given; price exceptions of replaced lines lapse)."""
    _check_unknown(data, [f for f in ORDER_FIELDS if f != "customer_id"])
    order = _order_for_change(actor, order_id)
    _check(actor, order, rules.EDIT)
    before = {"shipping_address": str(order.shipping_address), "terminal_type": order.terminal_type,
              "notes": order.notes, "amount_total": order.amount_total}
    fields: dict[str, list[str]] = {}
    _apply_header(order, data, fields, creating=False)
    lines = _parse_lines(data["lines"], order.customer, fields) if "lines" in data else None
    if fields:
        raise _invalid(fields)
    changes: dict[str, Any] = {}
    if lines is not None:
        old = [f"{ln.product} × {ln.quantity.normalize():f} @ {ln.unit_price.normalize():f}"
               for ln in order.lines.select_related("product")]
        new = _lines_summary(lines)
        if old != new:
            changes["lines"] = [old, new]
        _write_lines(order, lines)
    order.save()
    after = {"shipping_address": str(order.shipping_address), "terminal_type": order.terminal_type,
             "notes": order.notes, "amount_total": order.amount_total}
    changes.update({k: [before[k], after[k]] for k in after if before[k] != after[k]})
    if changes:
        _event(order, EventKind.EDITED, actor)
        audit_record(actor=actor, action="order_update", target=order, customer_id=order.customer_id,
                     changes=changes)
    return order


# --- transitions -----------------------------------------------------------------------------

def _move(order: SalesOrder, action: str, actor: User, *, values: dict | None = None, note: str = "",
          kind: str, audit: dict | None = None) -> SalesOrder:
    target = rules.TRANSITIONS[action][order.status]
    now = timezone.now()
    before = order.status
    # conditional on the state read under the lock: a racing request finds nothing to change
    if SalesOrder.objects.filter(pk=order.pk, status=before).update(status=target, updated_at=now,
                                                                      **(values or {})) != 1:
        raise _illegal(order, action)
    order.refresh_from_db()
    _event(order, kind, actor, note=note, from_status=before, to_status=target, at=now)
    audit_record(actor=actor, action=f"order_{action}", target=order, customer_id=order.customer_id,
                 changes={"status": [before, target], **(audit or {})})
    return order


@transaction.atomic
def order_submit(*, actor: User, order_id: int) -> SalesOrder:
    """draft → submitted; snapshots each line's floor price for the review."""
    order = _order_for_change(actor, order_id)
    _check(actor, order, rules.SUBMIT)
    lines = list(order.lines.all())
    if not lines:
        raise ApplicationError(_("Add at least one line before submitting."), code="invalid",
                               fields={"lines": [_("Add at least one line.")]})
    floors = pricing.price_map(product_ids=[ln.product_id for ln in lines], kind=PriceKind.FLOOR,
                               on_date=timezone.localdate(), customer=order.customer)
    for ln in lines:
        floor = floors.get(ln.product_id)
        ln.floor_price = floor.price if floor else None
    SalesOrderLine.objects.bulk_update(lines, ["floor_price"])
    order = _move(order, rules.SUBMIT, actor, values={"submitted_at": timezone.now(), "reject_reason": ""},
                  kind=EventKind.SUBMITTED)
    _notify("order_submitted", users_with_role(Role.FINANCE), actor, order, f"order-submitted:{order.pk}:"
            f"{order.events.count()}")
    return order


@transaction.atomic
def order_approve(*, actor: User, order_id: int, override_reason: str = "") -> SalesOrder:
    """submitted → approved (finance). Runs the review (``sales.review``): refused while a hard
    check fails; failed soft checks need ``override_reason``, which is recorded."""
    from pharmcrm.sales import review

    order = _order_for_change(actor, order_id)
    _check(actor, order, rules.APPROVE)
    reason = _text(override_reason, limit=2000, field="override_reason")
    checks = review.run_checks(order)
    hard = [c for c in checks if not c.passed and c.hard]
    if hard:
        raise ApplicationError(_("The order cannot be approved: %(checks)s") % {
            "checks": "; ".join(c.message for c in hard)}, code="review_failed")
    soft = [c for c in checks if not c.passed]
    if soft and not reason:
        msg = _("Some checks failed (%(checks)s); give a reason to approve anyway.") % {
            "checks": "; ".join(c.message for c in soft)}
        raise ApplicationError(msg, code="override_required", fields={"override_reason": [msg]})
    order = _move(order, rules.APPROVE, actor, kind=EventKind.APPROVED, note=reason if soft else "",
                  values={"approved_at": timezone.now(), "approved_by": actor,
                          "override_reason": reason if soft else ""},
                  audit={"override_reason": [None, reason]} if soft else None)
    _call(approved_listeners, actor, order)
    _notify("order_approved", users_with_role(Role.WAREHOUSE), actor, order, f"order-approved:{order.pk}")
    return order


@transaction.atomic
def order_reject(*, actor: User, order_id: int, reason: str) -> SalesOrder:
    """submitted → draft (finance), with a required reason; the creator is told."""
    order = _order_for_change(actor, order_id)
    _check(actor, order, rules.REJECT)
    reason = _text(reason, limit=2000, field="reason", required_msg=_("Say why the order is rejected."))
    order = _move(order, rules.REJECT, actor, kind=EventKind.REJECTED, note=reason,
                  values={"reject_reason": reason, "submitted_at": None}, audit={"reject_reason": [None, reason]})
    _notify("order_rejected", [order.created_by_id], actor, order,
            f"order-rejected:{order.pk}:{order.events.count()}", reason=reason[:200])
    return order


@transaction.atomic
def order_cancel(*, actor: User, order_id: int, reason: str) -> SalesOrder:
    """Cancel before outbound: the seller in draft/submitted, finance once approved. Calls
    ``cancelled_listeners`` inside the transaction."""
    order = _order_for_change(actor, order_id)
    _check(actor, order, rules.CANCEL)
    reason = _text(reason, limit=2000, field="reason", required_msg=_("Say why the order is cancelled."))
    previous = order.status
    order = _move(order, rules.CANCEL, actor, kind=EventKind.CANCELLED, note=reason,
                  values={"cancelled_at": timezone.now(), "cancelled_by": actor, "cancel_reason": reason},
                  audit={"cancel_reason": [None, reason]})
    PriceException.objects.filter(order=order, state=PriceException.State.PENDING).update(
        state=PriceException.State.REFUSED, decision_note=_("The order was cancelled."), decided_at=timezone.now())
    _call(cancelled_listeners, actor, order, previous)
    if order.paid_total > 0:  # paid in advance: the money goes back to the customer's credit
        from pharmcrm.sales.returns import excess_payment_handlers

        for fn in list(excess_payment_handlers):
            fn(actor, order, ZERO)
        order.refresh_from_db()
        if order.paid_total > 0:
            raise ApplicationError(_("Release the payments of this order first."), code="paid")
    if previous == Status.APPROVED:
        _notify("order_cancelled", [order.created_by_id, *users_with_role(Role.WAREHOUSE)], actor, order,
                f"order-cancelled:{order.pk}", reason=reason[:200])
    return order


def min_expiry_for(order: SalesOrder) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=terms_of(order.customer_id).min_shelf_life_days)


@transaction.atomic
def order_outbound(*, actor: User, order_id: int, chosen: dict[int, list[tuple[int, Decimal]]] | None = None,
                   note: str = "") -> SalesOrder:
    """approved → outbound issued (warehouse). Allocates stock per line through
    ``inventory.services.allocate`` (FEFO, never expired, never below the customer's minimum
    remaining shelf life, never more than on hand) in this transaction; ``chosen`` {line id:
    [(batch id, quantity)]} overrides the batches of a line within the same rules."""
    from pharmcrm.inventory.services import allocate

    order = _order_for_change(actor, order_id)
    _check(actor, order, rules.OUTBOUND)
    note = _text(note, limit=2000, field="note")
    chosen = chosen or {}
    lines = list(order.lines.select_related("product"))
    unknown = set(chosen) - {ln.pk for ln in lines}
    if unknown:
        raise _invalid({"chosen": [_("Batches were chosen for lines that are not on this order.")]})
    min_expiry = min_expiry_for(order)
    rows = []
    for ln in lines:
        try:
            allocs = allocate(actor=actor, product_id=ln.product_id, quantity=ln.quantity,
                              ref_type="sales.order_line", ref_id=ln.pk, min_expiry=min_expiry,
                              chosen=chosen.get(ln.pk))
        except ApplicationError as e:
            raise ApplicationError(_("Line %(n)d (%(product)s): %(msg)s") % {
                "n": ln.position, "product": ln.product, "msg": e.message}, code=e.code,
                fields={f"lines.{ln.position - 1}": [e.message]}) from e
        for a in allocs:
            rows.append(OrderLineAllocation(line=ln, batch=a.batch, batch_no=a.batch.batch_no,
                                            production_date=a.batch.production_date,
                                            expiry_date=a.batch.expiry_date, quantity=a.quantity))
    OrderLineAllocation.objects.bulk_create(rows)
    order = _move(order, rules.OUTBOUND, actor, kind=EventKind.OUTBOUND, note=note,
                  values={"outbound_at": timezone.now(), "outbound_by": actor},
                  audit={"batches": [None, [f"{r.batch_no} × {r.quantity.normalize():f}" for r in rows]]})
    _call(outbound_listeners, actor, order)
    return order


def _day(value, field: str, *, label: str, default: datetime.date) -> datetime.date:
    if value in (None, ""):
        return default
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise _invalid({field: [_("Enter the %(label)s as YYYY-MM-DD.") % {"label": label}]}) from None
    if day > timezone.localdate():
        raise _invalid({field: [_("The %(label)s cannot be in the future.") % {"label": label}]})
    return day


@transaction.atomic
def order_ship(*, actor: User, order_id: int, carrier: str, tracking_no: str,
               shipped_on: datetime.date | str | None = None) -> SalesOrder:
    """outbound issued → shipped (warehouse): carrier, tracking number, date (default today)."""
    order = _order_for_change(actor, order_id)
    _check(actor, order, rules.SHIP)
    fields: dict[str, list[str]] = {}
    values = {}
    for name, val, msg in (("carrier", carrier, _("Enter the carrier.")),
                           ("tracking_no", tracking_no, _("Enter the tracking number."))):
        try:
            values[name] = _text(val, limit=100, field=name, required_msg=msg)
        except ApplicationError as e:
            fields.update(e.fields)
    if fields:
        raise _invalid(fields)
    day = _day(shipped_on, "shipped_on", label=_("shipping date"), default=timezone.localdate())
    if order.outbound_at and day < timezone.localtime(order.outbound_at).date():
        raise _invalid({"shipped_on": [_("The goods cannot ship before the outbound was issued.")]})
    order = _move(order, rules.SHIP, actor, kind=EventKind.SHIPPED,
                  note=f"{values['carrier']} {values['tracking_no']}", values={**values, "shipped_on": day},
                  audit={"carrier": [None, values["carrier"]], "tracking_no": [None, values["tracking_no"]],
                         "shipped_on": [None, day]})
    _notify("order_shipped", [order.created_by_id], actor, order, f"order-shipped:{order.pk}",
            carrier=values["carrier"], tracking_no=values["tracking_no"])
    return _settle(actor, order)


def _settle(actor: User, order: SalesOrder) -> SalesOrder:
    """Paid and invoiced before it shipped (prepayment, pre-invoice): it closes at once."""
    from pharmcrm.sales.closing import order_settle_sync

    if order_settle_sync(actor=actor, order_id=order.pk) != order.status:
        order.refresh_from_db()
    return order


@transaction.atomic
def order_receive(*, actor: User, order_id: int, received_on: datetime.date | str | None = None,
                  note: str = "") -> SalesOrder:
    """shipped → received (the seller or warehouse), with the day the customer received it."""
    order = _order_for_change(actor, order_id)
    _check(actor, order, rules.RECEIVE)
    note = _text(note, limit=2000, field="note")
    day = _day(received_on, "received_on", label=_("receiving date"), default=timezone.localdate())
    if order.shipped_on and day < order.shipped_on:
        raise _invalid({"received_on": [_("The goods cannot arrive before they were shipped.")]})
    order = _move(order, rules.RECEIVE, actor, kind=EventKind.RECEIVED, note=note, values={"received_on": day},
                  audit={"received_on": [None, day]})
    return _settle(actor, order)


# --- price exceptions ------------------------------------------------------------------------

def may_decide_exception(user: User, order: SalesOrder) -> bool:
    """A head of the customer's owner department or of any department above it; administrators."""
    if not user.is_active:
        return False
    if user.is_admin:
        return True
    dept = order.customer.owner_department_id
    return dept is not None and dept in set(visibility.subtree_department_list(user))


@transaction.atomic
def price_exception_request(*, actor: User, order_id: int, line_id: int, reason: str) -> PriceException:
    """The seller asks to sell a line below the floor price (draft or submitted orders); the
    heads above the customer's owner are told."""
    order = _order_for_change(actor, order_id)
    if order.status not in (Status.DRAFT, Status.SUBMITTED):
        raise ApplicationError(_("Price exceptions are asked for before the order is approved."),
                               code="illegal_transition")
    if rules.SELLER not in capacities_for(actor, order):
        raise PermissionDenied(_("You may not do this with this order."))
    line = order.lines.select_related("product").filter(pk=_id(line_id) or 0).first()
    if line is None:
        raise _invalid({"line_id": [_("Choose a line of this order.")]})
    reason = _text(reason, limit=2000, field="reason", required_msg=_("Say why this price is needed."))
    if PriceException.objects.filter(line=line, state=PriceException.State.PENDING).exists():
        raise ApplicationError(_("A price exception for this line is already waiting for a decision."),
                               code="duplicate", fields={"line_id": [_("Already requested.")]})
    exc = PriceException.objects.create(line=line, order=order, unit_price=line.unit_price, reason=reason,
                                        requested_by=actor)
    _event(order, EventKind.EXCEPTION_ASKED, actor,
           note=f"{line.product} @ {line.unit_price.normalize():f}: {reason}")
    audit_record(actor=actor, action="order_price_exception", target=order, customer_id=order.customer_id,
                 changes={"line": [None, str(line.product)], "unit_price": [None, line.unit_price],
                          "reason": [None, reason]})
    _notify("order_price_exception", heads_above(order.customer.owner_department_id), actor, order,
            f"order-exc:{exc.pk}", product=str(line.product), price=f"{line.unit_price.normalize():f}")
    return exc


@transaction.atomic
def price_exception_decide(*, actor: User, exception_id: int, approve: bool, note: str = "") -> PriceException:
    """A head above the customer's owner (or an administrator) approves or refuses a pending
    exception; the requester is told."""
    from pharmcrm.sales.selectors import visible_orders

    eid = _id(exception_id)
    exc = (PriceException.objects.select_for_update(of=("self",)).select_related("order__customer", "line__product")
           .filter(pk=eid or 0, order__in=visible_orders(actor).values("pk")).first())
    if exc is None:
        raise NotFound(_("Price exception not found."))
    if not may_decide_exception(actor, exc.order):
        raise PermissionDenied(_("Only a head above the customer's owner decides price exceptions."))
    note = _text(note, limit=2000, field="note")
    if exc.state != PriceException.State.PENDING:
        raise ApplicationError(_("This price exception was already decided."), code="illegal_transition")
    state = PriceException.State.APPROVED if approve else PriceException.State.REFUSED
    if PriceException.objects.filter(pk=exc.pk, state=PriceException.State.PENDING).update(
            state=state, decided_by=actor, decided_at=timezone.now(), decision_note=note) != 1:
        raise ApplicationError(_("This price exception was already decided."), code="illegal_transition")
    exc.refresh_from_db()
    _event(exc.order, EventKind.EXCEPTION_DECIDED, actor,
           note=f"{exc.line.product}: {exc.get_state_display()}" + (f" — {note}" if note else ""))
    audit_record(actor=actor, action="order_price_exception_decide", target=exc.order,
                 customer_id=exc.order.customer_id, changes={"state": ["pending", state], "note": [None, note]})
    _notify("order_price_exception_decided", [exc.requested_by_id], actor, exc.order,
            f"order-exc-decided:{exc.pk}", product=str(exc.line.product), state=state)
    return exc


# --- attachments -----------------------------------------------------------------------------

def may_attach(actor: User, order: SalesOrder) -> bool:
    """Whoever acts on the order (the seller, finance, the warehouse) may add files to it."""
    return bool(capacities_for(actor, order))


@uploads.discard_on_failure
def order_attachment_add(*, actor: User, order_id: int, files, note: str = "",
                         stored: list[str]) -> list[OrderAttachment]:
    """Keep files with an order (PDF, JPEG, PNG, WebP, checked by content, size-limited)."""
    order = _order_for_change(actor, order_id)
    if not may_attach(actor, order):
        raise PermissionDenied(_("You may not add files to this order."))
    note = _text(note, limit=200, field="note")
    checked = uploads.check_files(files, field="files", required=True)
    rows = []
    for f in checked:
        name = uploads.store(f, folder="orders")
        stored.append(name)
        rows.append(OrderAttachment(order=order, file=name, original_name=f.original_name, note=note,
                                    content_type=f.content_type, size=f.size, sha256=f.sha256, uploaded_by=actor))
    OrderAttachment.objects.bulk_create(rows)
    names = [f.original_name for f in checked]
    _event(order, EventKind.ATTACHMENT, actor, note="、".join(names) + (f"（{note}）" if note else ""))
    audit_record(actor=actor, action="order_attachment", target=order, customer_id=order.customer_id,
                 changes={"attachments": [None, names]})
    return rows
