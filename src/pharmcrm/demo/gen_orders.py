"""The demo company's sales orders (销售订单): about 40 orders of the reps' customers in every
state, written through ``sales.services`` (rights, numbers, review, listeners, timeline, audit,
notifications) and then dated back to when they happened.

* drafts (one rejected by finance with a reason, one with a price exception waiting for a head),
  orders submitted and waiting for finance (钱芳), approved ones waiting for the warehouse (蒋涛),
  issued, shipped and received ones, one cancelled;
* outbound uses the demo stock (demo/gen_inventory.py, FEFO) when the inventory app and its
  batches are there; an order whose stock is short stays approved;
* only customers whose qualification file is complete go past finance (the review would refuse
  the others); prices are the customers' list prices, never below the floor unless an exception
  is asked for;
* the demo login 张伟 always has a rejected draft and orders at finance; times are offsets from the
  load's ``now`` (whole days back plus a few hours), so the load works at any hour.
Deterministic: ``random.Random(f"{seed}:orders")``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from pharmcrm.catalog import pricing
from pharmcrm.catalog.models import PriceKind, Product, ProductStatus
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers.models import Customer
from pharmcrm.org.models import User

H = datetime.timedelta(hours=1)
DESK_USER = "zhangwei"
FINANCE, WAREHOUSE = "qianfang", "jiangtao"
# the fates, in the order they are made; days back (each order's steps follow a few hours apart)
PLAN = (["rejected", "submitted", "submitted", "exception"]  # 张伟's
        + ["draft"] * 6 + ["submitted"] * 5 + ["approved"] * 6 + ["outbound"] * 3 + ["shipped"] * 7
        + ["received"] * 6 + ["cancelled"])
DAYS = {"draft": (1, 6), "rejected": (2, 6), "exception": (1, 4), "submitted": (1, 4), "approved": (1, 5),
        "outbound": (1, 4), "shipped": (3, 20), "received": (10, 60), "cancelled": (3, 15)}
CARRIERS = ("顺丰速运", "京东物流", "中通快递", "九州通物流", "国药物流")
NOTES = ("", "", "", "请随货附检验报告。", "收货时间：工作日 9:00-16:00。", "医院药库收货，需提前电话联系。")


def _price(product_id: int, customer) -> Decimal:
    today = timezone.localdate()
    for kind in (PriceKind.SUPPLY, PriceKind.AGENCY):
        p = pricing.price_for(product=product_id, kind=kind, on_date=today, customer=customer)
        if p:
            floor = pricing.price_for(product=product_id, kind=PriceKind.FLOOR, on_date=today, customer=customer)
            return max(p.price, floor.price) if floor else p.price
    floor = pricing.price_for(product=product_id, kind=PriceKind.FLOOR, on_date=today, customer=customer)
    return (floor.price * Decimal("1.15")).quantize(Decimal("0.01")) if floor else Decimal("25.00")


def _shift(order, base: datetime.datetime) -> None:
    """Date the order and its timeline back: the k-th event at ``base`` + k × 3 hours."""
    from pharmcrm.sales.models import OrderEvent, SalesOrder

    order = SalesOrder.objects.get(pk=order.pk)  # the caller's instance predates the transitions
    events = list(OrderEvent.objects.filter(order=order).order_by("at", "id"))
    times = {}
    for k, e in enumerate(events):
        e.at = base + 3 * H * k
        times.setdefault(e.kind, e.at)
    OrderEvent.objects.bulk_update(events, ["at"])
    values = {"created_at": base, "updated_at": events[-1].at if events else base}
    for kind, field in (("submitted", "submitted_at"), ("approved", "approved_at"), ("outbound", "outbound_at"),
                        ("cancelled", "cancelled_at")):
        if kind in times and getattr(order, field):
            values[field] = times[kind]
    if "shipped" in times:
        values["shipped_on"] = timezone.localtime(times["shipped"]).date()
    if "received" in times:
        values["received_on"] = timezone.localtime(times["received"]).date()
    SalesOrder.objects.filter(pk=order.pk).update(**values)


def orders_load(*, seed: int, customer_ids: list[int], users: dict[str, User], fresh, now: datetime.datetime,
                leaver_ids: set[int] = frozenset()) -> dict[str, int]:
    from pharmcrm.qualifications.models import CustomerQualificationState
    from pharmcrm.sales import services

    rng = random.Random(f"{seed}:orders")
    complete = set(CustomerQualificationState.objects.filter(complete=True).values_list("customer_id", flat=True))
    customers = [c for c in Customer.objects.filter(
        pk__in=customer_ids, deleted_at__isnull=True, owner__isnull=False, owner__is_active=True,
        shipping_addresses__is_active=True).exclude(owner_id__in=leaver_ids).select_related("owner")
        .distinct().order_by("pk")]
    products = list(Product.objects.filter(status=ProductStatus.ACTIVE).order_by("pk").values_list("pk", flat=True))
    fin, keeper = users.get(FINANCE), users.get(WAREHOUSE)
    if not customers or not products or fin is None:
        return {"orders": 0}
    fin, keeper = fresh(fin), fresh(keeper) if keeper else None
    stock = apps.is_installed("pharmcrm.inventory")
    if stock:
        from pharmcrm.inventory.models import Batch

        stock = Batch.objects.filter(on_hand__gt=0).exists()
    desk = users.get(DESK_USER)
    desk_customers = [c for c in customers if desk and c.owner_id == desk.pk and c.pk in complete]
    qualified = [c for c in customers if c.pk in complete]
    made = {"orders": 0, "orders_outbound": 0}
    for i, fate in enumerate(PLAN):
        needs_review = fate not in ("draft", "rejected", "exception")
        if i < 4 and desk_customers:
            c = desk_customers[i % len(desk_customers)]
        else:
            pool = qualified if (needs_review and qualified) else customers
            c = rng.choice(pool)
        if needs_review and fate != "submitted" and c.pk not in complete:
            fate = "submitted"  # finance would refuse an incomplete qualification file
        rep = fresh(c.owner)
        address = c.shipping_addresses.filter(is_active=True).order_by("-is_default", "pk").first()
        terminal = {"hospital": "public_hospital", "clinic": "public_hospital", "chain": "pharmacy",
                    "pharmacy": "pharmacy"}.get(c.type, "agent")
        lines = []
        for pid in rng.sample(products, k=min(len(products), rng.choice((1, 1, 2, 2, 3)))):
            qty = Decimal(rng.choice((10, 20, 30, 50, 60, 100, 120, 200)))
            lines.append({"product_id": pid, "quantity": qty, "unit_price": _price(pid, c)})
        floor = None
        if fate == "exception":
            today = timezone.localdate()
            for ln in lines:
                f = pricing.price_for(product=ln["product_id"], kind=PriceKind.FLOOR, on_date=today, customer=c)
                if f and f.price > 1:
                    ln["unit_price"] = (f.price * Decimal("0.92")).quantize(Decimal("0.01"))
                    floor = ln
                    break
        order = None
        try:
            order = services.order_create(actor=rep, data={
                "customer_id": c.pk, "shipping_address_id": address.pk, "terminal_type": terminal,
                "notes": rng.choice(NOTES), "lines": lines})
            made["orders"] += 1
            if fate == "exception" and floor is not None:
                line = order.lines.get(product_id=floor["product_id"])
                services.price_exception_request(actor=rep, order_id=order.pk, line_id=line.pk,
                                                 reason="竞品在该院中标价更低，客户要求按此价供货，量大且回款稳定。")
            if fate in ("draft", "exception"):
                pass
            elif fate == "rejected":
                services.order_submit(actor=rep, order_id=order.pk)
                services.order_reject(actor=fin, order_id=order.pk,
                                      reason="收货地址与开票资料不一致，请核对后重新提交。")
            else:
                services.order_submit(actor=rep, order_id=order.pk)
                if fate == "cancelled":
                    services.order_cancel(actor=rep, order_id=order.pk, reason="客户改为下月统一采购。")
                elif fate != "submitted":
                    services.order_approve(actor=fin, order_id=order.pk, override_reason="老客户，地址变更已电话确认。")
                    if fate in ("outbound", "shipped", "received") and stock and keeper:
                        try:
                            services.order_outbound(actor=keeper, order_id=order.pk)
                            made["orders_outbound"] += 1
                        except ApplicationError:
                            fate = "approved"  # short of stock: waits for the warehouse
                        if fate in ("shipped", "received"):
                            services.order_ship(actor=keeper, order_id=order.pk, carrier=rng.choice(CARRIERS),
                                                tracking_no=f"SF{rng.randrange(10**11, 10**12)}")
                        if fate == "received":
                            services.order_receive(actor=rep, order_id=order.pk)
        except ApplicationError:
            if order is None:
                continue
            order.refresh_from_db()
            fate = order.status  # e.g. a review check refused it: it stays where it got
        lo, hi = DAYS.get(fate, (1, 5))
        base = now - datetime.timedelta(days=rng.randint(lo, hi)) - H * rng.uniform(0, 2)
        _shift(order, base)
    return made
