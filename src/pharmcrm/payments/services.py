"""The only writers of payments, their allocations and payment plans.

Rights: finance and administrators record, allocate, release and cancel payments
(``can_manage_payments``); whoever may edit an order as its seller (``sales.services``
capacities: the customer's writers, sales admins) and finance set its payment plan. A payment
or order the actor cannot see is ``NotFound`` (404); seen but not theirs to change is
``PermissionDenied`` (403); bad input is one ``ApplicationError`` with every field's message,
and nothing is written.

Locks, always in this order so two writers never wait on each other in a cycle: the orders
(``select_for_update`` in id order), then the payment. The return-order code calls
``order_release_excess`` with the order already locked, which then locks payments: the same
order. ``paid_total`` and ``allocated_total`` are computed in Python from the locked rows and
written with a conditional UPDATE on the value read (SQLite sums decimals as floats).

Every allocation and release writes an ``OrderEvent`` (kind ``edited``, with a note) on the
order's timeline and an audit record; the order's creator is told when the order is fully
paid; ``sales.closing`` closes (or reopens) the order in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.org import visibility
from pharmcrm.org.models import Role, RoleScope, User
from pharmcrm.payments.models import (
    ZERO,
    Method,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    PaymentSequence,
    PaymentStatus,
)
from pharmcrm.sales.models import APPROVED_AND_LATER, EventKind, OrderEvent, SalesOrder, Status
from pharmcrm.sales.services import _id, _invalid, _text  # the sales app's input rules and messages

NUMBER_PREFIX = "HK"
AREA = "payments"
MAX_AMOUNT = Decimal("999999999999.99")
MAX_ALLOCATIONS = 200
MAX_PLANS = 36
PAYMENT_FIELDS = ("customer_id", "amount", "received_on", "method", "reference", "payer_name", "notes",
                  "allocations")
AUTO = "auto"


# --- helpers ---------------------------------------------------------------------------------

def _money(value, *, field: str, label: str) -> Decimal:
    """A positive amount with at most two decimals (never rounded), or a field error."""
    from pharmcrm.sales.services import parse_decimal

    d, err = parse_decimal(value, places=2, field=field, label=label, minimum=Decimal(0), strict_min=True,
                           maximum=MAX_AMOUNT)
    if err:
        raise _invalid({field: [err]})
    return d


def _date(value, *, field: str, label: str, allow_future: bool) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise _invalid({field: [_("Enter the %(label)s as YYYY-MM-DD.") % {"label": label}]}) from None
    if not allow_future and day > timezone.localdate():
        raise _invalid({field: [_("The %(label)s cannot be in the future.") % {"label": label}]})
    if day.year < 2000:
        raise _invalid({field: [_("Enter a date from the year 2000 on.")]})
    return day


def fmt(d: Decimal) -> str:
    return f"¥{d:,.2f}"


def can_manage_payments(user: User) -> bool:
    return user.is_active and (user.is_admin or user.has_role(Role.FINANCE))


def sees_all_payments(user: User) -> bool:
    return visibility.role_scope(user, AREA) == RoleScope.Scope.ALL


def _next_number(when: datetime.datetime) -> str:
    year = timezone.localtime(when).year
    PaymentSequence.objects.get_or_create(year=year)
    PaymentSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = PaymentSequence.objects.filter(year=year).values_list("last", flat=True).get()
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


def payment_url(payment: Payment) -> str:
    return reverse("web:payment_detail", args=[payment.pk])


def _customer_for(actor: User, customer_id):
    from pharmcrm.customers.models import Customer

    cid = _id(customer_id)
    if cid is None:
        raise _invalid({"customer_id": [_("Choose a customer.")]})
    customer = Customer.objects.filter(pk=cid, deleted_at__isnull=True).first()
    if customer is None or not (sees_all_payments(actor) or visibility.can_see(actor, cid)):
        raise NotFound(_("Customer not found."))
    return customer


def _require_finance(actor: User) -> None:
    if not can_manage_payments(actor):
        raise PermissionDenied(_("Only finance records and allocates payments."))


def _payment_locked(actor: User, payment_id) -> Payment:
    from pharmcrm.payments.selectors import visible_payments

    pid = _id(payment_id)
    payment = (Payment.objects.select_for_update(of=("self",)).select_related("customer")
               .filter(pk=pid, pk__in=visible_payments(actor).values("pk")).first()) if pid else None
    if payment is None:
        raise NotFound(_("Payment not found."))
    return payment


def _settle(actor: User, order_ids: Iterable[int]) -> None:
    """Let ``sales.closing`` close (or reopen) the orders whose paid total changed (raised: it may
    close; lowered by a release or cancel: a closed order reopens)."""
    from pharmcrm.sales.closing import order_settle_sync

    for oid in sorted(set(order_ids)):
        order_settle_sync(actor=actor, order_id=oid, note=_("Payments changed."))


def _event(order: SalesOrder, actor: User, note: str) -> None:
    OrderEvent.objects.create(order=order, kind=EventKind.PAYMENT, actor=actor, note=note, at=timezone.now())


def _notify_paid(actor: User, order: SalesOrder, payment: Payment) -> None:
    from pharmcrm.notifications.services import notify
    from pharmcrm.sales.services import order_url

    notify(recipients=[order.created_by_id], kind="payment_order_paid", actor=actor, link=order_url(order),
           key=f"order-paid:{order.pk}:{payment.pk}",
           params={"number": order.number, "customer": order.customer.name, "amount": str(order.amount_total)})


# --- allocations -----------------------------------------------------------------------------

def _parse_allocations(raw, customer_id: int) -> list[tuple[int, Decimal]]:
    """[(order id, amount)] checked for shape, amounts and duplicates (orders checked later)."""
    if not isinstance(raw, list):
        raise _invalid({"allocations": [_("Give the allocations as a list of orders and amounts.")]})
    if len(raw) > MAX_ALLOCATIONS:
        raise _invalid({"allocations": [_("At most %(n)d orders per payment.") % {"n": MAX_ALLOCATIONS}]})
    fields: dict[str, list[str]] = {}
    out: list[tuple[int, Decimal]] = []
    seen: set[int] = set()
    for i, row in enumerate(raw):
        if not isinstance(row, dict) or set(row) - {"order_id", "amount"}:
            fields[f"allocations.{i}"] = [_("Invalid allocation.")]
            continue
        oid = _id(row.get("order_id"))
        if oid is None:
            fields[f"allocations.{i}.order_id"] = [_("Choose an order.")]
            continue
        if oid in seen:
            fields[f"allocations.{i}.order_id"] = [_("The same order is listed twice.")]
            continue
        seen.add(oid)
        try:
            amount = _money(row.get("amount"), field=f"allocations.{i}.amount", label=_("amount"))
        except ApplicationError as e:
            fields.update(e.fields)
            continue
        out.append((oid, amount))
    if fields:
        raise _invalid(fields)
    return out


def _lock_orders(order_ids: Iterable[int]) -> dict[int, SalesOrder]:
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    rows = (SalesOrder.objects.select_for_update(of=("self",)).select_related("customer")
            .filter(pk__in=ids).order_by("pk"))
    return {o.pk: o for o in rows}


def _check_allocations(actor: User, wanted: list[tuple[int, Decimal]], orders: dict[int, SalesOrder],
                       customer_id: int, available: Decimal) -> None:
    """Every order exists and is visible (else NotFound), is the payment's customer's, is a
    receivable and owes at least its amount; the amounts fit in ``available``."""
    from pharmcrm.sales.selectors import visible_orders

    if not wanted:
        return
    ids = [oid for oid, _a in wanted]
    seen = set(orders) if sees_all_payments(actor) else set(
        visible_orders(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if any(oid not in orders or oid not in seen for oid in ids):
        raise NotFound(_("Order not found."))
    fields: dict[str, list[str]] = {}
    for i, (oid, amount) in enumerate(wanted):
        o = orders[oid]
        key = f"allocations.{i}.order_id"
        if o.customer_id != customer_id:
            fields[key] = [_("The order %(n)s belongs to another customer.") % {"n": o.number}]
        elif o.status not in APPROVED_AND_LATER:
            fields[key] = [_("The order %(n)s is %(s)s: only approved orders receive payments.") % {
                "n": o.number, "s": o.get_status_display()}]
        elif amount > o.outstanding:
            fields[f"allocations.{i}.amount"] = [_("The order %(n)s has only %(o)s outstanding.") % {
                "n": o.number, "o": fmt(o.outstanding)}]
    if fields:
        raise _invalid(fields)
    total = sum((a for _o, a in wanted), ZERO)
    if total > available:
        raise _invalid({"allocations": [_("The allocations (%(t)s) exceed what the payment has left (%(a)s).") % {
            "t": fmt(total), "a": fmt(available)}]})


def _apply(actor: User, payment: Payment, wanted: list[tuple[int, Decimal]],
           orders: dict[int, SalesOrder]) -> list[PaymentAllocation]:
    """Write the allocations (checked, rows locked): order paid totals, the payment's allocated
    total, timeline events, notifications, closing."""
    now = timezone.now()
    out = []
    for oid, amount in wanted:
        o = orders[oid]
        new_paid = o.paid_total + amount
        if SalesOrder.objects.filter(pk=o.pk, paid_total=o.paid_total).update(paid_total=new_paid,
                                                                                updated_at=now) != 1:
            raise ApplicationError(_("The order changed meanwhile; try again."), code="conflict")
        o.paid_total = new_paid
        out.append(PaymentAllocation.objects.create(payment=payment, order=o, amount=amount, created_by=actor,
                                                    created_at=now))
        _event(o, actor, _("Payment %(p)s allocated: %(a)s (received %(paid)s, outstanding %(o)s).") % {
            "p": payment.number, "a": fmt(amount), "paid": fmt(o.paid_total), "o": fmt(o.outstanding)})
        if o.outstanding == 0:
            _notify_paid(actor, o, payment)
    total = sum((a for _o, a in wanted), ZERO)
    if total:
        new_alloc = payment.allocated_total + total
        if Payment.objects.filter(pk=payment.pk, allocated_total=payment.allocated_total).update(
                allocated_total=new_alloc, updated_at=now) != 1:
            raise ApplicationError(_("The payment changed meanwhile; try again."), code="conflict")
        payment.allocated_total = new_alloc
    _settle(actor, [oid for oid, _a in wanted])
    return out


def _lock_auto(customer_id: int) -> dict[int, SalesOrder]:
    """The customer's open orders, locked (the proposal is then made from the locked rows, so two
    payments recorded at once never propose the same outstanding twice)."""
    return _lock_orders(open_orders_qs(customer_id).values_list("pk", flat=True)[:MAX_ALLOCATIONS])


def open_orders_qs(customer_id: int):
    """The customer's receivable orders with something outstanding, oldest approval first."""
    from pharmcrm.sales.models import outstanding_expr

    return (SalesOrder.objects.filter(customer_id=customer_id, status__in=APPROVED_AND_LATER)
            .alias(owing=outstanding_expr()).filter(owing__gt=0).order_by("approved_at", "id"))


def propose(customer_id: int, amount: Decimal, orders=None) -> list[tuple[SalesOrder, Decimal]]:
    """Oldest approved first: each open order takes what it owes until ``amount`` is used up
    (``orders``: the locked rows to use instead of reading them)."""
    out = []
    left = amount
    rows = open_orders_qs(customer_id) if orders is None else sorted(
        (o for o in orders if o.outstanding > 0), key=lambda o: (o.approved_at is None, o.approved_at, o.pk))
    for o in rows:
        if left <= 0:
            break
        take = min(left, o.outstanding)
        out.append((o, take))
        left -= take
    return out


# --- payments --------------------------------------------------------------------------------

@transaction.atomic
def payment_record(*, actor: User, data: dict[str, Any]) -> Payment:
    """Finance records a payment: ``data`` customer_id, amount, received_on (not in the future),
    method, reference, payer_name, notes and ``allocations``: a list of {order_id, amount}
    (empty: all of it stays as the customer's credit) or ``"auto"``/absent: oldest approved
    order first (``propose``). Whatever is not allocated is the customer's credit."""
    unknown = sorted(set(data) - set(PAYMENT_FIELDS))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    customer = _customer_for(actor, data.get("customer_id"))
    _require_finance(actor)
    fields: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, fn in (
        ("amount", lambda: _money(data.get("amount"), field="amount", label=_("amount"))),
        ("received_on", lambda: _date(data.get("received_on") or timezone.localdate(), field="received_on",
                                      label=_("date received"), allow_future=False)),
        ("reference", lambda: _text(data.get("reference"), limit=100, field="reference")),
        ("payer_name", lambda: _text(data.get("payer_name"), limit=200, field="payer_name")),
        ("notes", lambda: _text(data.get("notes"), limit=2000, field="notes")),
    ):
        try:
            values[name] = fn()
        except ApplicationError as e:
            fields.update(e.fields)
    method = data.get("method") or Method.BANK_TRANSFER
    if method not in Method.values:
        fields["method"] = [_("Choose the payment method.")]
    raw = data.get("allocations", AUTO)
    wanted: list[tuple[int, Decimal]] = []
    if raw not in (None, AUTO):
        try:
            wanted = _parse_allocations(raw, customer.pk)
        except ApplicationError as e:
            fields.update(e.fields)
    if fields:
        raise _invalid(fields)
    if raw in (None, AUTO):
        orders = _lock_auto(customer.pk)
        wanted = [(o.pk, a) for o, a in propose(customer.pk, values["amount"], orders=orders.values())]
    else:
        orders = _lock_orders(oid for oid, _a in wanted)
    _check_allocations(actor, wanted, orders, customer.pk, values["amount"])
    now = timezone.now()
    payment = Payment.objects.create(number=_next_number(now), customer=customer, method=method,
                                     recorded_by=actor, **values)
    _apply(actor, payment, wanted, orders)
    audit_record(actor=actor, action="payment_record", target=payment, customer_id=customer.pk, changes={
        "number": [None, payment.number], "amount": [None, payment.amount],
        "received_on": [None, payment.received_on], "method": [None, method],
        "allocations": [None, [f"{orders[oid].number}: {a}" for oid, a in wanted]]})
    return payment


@transaction.atomic
def payment_allocate(*, actor: User, payment_id: int, allocations) -> list[PaymentAllocation]:
    """Allocate the credit left on an active payment to orders of its customer: a list of
    {order_id, amount}, or ``"auto"`` (oldest approved first, up to the credit)."""
    pid = _id(payment_id)
    from pharmcrm.payments.selectors import visible_payments

    peek = visible_payments(actor).filter(pk=pid).values("customer_id", "amount", "allocated_total").first() \
        if pid else None
    if peek is None:
        raise NotFound(_("Payment not found."))
    _require_finance(actor)
    auto = allocations in (None, AUTO)
    wanted = [] if auto else _parse_allocations(allocations, peek["customer_id"])
    orders = _lock_auto(peek["customer_id"]) if auto else _lock_orders(oid for oid, _a in wanted)
    payment = _payment_locked(actor, pid)
    if auto:
        wanted = [(o.pk, a) for o, a in propose(payment.customer_id, payment.amount - payment.allocated_total,
                                                orders=orders.values())]
    if not wanted:
        raise _invalid({"allocations": [_("Choose at least one order and amount.")]})
    if payment.status != PaymentStatus.ACTIVE:
        raise ApplicationError(_("A cancelled payment cannot be allocated."), code="illegal_transition")
    _check_allocations(actor, wanted, orders, payment.customer_id, payment.amount - payment.allocated_total)
    rows = _apply(actor, payment, wanted, orders)
    audit_record(actor=actor, action="payment_allocate", target=payment, customer_id=payment.customer_id,
                 changes={"allocations": [None, [f"{orders[oid].number}: {a}" for oid, a in wanted]]})
    return rows


def _release(actor: User, alloc: PaymentAllocation, order: SalesOrder, payment: Payment, *, amount: Decimal,
             reason: str, now: datetime.datetime) -> None:
    """Release ``amount`` (all or part) of an active allocation; the rows are locked. A part
    release keeps the rest as a new active allocation (allocations are never changed in place
    but for their release)."""
    if PaymentAllocation.objects.filter(pk=alloc.pk, released_at__isnull=True).update(
            released_at=now, released_by=actor, release_reason=reason[:500]) != 1:
        raise ApplicationError(_("This allocation was already released."), code="illegal_transition")
    if amount < alloc.amount:
        PaymentAllocation.objects.create(payment=payment, order=order, amount=alloc.amount - amount,
                                         created_by=alloc.created_by, created_at=alloc.created_at)
    new_paid = order.paid_total - amount
    if SalesOrder.objects.filter(pk=order.pk, paid_total=order.paid_total).update(paid_total=new_paid,
                                                                                    updated_at=now) != 1:
        raise ApplicationError(_("The order changed meanwhile; try again."), code="conflict")
    order.paid_total = new_paid
    new_alloc = payment.allocated_total - amount
    if Payment.objects.filter(pk=payment.pk, allocated_total=payment.allocated_total).update(
            allocated_total=new_alloc, updated_at=now) != 1:
        raise ApplicationError(_("The payment changed meanwhile; try again."), code="conflict")
    payment.allocated_total = new_alloc
    note = _("Payment %(p)s released: %(a)s (received %(paid)s, outstanding %(o)s).") % {
        "p": payment.number, "a": fmt(amount), "paid": fmt(order.paid_total), "o": fmt(order.outstanding)}
    _event(order, actor, f"{note} {reason}".strip())


@transaction.atomic
def allocation_release(*, actor: User, allocation_id: int, reason: str = "") -> PaymentAllocation:
    """Finance takes an allocation back: the order owes it again, the money is the customer's
    credit again."""
    from pharmcrm.payments.selectors import visible_payments

    aid = _id(allocation_id)
    peek = PaymentAllocation.objects.filter(pk=aid, payment__in=visible_payments(actor).values("pk")).values(
        "order_id", "payment_id").first() if aid else None
    if peek is None:
        raise NotFound(_("Allocation not found."))
    _require_finance(actor)
    reason = _text(reason, limit=500, field="reason")
    order = _lock_orders([peek["order_id"]])[peek["order_id"]]
    payment = _payment_locked(actor, peek["payment_id"])
    alloc = PaymentAllocation.objects.select_related("created_by").get(pk=aid)
    if alloc.released_at is not None:
        raise ApplicationError(_("This allocation was already released."), code="illegal_transition")
    now = timezone.now()
    _release(actor, alloc, order, payment, amount=alloc.amount, reason=reason, now=now)
    audit_record(actor=actor, action="payment_release", target=payment, customer_id=payment.customer_id,
                 changes={"released": [f"{order.number}: {alloc.amount}", None], "reason": [None, reason]})
    _settle(actor, [order.pk])
    alloc.refresh_from_db()
    return alloc


@transaction.atomic
def payment_cancel(*, actor: User, payment_id: int, reason: str) -> Payment:
    """Cancel a payment entered by mistake (reason required): every active allocation is
    released, the orders owe it again; the payment stays, marked cancelled."""
    from pharmcrm.payments.selectors import visible_payments

    pid = _id(payment_id)
    if not pid or not visible_payments(actor).filter(pk=pid).exists():
        raise NotFound(_("Payment not found."))
    _require_finance(actor)
    reason = _text(reason, limit=2000, field="reason", required_msg=_("Say why the payment is cancelled."))
    order_ids = set(PaymentAllocation.objects.filter(payment_id=pid, released_at__isnull=True)
                    .values_list("order_id", flat=True))
    orders = _lock_orders(order_ids)
    payment = _payment_locked(actor, pid)
    if payment.status != PaymentStatus.ACTIVE:
        raise ApplicationError(_("This payment is already cancelled."), code="illegal_transition")
    active = list(PaymentAllocation.objects.select_related("created_by")
                  .filter(payment=payment, released_at__isnull=True).order_by("-created_at", "-id"))
    missing = {a.order_id for a in active} - set(orders)
    if missing:  # allocated meanwhile (cannot happen while we hold the payment, but be safe)
        orders.update(_lock_orders(missing))
    now = timezone.now()
    released = []
    for a in active:
        o = orders[a.order_id]
        _release(actor, a, o, payment, amount=a.amount, reason=reason, now=now)
        released.append(f"{o.number}: {a.amount}")
    if Payment.objects.filter(pk=payment.pk, status=PaymentStatus.ACTIVE).update(
            status=PaymentStatus.CANCELLED, cancel_reason=reason, cancelled_at=now, cancelled_by=actor,
            updated_at=now) != 1:
        raise ApplicationError(_("This payment is already cancelled."), code="illegal_transition")
    payment.refresh_from_db()
    audit_record(actor=actor, action="payment_cancel", target=payment, customer_id=payment.customer_id,
                 changes={"status": [PaymentStatus.ACTIVE, PaymentStatus.CANCELLED], "reason": [None, reason],
                          "released": [released, None]})
    _settle(actor, {a.order_id for a in active})
    return payment


@transaction.atomic
def order_release_excess(*, actor: User, order_id: int, net_after: Decimal | None = None) -> Decimal:
    """For the return-order code, with the order row already locked: release the order's
    allocations, newest first (partly if needed), until ``paid_total`` ≤ ``net_after`` (the
    order's net total after the return; default: amount − returned as stored). The released
    money goes back to the paying customer's credit. Returns the amount released. No rights
    check: the caller checked them."""
    order = SalesOrder.objects.select_for_update(of=("self",)).get(pk=order_id)
    net = order.amount_total - order.returned_total if net_after is None else Decimal(net_after)
    excess = order.paid_total - max(net, ZERO)
    if excess <= 0:
        return ZERO
    active = list(PaymentAllocation.objects.select_related("created_by")
                  .filter(order=order, released_at__isnull=True).order_by("-created_at", "-id"))
    payments = {p.pk: p for p in Payment.objects.select_for_update().filter(
        pk__in={a.payment_id for a in active}).order_by("pk")}
    now = timezone.now()
    left = excess
    released = []
    reason = _("Goods returned: the order owes less.")
    for a in active:
        if left <= 0:
            break
        take = min(a.amount, left)
        _release(actor, a, order, payments[a.payment_id], amount=take, reason=reason, now=now)
        released.append(f"{payments[a.payment_id].number}: {take}")
        left -= take
    for p in payments.values():
        audit_record(actor=actor, action="payment_release", target=p, customer_id=p.customer_id,
                     changes={"released": [[r for r in released if r.startswith(p.number)], None],
                              "reason": [None, reason]})
    return excess - left


def release_for_return(actor: User, order: SalesOrder, net_after: Decimal) -> Decimal:
    """``sales.returns.excess_payment_handlers`` entry (registered in ``payments.hooks``)."""
    return order_release_excess(actor=actor, order_id=order.pk, net_after=net_after)


# --- payment plans ---------------------------------------------------------------------------

def may_set_plan(actor: User, order: SalesOrder) -> bool:
    from pharmcrm.sales import rules
    from pharmcrm.sales.services import capacities_for

    return bool(capacities_for(actor, order) & {rules.SELLER, rules.FINANCE})


@transaction.atomic
def plan_set(*, actor: User, order_id: int, plans) -> list[PaymentPlan]:
    """Replace an order's payment plan: ``plans`` [{due_on, amount, note}]; amounts positive with
    at most two decimals summing to at most the order's net total; due dates valid (not before
    the order was created, within five years), no date twice. An empty list clears the plan.
    Sellers who may edit the order (its customer's writers, sales admins) and finance."""
    from pharmcrm.sales.services import _order_for_change

    order = _order_for_change(actor, order_id)
    if not may_set_plan(actor, order):
        raise PermissionDenied(_("You may not set the payment plan of this order."))
    if order.status in (Status.CANCELLED, Status.CLOSED):
        raise ApplicationError(_("The order is %(s)s: its payment plan is final.") % {
            "s": order.get_status_display()}, code="illegal_transition")
    if not isinstance(plans, list):
        raise _invalid({"plans": [_("Give the plan as a list of due dates and amounts.")]})
    if len(plans) > MAX_PLANS:
        raise _invalid({"plans": [_("At most %(n)d instalments.") % {"n": MAX_PLANS}]})
    fields: dict[str, list[str]] = {}
    rows: list[tuple[datetime.date, Decimal, str]] = []
    start = timezone.localtime(order.created_at).date()
    end = timezone.localdate() + datetime.timedelta(days=5 * 366)
    days: set[datetime.date] = set()
    for i, p in enumerate(plans):
        if not isinstance(p, dict) or set(p) - {"due_on", "amount", "note"}:
            fields[f"plans.{i}"] = [_("Invalid instalment.")]
            continue
        try:
            day = _date(p.get("due_on"), field=f"plans.{i}.due_on", label=_("due date"), allow_future=True)
            if day < start:
                raise _invalid({f"plans.{i}.due_on": [_("The due date cannot be before the order was created.")]})
            if day > end:
                raise _invalid({f"plans.{i}.due_on": [_("The due date is more than five years away.")]})
            if day in days:
                raise _invalid({f"plans.{i}.due_on": [_("Two instalments fall on the same day.")]})
            days.add(day)
            amount = _money(p.get("amount"), field=f"plans.{i}.amount", label=_("amount"))
            note = _text(p.get("note"), limit=200, field=f"plans.{i}.note")
        except ApplicationError as e:
            fields.update(e.fields)
            continue
        rows.append((day, amount, note))
    if fields:
        raise _invalid(fields)
    total = sum((a for _d, a, _n in rows), ZERO)
    if total > order.net_total:
        raise _invalid({"plans": [_("The instalments (%(t)s) exceed the order's total (%(n)s).") % {
            "t": fmt(total), "n": fmt(order.net_total)}]})
    old = [f"{p.due_on}: {p.amount}" for p in order.payment_plans.all()]
    order.payment_plans.all().delete()
    created = PaymentPlan.objects.bulk_create([PaymentPlan(order=order, due_on=d, amount=a, note=n,
                                                           created_by=actor) for d, a, n in sorted(rows)])
    new = [f"{d}: {a}" for d, a, _n in sorted(rows)]
    if old != new:
        _event(order, actor, _("Payment plan set: %(plan)s") % {"plan": "; ".join(new) or _("none")})
        audit_record(actor=actor, action="payment_plan_set", target=order, customer_id=order.customer_id,
                     changes={"plan": [old, new]})
    return created
