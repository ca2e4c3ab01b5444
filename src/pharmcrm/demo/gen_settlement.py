"""The demo company's after-sales on the real orders (runs after orders, the invoice ledger and
payments): what finance and the warehouse find at first login.

* **Returns** (退货单) on shipped/received orders: one waiting for finance (钱芳), one approved with
  the goods expected by the warehouse (蒋涛), one received back into its batch, one rejected;
* **stored invoices from the orders' balances** (存票): finance invoices the balances of most
  shipped and received orders whose customers have invoicing data, some in part; an order that is
  also fully paid closes by itself (``sales.closing``);
* **a pre-invoice consumed by a real order** (预开票): finance pre-invoices a product for one of
  张伟's customers, then 张伟's order of that product passes review and consumes it at once; the
  order page shows which invoice covered it.
Deterministic (``random.Random(f"{seed}:settlement")``); dates are offsets from ``now``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pharmcrm.core.errors import ApplicationError
from pharmcrm.org.models import User

FINANCE, WAREHOUSE, DESK_USER = "qianfang", "jiangtao", "zhangwei"
RETURN_REASONS = ["外包装运输破损，客户拒收部分", "近效期，客户要求退回换批", "医院调整用药目录，退回未用完部分",
                  "发错规格，退回后补发"]


def _header(rng, customer, days_ago: int, today: datetime.date, **kw) -> dict:
    head = {"issued_on": today - datetime.timedelta(days=days_ago),
            "tax_invoice_number": f"{rng.randint(10000000, 99999999)}", "medium": "electronic", **kw}
    if customer.type in ("hospital", "clinic"):
        head["invoice_chain"] = f"生产企业→{customer.name[:20]}：生产企业发票号 {rng.randint(10000000, 99999999)}"
    return head


def _returns(rng, orders, fin, keeper, rep_of, now) -> int:
    from pharmcrm.sales import returns
    from pharmcrm.sales.models import OrderEvent, OrderLineAllocation, ReturnOrder

    made = 0
    for fate, order in zip(("requested", "approved", "received", "rejected"), orders, strict=False):
        alloc = OrderLineAllocation.objects.filter(line__order=order).order_by("id").first()
        if alloc is None:
            continue
        qty = max(Decimal(1), (alloc.quantity / 5).quantize(Decimal(1)))
        rep = rep_of(order)
        try:
            with transaction.atomic():
                ret = returns.return_request(actor=rep, order_id=order.pk, data={
                    "reason": rng.choice(RETURN_REASONS), "lines": [{"allocation_id": alloc.pk, "quantity": qty}]})
                if fate in ("approved", "received"):
                    returns.return_approve(actor=fin, return_id=ret.pk)
                if fate == "received" and keeper is not None:
                    returns.return_receive(actor=keeper, return_id=ret.pk, note="已验收，包装完好，退回原批号")
                if fate == "rejected":
                    returns.return_reject(actor=fin, return_id=ret.pk, reason="已超过退货期限，且药品已拆零，不予退货")
        except ApplicationError:
            continue
        back = now - datetime.timedelta(days=rng.randint(1, 3), hours=rng.randint(1, 5))
        ReturnOrder.objects.filter(pk=ret.pk).update(created_at=back)
        OrderEvent.objects.filter(order=order, at__gte=now - datetime.timedelta(minutes=30)).update(at=back)
        made += 1
    return made


def settlement_load(*, seed: int, users: dict[str, User], fresh, now: datetime.datetime) -> dict[str, int]:
    from pharmcrm.customers.profile_models import InvoiceProfile
    from pharmcrm.invoicing import services as invoicing
    from pharmcrm.invoicing.models import SaleEntry
    from pharmcrm.invoicing.sales_hooks import SOURCE
    from pharmcrm.sales import services as sales
    from pharmcrm.sales.models import SalesOrder, Status

    rng = random.Random(f"{seed}:settlement")
    fin, keeper, desk = users.get(FINANCE), users.get(WAREHOUSE), users.get(DESK_USER)
    if fin is None:
        return {}
    fin, keeper = fresh(fin), (fresh(keeper) if keeper else None)
    today = timezone.localdate(now)
    counts = {"returns": 0, "order_invoices": 0, "orders_closed": 0}
    shipped = list(SalesOrder.objects.filter(status__in=(Status.SHIPPED, Status.RECEIVED))
                   .select_related("customer__owner", "created_by").order_by("pk"))
    if not shipped:
        return counts

    def rep_of(order):
        return fresh(order.created_by)

    with_profile = set(InvoiceProfile.objects.filter(customer_id__in=[o.customer_id for o in shipped])
                       .values_list("customer_id", flat=True))
    # returns on orders without a profile first (so the invoiced ones stay whole), then any
    pool = sorted(shipped, key=lambda o: (o.customer_id in with_profile, o.pk))
    counts["returns"] = _returns(rng, pool[:4], fin, keeper, rep_of, now)

    # stored invoices from the orders' balances: most shipped/received orders, some in part
    for n, order in enumerate(o for o in shipped if o.customer_id in with_profile):
        if n % 4 == 3:
            continue  # left un-invoiced: the backlog finance sees
        entries = [e for e in SaleEntry.objects.filter(source_type=SOURCE, source_id__in=order.lines.values("pk"))
                   if e.open_quantity > 0]
        if not entries:
            continue
        sel = [{"sale_entry_id": e.pk} for e in entries]
        if n % 4 == 2 and entries[0].open_quantity > 1:  # part of the first line only
            sel = [{"sale_entry_id": entries[0].pk, "quantity": (entries[0].open_quantity / 2).quantize(Decimal(1))}]
        try:
            with transaction.atomic():
                invoicing.invoice_issue(actor=fin, customer_id=order.customer_id,
                                        header=_header(rng, order.customer, rng.randint(0, 3), today), selections=sel)
            counts["order_invoices"] += 1
        except ApplicationError:
            continue

    # a pre-invoice, then 张伟's order of that product consumes it when finance approves it
    if desk is not None:
        desk = fresh(desk)
        order = (SalesOrder.objects.filter(created_by=desk, status__in=(Status.SHIPPED, Status.RECEIVED),
                                           customer_id__in=InvoiceProfile.objects.values("customer_id"))
                 .order_by("pk").first()
                 or SalesOrder.objects.filter(created_by=desk, customer_id__in=InvoiceProfile.objects.values(
                     "customer_id")).exclude(status=Status.CANCELLED).order_by("pk").first())
        if order is not None:
            line = order.lines.order_by("position").first()
            try:
                with transaction.atomic():
                    pre = invoicing.pre_invoice_issue(
                        actor=fin, customer_id=order.customer_id,
                        header=_header(rng, order.customer, 2, today, remarks="预开票：客户年度采购计划首批"),
                        lines=[{"product_id": line.product_id, "unit_price": line.unit_price,
                                "quantity": line.quantity * 3, "tax_rate": line.tax_rate}])
                    new = sales.order_create(actor=desk, data={
                        "customer_id": order.customer_id, "shipping_address_id": order.shipping_address_id,
                        "terminal_type": order.terminal_type, "notes": f"按预开票 {pre.number} 供货（第二批）",
                        "lines": [{"product_id": line.product_id, "quantity": line.quantity,
                                   "unit_price": line.unit_price}]})
                    sales.order_submit(actor=desk, order_id=new.pk)
                    sales.order_approve(actor=fin, order_id=new.pk, override_reason="预开票客户，按年度计划供货")
                counts["pre_invoice_orders"] = 1
            except ApplicationError:
                pass
    counts["orders_closed"] = SalesOrder.objects.filter(status=Status.CLOSED).count()
    return counts
