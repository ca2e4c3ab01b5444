"""The demo company's payments and receivables (回款与应收; runs after the orders and before the
after-sales of demo/gen_settlement.py, so an order that is paid and then invoiced closes).

* the receivables spread over every ageing bucket: two received orders are dated back to about
  75 and 120 days (their whole timeline moves), so 61–90 and >90 are not empty;
* payments recorded by finance (钱芳) through ``payments.services``: most shipped/received orders
  fully paid (one payment covering two orders of a customer), several partly paid, one customer
  paying more than it owes (a credit, 预收 ¥), one payment cancelled as entered twice, paid by bank
  transfer, acceptance bills, cheque or cash;
* payment plans (回款计划) for several open orders, instalments before and after today, and one
  overdue instalment on an order of 张伟's (zhangwei) own customer, so his desktop shows it (an
  order is made and approved for him when the order loader gave him none past review).
Deterministic (``random.Random(f"{seed}:payments")``); dates are offsets from ``now``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.org.models import User

FINANCE, DESK_USER = "qianfang", "zhangwei"
METHODS = ["bank_transfer"] * 6 + ["bank_acceptance", "bank_acceptance", "commercial_acceptance", "cheque", "cash"]
HUNDRED = Decimal(100)


def _shift(order, days: int) -> None:
    """Move an order's whole timeline ``days`` back (created, submitted, approved, outbound,
    shipped, received and its events)."""
    from pharmcrm.sales.models import OrderEvent, SalesOrder

    d = datetime.timedelta(days=days)
    values = {f: F(f) - d for f in ("created_at", "submitted_at", "approved_at", "outbound_at") if getattr(order, f)}
    values.update({f: getattr(order, f) - d for f in ("shipped_on", "received_on") if getattr(order, f)})
    SalesOrder.objects.filter(pk=order.pk).update(**values)
    for e in OrderEvent.objects.filter(order=order):
        OrderEvent.objects.filter(pk=e.pk).update(at=e.at - d)
    order.refresh_from_db()


def _record(fin, customer_id, amount, today, days_ago, rng, allocations="auto", **extra):
    from pharmcrm.payments import services

    return services.payment_record(actor=fin, data={
        "customer_id": customer_id, "amount": str(amount), "allocations": allocations,
        "received_on": (today - datetime.timedelta(days=days_ago)).isoformat(), "method": rng.choice(METHODS),
        "reference": f"{rng.choice(['工行', '建行', '农行', '招行', '中行'])}流水 {rng.randint(10**11, 10**12 - 1)}",
        **extra})


def _desk_order(desk, fin, now):
    """An approved order of one of 张伟's qualified customers (the order loader may have left all
    of his past review)."""
    from pharmcrm.qualifications.models import CustomerQualificationState
    from pharmcrm.sales import services
    from pharmcrm.sales.models import APPROVED_AND_LATER, SalesOrder

    mine = SalesOrder.objects.filter(customer__owner=desk, status__in=APPROVED_AND_LATER).exclude(
        status="closed").order_by("approved_at").first()
    if mine:
        return mine
    draft = (SalesOrder.objects.filter(customer__owner=desk, customer_id__in=CustomerQualificationState.objects.filter(
        complete=True).values("customer_id")).order_by("pk").first())
    if draft is None:
        return None
    line = draft.lines.first()
    try:
        with transaction.atomic():
            o = services.order_create(actor=desk, data={
                "customer_id": draft.customer_id, "shipping_address_id": draft.shipping_address_id,
                "terminal_type": draft.terminal_type, "notes": "分期回款，见回款计划。",
                "lines": [{"product_id": line.product_id, "quantity": line.quantity, "unit_price": line.unit_price}]})
            services.order_submit(actor=desk, order_id=o.pk)
            services.order_approve(actor=fin, order_id=o.pk, override_reason="老客户，分期回款已约定。")
    except (ApplicationError, PermissionDenied):
        return None
    o.refresh_from_db()
    return o


def payments_load(*, seed: int, users: dict[str, User], fresh, now: datetime.datetime) -> dict[str, int]:
    from pharmcrm.payments import services
    from pharmcrm.payments.models import Payment
    from pharmcrm.sales.models import APPROVED_AND_LATER, SalesOrder

    rng = random.Random(f"{seed}:payments")
    fin = users.get(FINANCE)
    if fin is None:
        return {"payments": 0}
    fin = fresh(fin)
    today = timezone.localdate(now)
    open_orders = list(SalesOrder.objects.filter(status__in=APPROVED_AND_LATER).exclude(status="closed")
                       .select_related("customer", "customer__owner").order_by("approved_at", "pk"))
    if not open_orders:
        return {"payments": 0}
    delivered = [o for o in open_orders if o.status in ("shipped", "received")]
    # the ageing buckets: two received orders become old receivables (61–90, >90 days)
    old = [o for o in delivered if o.status == "received"][:2]
    for o, back in zip(old, (75, 120), strict=False):
        age = (today - timezone.localtime(o.approved_at, timezone.get_default_timezone()).date()).days
        _shift(o, max(0, back - age))
    old_ids = {o.pk for o in old}
    made = {"payments": 0, "payment_plans": 0}
    by_customer: dict[int, list] = {}
    for o in delivered:
        if o.pk not in old_ids:
            by_customer.setdefault(o.customer_id, []).append(o)
    fates = ["full", "partly", "full", "none", "full", "partly"]
    credit_done = False
    for i, (cid, orders) in enumerate(sorted(by_customer.items())):
        fate = fates[i % len(fates)]
        owing = sum((o.outstanding for o in orders), Decimal(0))
        if owing <= 0 or fate == "none":
            continue
        days = rng.randint(1, 20)
        every = [{"order_id": o.pk, "amount": str(o.outstanding)} for o in orders if o.outstanding > 0]
        try:
            with transaction.atomic():
                if fate == "full" and not credit_done:
                    # pays a round sum above what it owes: the rest is its credit (预收)
                    amount = (owing / HUNDRED).to_integral_value(rounding="ROUND_CEILING") * HUNDRED + 5000
                    _record(fin, cid, amount, today, days, rng, allocations=every, payer_name=orders[0].customer.name,
                            notes="含下批货预付款。")
                    credit_done = True
                elif fate == "full":
                    _record(fin, cid, owing, today, days, rng, allocations=every, payer_name=orders[0].customer.name)
                else:
                    part = (owing * Decimal(rng.choice(("0.3", "0.5", "0.6")))).quantize(Decimal("1"))
                    if part <= 0:
                        continue
                    last = max((o for o in orders if o.outstanding > 0), key=lambda o: o.outstanding)
                    part = min(part, last.outstanding)
                    _record(fin, cid, part, today, days, rng, allocations=[{"order_id": last.pk, "amount": str(part)}],
                            payer_name=orders[0].customer.name)
                made["payments"] += 1
        except ApplicationError:
            continue
    # the old receivables: the >90 one partly paid long ago, the 61–90 one untouched
    if old:
        o = old[-1]
        part = (o.outstanding * Decimal("0.3")).quantize(Decimal("1"))
        try:
            _record(fin, o.customer_id, part, today, 80, rng, allocations=[{"order_id": o.pk, "amount": str(part)}])
            made["payments"] += 1
        except ApplicationError:
            pass
    # one payment entered twice and cancelled
    paid = Payment.objects.filter(status="active").order_by("pk").first()
    if paid is not None:
        try:
            dup = _record(fin, paid.customer_id, paid.amount, today, 2, rng, allocations=[], reference=paid.reference)
            services.payment_cancel(actor=fin, payment_id=dup.pk, reason="同一笔银行流水重复录入，作废。")
            made["payments"] += 1
        except ApplicationError:
            pass
    # payment plans: several open orders in instalments; one overdue instalment for 张伟
    candidates = [o for o in SalesOrder.objects.filter(status__in=("approved", "outbound", "shipped"))
                  .select_related("customer__owner").order_by("pk") if o.outstanding > 0][:6]
    desk = users.get(DESK_USER)
    desk_order = _desk_order(fresh(desk), fin, now) if desk else None
    if desk_order is not None:
        age = (today - timezone.localtime(desk_order.created_at, timezone.get_default_timezone()).date()).days
        if age < 40:
            _shift(desk_order, 40 - age)
        candidates = [desk_order] + [o for o in candidates if o.pk != desk_order.pk]
    for i, o in enumerate(candidates):
        o.refresh_from_db()
        net = o.net_total
        first = (net * Decimal("0.4")).quantize(Decimal("0.01"))
        created = timezone.localtime(o.created_at, timezone.get_default_timezone()).date()
        if i == 0 and desk_order is not None:
            dues = [created + datetime.timedelta(days=20), today + datetime.timedelta(days=5),
                    today + datetime.timedelta(days=35)]  # the first is overdue
        else:
            dues = [max(created, today + datetime.timedelta(days=rng.randint(-3, 6))),
                    today + datetime.timedelta(days=rng.randint(25, 40)),
                    today + datetime.timedelta(days=rng.randint(55, 70))]
        amounts = [first, (net * Decimal("0.3")).quantize(Decimal("0.01"))]
        amounts.append(net - sum(amounts))
        seller = o.customer.owner if o.customer.owner_id and o.customer.owner.is_active else fin
        try:
            services.plan_set(actor=fresh(seller), order_id=o.pk, plans=[
                {"due_on": d.isoformat(), "amount": str(a), "note": n}
                for d, a, n in zip(dues, amounts, ("首期款", "第二期", "尾款"), strict=True) if a > 0])
            made["payment_plans"] += 1
        except (ApplicationError, NotFound, PermissionDenied):
            continue
    return made
