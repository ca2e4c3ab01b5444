"""Return orders (退货单): goods that come back after the outbound.

| action | from → to | who |
|---|---|---|
| request (batches, quantities, reason) | — → requested | the seller (whoever may change the customer, sales admins), finance |
| withdraw (reason) | requested → cancelled | the seller |
| approve | requested → approved | finance: the amount leaves the receivable, the quantities leave the invoice ledger |
| reject (reason) | requested → rejected | finance |
| receive the goods | approved → received | warehouse: the units go back into the batches they left |

Administrators may do everything. The order must have left the warehouse (outbound issued,
shipped, received or closed). A unit can be in one return only (requested, approved or received
returns hold their quantities). Approval runs in one transaction with the order locked:

* the invoice ledger (``returned_listeners``; the invoicing app reverses that quantity of each
  line's sale). A quantity already covered by a normal invoice cannot leave the ledger: the
  approval is refused until that invoice is reversed (红冲), and nothing changes;
* the receivable: ``SalesOrder.returned_total`` grows by the return's amount. When the customer
  already paid more than the order is now worth, the excess allocations are released back to
  the customer's credit first (``excess_payment_handlers``: the payments app);
* the order then closes (or reopens) through ``sales.closing``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.org.models import Role, User
from pharmcrm.sales import rules
from pharmcrm.sales.models import (
    RETURN_HOLDING,
    EventKind,
    OrderLineAllocation,
    ReturnLine,
    ReturnOrder,
    ReturnSequence,
    ReturnStatus,
    SalesOrder,
    Status,
)
from pharmcrm.sales.services import (
    CENT,
    _event,
    _id,
    _invalid,
    _order_for_change,
    _text,
    capacities_for,
    parse_decimal,
    users_with_role,
)

ZERO = Decimal("0")
NUMBER_PREFIX = "TH"
RETURNABLE = (Status.OUTBOUND, Status.SHIPPED, Status.RECEIVED, Status.CLOSED)
MAX_QUANTITY = Decimal("99999999999")

# fn(actor, order, ret, {line id: quantity}): take the quantities out of the invoice ledger
returned_listeners: list[Callable[..., Any]] = []
# fn(actor, order, net_after) -> Decimal released: free paid money beyond the new net total
excess_payment_handlers: list[Callable[..., Decimal]] = []

REQUEST, WITHDRAW, APPROVE, REJECT, RECEIVE = "request", "withdraw", "approve", "reject", "receive"
# action -> (from status, to status, capacities)
TRANSITIONS = {
    WITHDRAW: (ReturnStatus.REQUESTED, ReturnStatus.CANCELLED, {rules.SELLER}),
    APPROVE: (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, {rules.FINANCE}),
    REJECT: (ReturnStatus.REQUESTED, ReturnStatus.REJECTED, {rules.FINANCE}),
    RECEIVE: (ReturnStatus.APPROVED, ReturnStatus.RECEIVED, {rules.WAREHOUSE}),
}


def return_url(ret: ReturnOrder) -> str:
    return reverse("web:return_detail", args=[ret.pk])


def _next_number(when: datetime.datetime) -> str:
    year = timezone.localtime(when).year
    ReturnSequence.objects.get_or_create(year=year)
    ReturnSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = ReturnSequence.objects.filter(year=year).values_list("last", flat=True).get()
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


def returned_by_allocation(order_id: int, *, exclude_return_id: int | None = None) -> dict[int, Decimal]:
    """Quantities held by the order's live returns, per allocation (batch of a line)."""
    qs = ReturnLine.objects.filter(ret__order_id=order_id, ret__status__in=RETURN_HOLDING)
    if exclude_return_id:
        qs = qs.exclude(ret_id=exclude_return_id)
    return {a: q for a, q in qs.values_list("allocation_id").annotate(q=Sum("quantity")).order_by()}


def returnable(order: SalesOrder) -> list[dict]:
    """Per batch of each line: what went out, what live returns hold, what may still come back."""
    held = returned_by_allocation(order.pk)
    rows = []
    for a in (OrderLineAllocation.objects.filter(line__order=order).select_related("line__product")
              .order_by("line__position", "line_id", "expiry_date", "id")):
        taken = held.get(a.pk, ZERO)
        rows.append({"allocation": a, "line": a.line, "product": a.line.product, "shipped": a.quantity,
                     "returned": taken, "left": a.quantity - taken})
    return rows


def can_request(actor: User, order: SalesOrder) -> bool:
    return order.status in RETURNABLE and bool({rules.SELLER, rules.FINANCE} & capacities_for(actor, order))


def allowed_actions(actor: User, ret: ReturnOrder) -> list[str]:
    caps = capacities_for(actor, ret.order)
    return [a for a, (src, _dst, who) in TRANSITIONS.items() if ret.status == src and who & caps]


def _notify(kind: str, recipients, actor: User, ret: ReturnOrder, **params) -> None:
    from pharmcrm.notifications.services import notify

    notify(recipients=recipients, kind=kind, actor=actor, link=return_url(ret), key=f"{kind}:{ret.pk}",
           params={"number": ret.order.number, "return": ret.number, "customer": ret.order.customer.name,
                   "amount": str(ret.amount_total), **params})


def _parse_lines(raw, order: SalesOrder, held: dict[int, Decimal]) -> list[tuple[OrderLineAllocation, Decimal]]:
    if not isinstance(raw, list | tuple) or not raw:
        raise _invalid({"lines": [_("Choose at least one batch and the quantity coming back.")]})
    if len(raw) > 400:
        raise _invalid({"lines": [_("Too many lines.")]})
    allocs = {a.pk: a for a in OrderLineAllocation.objects.filter(line__order=order).select_related("line")}
    fields: dict[str, list[str]] = {}
    wanted: dict[int, Decimal] = {}
    for i, item in enumerate(raw):
        key = f"lines.{i}"
        if not isinstance(item, dict):
            fields[key] = [_("Each line is a batch and a quantity.")]
            continue
        aid = _id(item.get("allocation_id"))
        if aid is None or aid not in allocs:
            fields[f"{key}.allocation_id"] = [_("This batch did not go out with this order.")]
            continue
        if aid in wanted:
            fields[f"{key}.allocation_id"] = [_("This batch is listed twice.")]
            continue
        q, err = parse_decimal(item.get("quantity"), places=3, field=f"{key}.quantity", label=_("quantity"),
                               minimum=ZERO, strict_min=True, maximum=MAX_QUANTITY)
        if err:
            fields[f"{key}.quantity"] = [err]
            continue
        left = allocs[aid].quantity - held.get(aid, ZERO)
        if q > left:
            fields[f"{key}.quantity"] = [_("At most %(n)s of batch %(batch)s can still come back.") % {
                "n": f"{left.normalize():f}", "batch": allocs[aid].batch_no}]
            continue
        wanted[aid] = q
    if fields:
        raise _invalid(fields)
    return [(allocs[aid], q) for aid, q in wanted.items()]


def _amounts(order: SalesOrder, picked: list[tuple[OrderLineAllocation, Decimal]]) -> list[Decimal]:
    """quantity × unit price per row, to the cent; a row that brings its line's returned quantity
    to the whole line takes the line's remaining amount, so returning everything returns exactly
    the line's amount."""
    done_q: dict[int, Decimal] = {}
    done_a: dict[int, Decimal] = {}
    for line_id, q, a in (ReturnLine.objects.filter(ret__order=order, ret__status__in=RETURN_HOLDING)
                          .values_list("line_id").annotate(q=Sum("quantity"), a=Sum("amount")).order_by()):
        done_q[line_id], done_a[line_id] = q, (a or ZERO).quantize(CENT)
    out = []
    for alloc, q in picked:
        line = alloc.line
        dq, da = done_q.get(line.pk, ZERO), done_a.get(line.pk, ZERO)
        if dq + q >= line.quantity:
            amount = line.amount - da
        else:
            amount = min((q * line.unit_price).quantize(CENT), line.amount - da)
        amount = max(amount, ZERO)
        done_q[line.pk], done_a[line.pk] = dq + q, da + amount
        out.append(amount)
    return out


@transaction.atomic
def return_request(*, actor: User, order_id: int, data: dict[str, Any]) -> ReturnOrder:
    """The seller (or finance) asks to take goods back: ``{"reason", "lines": [{"allocation_id",
    "quantity"}]}`` — batches that went out with this order, never more than is still out."""
    order = _order_for_change(actor, order_id)
    if order.status not in RETURNABLE:
        raise ApplicationError(_("Goods can come back only after the outbound; this order is %(status)s.")
                               % {"status": order.get_status_display()}, code="illegal_transition")
    if not {rules.SELLER, rules.FINANCE} & capacities_for(actor, order):
        raise PermissionDenied(_("You may not request a return for this order."))
    if not isinstance(data, dict):
        raise _invalid({"lines": [_("Invalid data.")]})
    unknown = set(data) - {"reason", "lines"}
    if unknown:
        raise _invalid({k: [_("Unknown field.")] for k in sorted(unknown)})
    fields: dict[str, list[str]] = {}
    try:
        reason = _text(data.get("reason"), limit=2000, field="reason",
                       required_msg=_("Say why the goods come back."))
    except ApplicationError as e:
        fields.update(e.fields)
        reason = ""
    try:
        picked = _parse_lines(data.get("lines"), order, returned_by_allocation(order.pk))
    except ApplicationError as e:
        fields.update(e.fields)
        picked = []
    if fields:
        raise _invalid(fields)
    amounts = _amounts(order, picked)
    now = timezone.now()
    ret = ReturnOrder.objects.create(number=_next_number(now), order=order, reason=reason, requested_by=actor,
                                     amount_total=sum(amounts, ZERO))
    ReturnLine.objects.bulk_create([ReturnLine(ret=ret, line=a.line, allocation=a, quantity=q, amount=amt)
                                    for (a, q), amt in zip(picked, amounts, strict=True)])
    _event(order, EventKind.RETURN_REQUESTED, actor, note=f"{ret.number} ¥{ret.amount_total}: {reason}", at=now)
    audit_record(actor=actor, action="order_return_request", target=order, customer_id=order.customer_id,
                 changes={"return": [None, ret.number], "amount": [None, ret.amount_total],
                          "batches": [None, [f"{a.batch_no} × {q.normalize():f}" for a, q in picked]]})
    ret.order = order
    _notify("return_requested", users_with_role(Role.FINANCE), actor, ret, reason=reason)
    return ret


def _return_for_change(actor: User, return_id) -> tuple[ReturnOrder, SalesOrder]:
    """The return and its order, both locked (order first, as every order service does)."""
    from pharmcrm.sales.selectors import visible_returns

    rid = _id(return_id)
    order_id = visible_returns(actor).filter(pk=rid).values_list("order_id", flat=True).first() if rid else None
    if order_id is None:
        raise NotFound(_("Return not found."))
    order = _order_for_change(actor, order_id)
    ret = ReturnOrder.objects.select_for_update(of=("self",)).get(pk=rid)
    ret.order = order
    return ret, order


def _transition(actor: User, ret: ReturnOrder, order: SalesOrder, action: str, **values) -> None:
    src, dst, who = TRANSITIONS[action]
    if ret.status != src:
        raise ApplicationError(_("This return is %(status)s: it cannot be changed that way.")
                               % {"status": ret.get_status_display()}, code="illegal_transition")
    if not who & capacities_for(actor, order):
        raise PermissionDenied(_("You may not do this with this return."))
    if ReturnOrder.objects.filter(pk=ret.pk, status=src).update(status=dst, updated_at=timezone.now(),
                                                               **values) != 1:
        raise ApplicationError(_("This return was changed meanwhile."), code="illegal_transition")
    ret.refresh_from_db()
    ret.order = order


def _reason(value, msg) -> str:
    return _text(value, limit=2000, field="reason", required_msg=msg)


@transaction.atomic
def return_withdraw(*, actor: User, return_id: int, reason: str) -> ReturnOrder:
    ret, order = _return_for_change(actor, return_id)
    reason = _reason(reason, _("Say why the return is withdrawn."))
    _transition(actor, ret, order, WITHDRAW, closed_note=reason)
    _event(order, EventKind.RETURN_CANCELLED, actor, note=f"{ret.number}: {reason}")
    audit_record(actor=actor, action="order_return_withdraw", target=order, customer_id=order.customer_id,
                 changes={"return": [ret.number, None], "reason": [None, reason]})
    return ret


@transaction.atomic
def return_reject(*, actor: User, return_id: int, reason: str) -> ReturnOrder:
    ret, order = _return_for_change(actor, return_id)
    reason = _reason(reason, _("Say why the return is rejected."))
    _transition(actor, ret, order, REJECT, closed_note=reason)
    _event(order, EventKind.RETURN_REJECTED, actor, note=f"{ret.number}: {reason}")
    audit_record(actor=actor, action="order_return_reject", target=order, customer_id=order.customer_id,
                 changes={"return": [ret.number, None], "reason": [None, reason]})
    _notify("return_rejected", [ret.requested_by_id], actor, ret, reason=reason)
    return ret


@transaction.atomic
def return_approve(*, actor: User, return_id: int) -> ReturnOrder:
    """Finance approves: the ledger and the receivable change now; the goods are expected."""
    from pharmcrm.sales.closing import order_settle_sync

    ret, order = _return_for_change(actor, return_id)
    _transition(actor, ret, order, APPROVE, approved_at=timezone.now(), approved_by=actor)
    per_line: dict[int, Decimal] = {}
    for line_id, q in ret.lines.values_list("line_id", "quantity"):
        per_line[line_id] = per_line.get(line_id, ZERO) + q
    for fn in list(returned_listeners):
        fn(actor, order, ret, per_line)
    net_after = order.amount_total - order.returned_total - ret.amount_total
    if net_after < 0:  # cannot happen: quantities are capped per batch, amounts per line
        raise ApplicationError(_("The return is worth more than the order."), code="invalid")
    released = ZERO
    if order.paid_total > net_after:
        if not excess_payment_handlers:
            raise ApplicationError(_("The customer paid more than the order is worth after this return; release "
                                     "the payment first."), code="overpaid")
        for fn in excess_payment_handlers:
            released += fn(actor, order, net_after)
        order.refresh_from_db()
        if order.paid_total > net_after:
            raise ApplicationError(_("The customer's payment could not be released."), code="overpaid")
    SalesOrder.objects.filter(pk=order.pk).update(returned_total=F("returned_total") + ret.amount_total,
                                                  updated_at=timezone.now())
    order.refresh_from_db()
    if released:
        ReturnOrder.objects.filter(pk=ret.pk).update(released_credit=released)
        ret.released_credit = released
    note = f"{ret.number} ¥{ret.amount_total}"
    if released:
        note += " · " + _("¥%(n)s paid moved to the customer's credit") % {"n": released}
    _event(order, EventKind.RETURN_APPROVED, actor, note=note)
    audit_record(actor=actor, action="order_return_approve", target=order, customer_id=order.customer_id,
                 changes={"returned_total": [order.returned_total - ret.amount_total, order.returned_total],
                          "return": [None, ret.number]})
    order_settle_sync(actor=actor, order_id=order.pk)
    _notify("return_approved", users_with_role(Role.WAREHOUSE), actor, ret)
    return ret


@transaction.atomic
def return_receive(*, actor: User, return_id: int, note: str = "") -> ReturnOrder:
    """The warehouse takes the goods back into the batches they left from."""
    from pharmcrm.inventory.services import restock

    ret, order = _return_for_change(actor, return_id)
    note = _text(note, limit=2000, field="note")
    _transition(actor, ret, order, RECEIVE, received_at=timezone.now(), received_by=actor)
    by_line: dict[int, list[tuple[int, Decimal]]] = {}
    for line_id, batch_id, q in ret.lines.values_list("line_id", "allocation__batch_id", "quantity"):
        by_line.setdefault(line_id, []).append((batch_id, q))
    for line_id in sorted(by_line):
        restock(actor=actor, allocations=by_line[line_id], ref_type="sales.order_line", ref_id=line_id,
                reason=_("Return %(n)s") % {"n": ret.number})
    _event(order, EventKind.RETURN_RECEIVED, actor, note=f"{ret.number}" + (f": {note}" if note else ""))
    audit_record(actor=actor, action="order_return_receive", target=order, customer_id=order.customer_id,
                 changes={"return": [None, ret.number]})
    return ret
