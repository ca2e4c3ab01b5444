"""The demo company's opportunities (销售机会) and quotations (报价记录).

About 60 opportunities on owned customers (not those of the rep who leaves during the load) over
every stage, written through ``opportunities.services`` (rights, lines, stage history, audit):
each starts at 初步接洽 and is moved stage by stage to where it is now, then the history is
dated back. Open ones close in the coming weeks; won and lost ones closed in the past months,
the lost ones with a reason and often a competitor. The demo login 张伟 (zhangwei) always has
several, two of them likely to close soon (商务谈判 and 方案报价, closing in about a week and two).

About 40 quotations in every status, written through ``quotations.services``: a dozen
customer × product pairs are quoted two to four times over the last months at changing prices
(first near the list price, then lower as the negotiation goes), so the price history shows how
the price moved; the older ones were accepted, rejected or expired, the newest are sent or
drafts. One accepted quotation was converted into an order draft. Deterministic:
``random.Random(f"{seed}:opportunities")``; times are offsets from the load's ``now``.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from pharmcrm.catalog import pricing
from pharmcrm.catalog.models import PriceKind, Product, ProductStatus
from pharmcrm.contacts.models import Employment
from pharmcrm.core.audit import audit_record
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import Customer
from pharmcrm.customers.profile_models import ShippingAddress
from pharmcrm.opportunities import services as opp_services
from pharmcrm.opportunities.models import Opportunity, Stage, StageChange, StageKind
from pharmcrm.org.models import User
from pharmcrm.quotations import services as quote_services
from pharmcrm.quotations.models import Quotation, Status

DAY = datetime.timedelta(days=1)
OPPORTUNITIES = 60
PAIRS = 13
DESK_USER = "zhangwei"
NAMES = ("{p}进院", "{p}新增采购", "{p}年度供货", "{p}替换竞品", "{p}科室推广", "{p}门店铺货", "{p}区域代理")
NEXT_STEPS = ("约药剂科主任面谈", "提交产品资料和报价", "准备药事会材料", "跟进招标挂网进度", "安排科室会",
              "确认首单数量和配送", "商务条款谈判", "等待院方预算审批")
LOSS_REASONS = ("价格高于竞品", "院方预算取消", "竞品已中标，两年内不再引进", "未能通过药事会", "客户选择了原研药")
COMPETITORS = ("辉瑞", "阿斯利康", "齐鲁制药", "扬子江药业", "石药集团", "")
TERMS = ("以上价格含13%增值税及运费；货到60天内付款。", "含税含运费，款到发货；最小起订量50盒。",
         "报价含税，配送至医院药库；账期90天。")
# target stage weights (names as seeded); the stage a new opportunity is moved to
STAGE_WEIGHTS = (("初步接洽", 10), ("需求确认", 10), ("方案报价", 10), ("商务谈判", 9), ("赢单", 12), ("输单", 9))


def _money(d: Decimal) -> Decimal:
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _customers(customer_ids, leaver_ids) -> list[Customer]:
    return list(Customer.objects.filter(pk__in=customer_ids, deleted_at__isnull=True, owner__isnull=False,
                                        owner__is_active=True)
                .exclude(owner_id__in=leaver_ids).select_related("owner").order_by("pk"))


def _date_back_opportunity(opp: Opportunity, times: list[datetime.datetime]) -> None:
    changes = list(StageChange.objects.filter(opportunity=opp).order_by("id"))
    for change, at in zip(changes, times, strict=False):
        StageChange.objects.filter(pk=change.pk).update(at=at)
    last = times[min(len(times), len(changes)) - 1]
    opp_row = Opportunity.objects.get(pk=opp.pk)
    fields = {"created_at": times[0], "updated_at": last}
    if opp_row.closed_at:
        fields["closed_at"] = last
    Opportunity.objects.filter(pk=opp.pk).update(**fields)
    AuditEvent.objects.filter(target_type="opportunity", target_id=opp.pk).update(created_at=last)
    AuditEvent.objects.filter(target_type="opportunity", target_id=opp.pk, action="opportunity_create").update(
        created_at=times[0])


def _opportunities(rng, customers, products, prices_of, users, fresh, now, today) -> int:
    stages = {s.name: s for s in Stage.objects.filter(active=True)}
    path = [s for s in sorted(stages.values(), key=lambda s: s.order) if s.kind == StageKind.OPEN]
    by_pk = {u.pk: u for u in users.values()}
    desk = users.get(DESK_USER)
    desk_customers = [c for c in customers if desk and c.owner_id == desk.pk]
    # 张伟 first: two likely to close soon, then a few others; then everyone's
    plan: list[tuple[Customer, str, int | None]] = []
    for c, (stage, days) in zip(desk_customers, (("商务谈判", 7), ("方案报价", 16), ("需求确认", 45), ("赢单", None),
                                                 ("初步接洽", 70)), strict=False):
        plan.append((c, stage, days))
    names, weights = zip(*STAGE_WEIGHTS, strict=True)
    while len(plan) < OPPORTUNITIES:
        c = rng.choice(customers)
        plan.append((c, rng.choices(names, weights)[0], None))
    made = 0
    for c, target_name, close_days in plan:
        target = stages.get(target_name)
        if target is None:
            continue
        owner = fresh(by_pk.get(c.owner_id, c.owner))
        chosen = rng.sample(products, k=min(len(products), rng.choice((1, 1, 2))))
        lines = []
        for p in chosen:
            qty = Decimal(rng.choice((50, 100, 200, 300, 500, 1000)))
            unit = prices_of(c).get(p.pk) or Decimal(rng.randint(8, 120))
            lines.append({"product_id": p.pk, "quantity": str(qty), "amount": str(_money(qty * unit * 12))})
        started = now - DAY * rng.uniform(20, 150)
        if target.kind == StageKind.OPEN:
            days = close_days if close_days is not None else rng.choice((5, 12, 20, 28, 40, 60, 90))
            close = today + datetime.timedelta(days=days)
        else:
            close = (now - DAY * rng.uniform(2, 15)).date()
        data = {"customer_id": c.pk, "name": rng.choice(NAMES).format(p=chosen[0].generic_name) if chosen else "新机会",
                "lines": lines, "expected_close_date": close.isoformat(), "next_step": rng.choice(NEXT_STEPS)}
        opp = opp_services.opportunity_create(actor=owner, data=data, now=started)
        steps = []
        if target.kind == StageKind.OPEN:
            steps = [s for s in path if s.order <= target.order and s.pk != path[0].pk]
        else:
            depth = rng.randint(1, len(path) - 1)
            steps = [*path[1:depth + 1], target]
        times = [started]
        end = now - DAY * (rng.uniform(16, 20) if target.kind != StageKind.OPEN else rng.uniform(0.5, 6))
        for i, s in enumerate(steps):
            kwargs = {}
            if s.kind == StageKind.LOST:
                kwargs = {"loss_reason": rng.choice(LOSS_REASONS), "competitor": rng.choice(COMPETITORS)}
            opp_services.opportunity_move(actor=owner, opportunity_id=opp.pk, stage_id=s.pk, **kwargs)
            times.append(started + (end - started) * (i + 1) / len(steps))
        _date_back_opportunity(opp, times)
        made += 1
    return made


def _send(q: Quotation, actor: User, sent: datetime.datetime) -> None:
    """Mark sent as it happened then (the service refuses a send after the validity passed)."""
    Quotation.objects.filter(pk=q.pk, status=Status.DRAFT).update(status=Status.SENT, sent_at=sent, updated_at=sent)
    audit_record(actor=actor, action="quotation_send", target=q, customer_id=q.customer_id,
                 changes={"status": [Status.DRAFT, Status.SENT]})


def _quotations(rng, customers, products, prices_of, users, fresh, now, today) -> dict[str, int]:
    by_pk = {u.pk: u for u in users.values()}
    with_address = set(ShippingAddress.objects.filter(customer_id__in=[c.pk for c in customers], is_active=True)
                       .values_list("customer_id", flat=True))
    people: dict[int, list[int]] = {}
    for e in Employment.objects.filter(customer_id__in=[c.pk for c in customers], end_date__isnull=True,
                                       contact__deleted_at__isnull=True).order_by("-is_primary", "pk"):
        people.setdefault(e.customer_id, []).append(e.contact_id)
    desk = users.get(DESK_USER)
    desk_customers = [c for c in customers if desk and c.owner_id == desk.pk]
    pool = desk_customers[:3] + rng.sample(customers, k=min(len(customers), PAIRS - len(desk_customers[:3])))
    made, converted = 0, 0
    latest_accepted: Quotation | None = None
    for c in pool:
        product = rng.choice(products)
        owner = fresh(by_pk.get(c.owner_id, c.owner))
        base = prices_of(c).get(product.pk) or Decimal(rng.randint(10, 90))
        rounds = rng.choice((2, 3, 3, 4))
        start = rng.uniform(100, 160)
        price = base * Decimal(rng.choice(("1.05", "1.00", "0.98")))
        for r in range(rounds):
            last = r == rounds - 1
            # the rounds spread over the last months; the last one in the past days
            when = now - DAY * (start * (rounds - 1 - r) / (rounds - 1) + rng.uniform(1, 8))
            valid_days = rng.choice((15, 30, 30, 60))
            data = {"customer_id": c.pk, "valid_until": (timezone.localtime(when).date()
                                                         + datetime.timedelta(days=valid_days)).isoformat(),
                    "terms": rng.choice(TERMS),
                    "lines": [{"product_id": product.pk, "quantity": str(rng.choice((100, 200, 500, 1000))),
                               "unit_price": str(price.quantize(Decimal("0.01")))}]}
            if people.get(c.pk):
                data["contact_id"] = people[c.pk][0]
            q = quote_services.quotation_create(actor=owner, data=data, now=when)
            made += 1
            if last and rng.random() < 0.3:
                continue  # the newest is still a draft
            sent = when + DAY * rng.uniform(0.1, 1)
            _send(q, owner, sent)
            q.refresh_from_db()
            if last and q.valid_until >= today:
                continue  # sent, waiting for the customer
            decided = sent + DAY * rng.uniform(2, 10)
            fate = "expired" if q.valid_until < today and rng.random() < 0.4 else rng.choice(
                ("accepted", "rejected", "rejected"))
            if fate == "expired":
                continue  # the daily step below expires it
            Quotation.objects.filter(pk=q.pk, status=Status.SENT).update(status=fate, decided_at=decided,
                                                                           updated_at=decided)
            audit_record(actor=owner, action=f"quotation_{'accept' if fate == 'accepted' else 'reject'}", target=q,
                         customer_id=c.pk, changes={"status": [Status.SENT, fate]})
            if fate == "accepted" and c.pk in with_address and product.status == ProductStatus.ACTIVE:
                latest_accepted = q
            price = price * Decimal(rng.choice(("0.97", "0.95", "0.93")))  # the next round is lower
    if latest_accepted is not None:
        owner = fresh(by_pk.get(latest_accepted.customer.owner_id, latest_accepted.customer.owner))
        quote_services.quotation_create_order(actor=owner, quotation_id=latest_accepted.pk)
        converted = 1
    expired = quote_services.quotations_expire(today=today)
    return {"quotations": made, "quotations_expired": expired, "quotations_converted": converted}


def opportunities_load(*, seed: int, customer_ids: list[int], users: dict[str, User], fresh,
                       now: datetime.datetime, leaver_ids: set[int] = frozenset()) -> dict[str, int]:
    rng = random.Random(f"{seed}:opportunities")
    today = timezone.localtime(now).date()
    products = list(Product.objects.filter(status=ProductStatus.ACTIVE).order_by("pk"))
    customers = _customers(customer_ids, leaver_ids)
    if not customers or not products:
        return {"opportunities": 0, "quotations": 0}
    cache: dict[int, dict[int, Decimal]] = {}

    def prices_of(customer) -> dict[int, Decimal]:
        if customer.pk not in cache:
            cache[customer.pk] = {pid: p.price for pid, p in pricing.price_map(
                product_ids=[p.pk for p in products], kind=PriceKind.SUPPLY, on_date=today,
                customer=customer).items()}
        return cache[customer.pk]

    made = _opportunities(rng, customers, products, prices_of, users, fresh, now, today)
    return {"opportunities": made, **_quotations(rng, customers, products, prices_of, users, fresh, now, today)}
