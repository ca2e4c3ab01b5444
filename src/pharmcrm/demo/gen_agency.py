"""The demo company's agency agreements (代理协议), consistent with the demo agents, their wanted
regions, the catalog's prices and the demo hospitals:

* exclusive province-level agreements and exclusive city-level ones (different products, so
  both are in force), one exclusive by named hospitals, non-exclusive ones overlapping the
  exclusives (allowed), one ending within the month (the "expiring" filter);
* last year's exclusive agreement, expired by the daily step; a terminated one (deposit
  forfeited) and one that ended early with the deposit refunded;
* drafts: one ready to go, and one exclusive draft that overlaps an agreement in force, so the
  page shows the pre-check and "生效" is refused with the conflicting agreement named.

Everything goes through ``agency.services`` as the agent's owner (so rights, THE overlap rule and
the audit trail are real); only the dates of the expired agreement are moved back after it was
put in force. Deterministic: ``random.Random(f"{seed}:agency")``.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from decimal import Decimal

from django.utils import timezone

from pharmcrm.agency import services
from pharmcrm.agency.conflicts import OverlapError
from pharmcrm.agency.models import AgencyAgreement
from pharmcrm.core import regions as R
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User

REBATES = (
    "季度完成任务量的100%，按回款额返利2%；年度完成120%，额外返利1%。",
    "按月结算，回款及时（30天内）返利1.5%；年度任务完成返利3%。",
    "年度任务完成90%以上返利2%，未完成不返；学术推广费用按实际发生另行核销。",
    "不设返利，招商价已含推广费用。",
)
NOTES = ("含学术会议支持每年2场", "首批进货不少于500件", "需提供医院开发进度月报", "", "")
TERMINATION = ("连续两个季度未完成任务量的50%", "代理商跨区域窜货，经核实属实")


def _fresh(user: User) -> User:
    user.__dict__.pop("headed_department_ids", None)
    user.__dict__.pop("role_codes", None)
    return user


def _prices() -> dict[int, tuple[Decimal, Decimal | None]]:
    """(agency price, supply price) per active product from the national price list."""
    from pharmcrm.catalog.models import Product, ProductPrice

    out: dict[int, tuple[Decimal, Decimal | None]] = {}
    today = timezone.localdate()
    rows = (ProductPrice.objects.filter(voided_at__isnull=True, region_code="", customer__isnull=True,
                                        valid_from__lte=today, kind__in=("agency", "supply", "retail"))
            .order_by("product_id", "kind", "valid_from").values_list("product_id", "kind", "price"))
    latest: dict[tuple[int, str], Decimal] = {}
    for pid, kind, price in rows:
        latest[(pid, kind)] = price
    for pid in Product.objects.filter(status="active").order_by("pk").values_list("pk", flat=True):
        retail = latest.get((pid, "retail"))
        agency = latest.get((pid, "agency")) or (retail * Decimal("0.45") if retail else Decimal("10"))
        supply = latest.get((pid, "supply")) or (retail * Decimal("0.6") if retail else None)
        out[pid] = (agency.quantize(Decimal("0.0001")), supply.quantize(Decimal("0.0001")) if supply else None)
    return out


def _province(code: str) -> str:
    return code[:2] + "0000"


def _city(code: str) -> str:
    r = R.region_get(code)
    path = R.region_path(code)
    if r is None or not path:
        return code
    cities = [p for p in path if p.level == R.CITY]
    return cities[0].code if cities else path[-1].code


def agency_load(*, seed: int, users: dict[str, User], today: datetime.date | None = None) -> dict[str, int]:
    rng = random.Random(f"{seed}:agency")
    today = today or timezone.localdate()
    prices = _prices()
    products = list(prices)
    if len(products) < 6:
        return {"agreements": 0}
    by_id = {u.pk: u for u in users.values()}
    agents = list(Customer.objects.filter(type__in=("agent", "distributor"), deleted_at__isnull=True,
                                          owner__isnull=False, owner_id__in=list(by_id))
                  .exclude(region_code="").order_by("pk"))
    # agents that told us where they want to work first (the availability card then shows something)
    wanted = set(Customer.objects.filter(pk__in=[a.pk for a in agents], wanted_regions__isnull=False)
                 .values_list("pk", flat=True))
    agents.sort(key=lambda a: (a.pk not in wanted, a.type != "agent", a.pk))
    used_provinces: set[str] = set()
    picked: list[Customer] = []
    for a in agents:  # spread over provinces: two exclusives in one province would collide
        p = _province(a.region_code)
        if p not in used_provinces:
            used_provinces.add(p)
            picked.append(a)
        if len(picked) == 9:
            break
    if len(picked) < 5:
        return {"agreements": 0}
    rng.shuffle(products)
    year_start, year_end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    n = 0

    def make(agent: Customer, *, product_ids, regions=(), hospitals=(), exclusive=True, start=year_start,
             end=year_end, deposit=Decimal("0"), activate=True, number="") -> AgencyAgreement | None:
        nonlocal n
        owner = _fresh(by_id[agent.owner_id])
        monthly = Decimal(rng.randrange(5, 40) * 10000)
        lines = []
        for pid in product_ids:
            agency, supply = prices[pid]
            lines.append({"product_id": pid, "agency_price": agency, "supply_price": supply,
                          "yearly_quantity": rng.randrange(2, 30) * 1000})
        try:
            a = services.agreement_create_full(
                actor=owner, agent_id=agent.pk, lines=lines, region_codes=list(regions),
                hospital_ids=list(hospitals),
                data={"number": number, "exclusive": exclusive, "start_date": start, "end_date": end,
                      "signed_date": start - datetime.timedelta(days=rng.randrange(3, 20)),
                      "monthly_target": monthly, "yearly_target": monthly * 12, "deposit_amount": deposit,
                      "rebate_terms": rng.choice(REBATES), "notes": rng.choice(NOTES)})
        except ApplicationError:
            return None
        n += 1
        if activate:
            with contextlib.suppress(OverlapError):  # the plan avoids overlaps; if not, it stays a draft
                a = services.agreement_activate(actor=owner, agreement_id=a.pk)
        if deposit and activate:
            services.agreement_deposit_update(actor=owner, agreement_id=a.pk, status="paid",
                                              on=min(today, start + datetime.timedelta(days=5)))
        return a

    p = products
    # 1. exclusive, province-level, two products
    prov = make(picked[0], product_ids=p[0:2], regions=[_province(picked[0].region_code)],
                deposit=Decimal("100000"))
    # 2. exclusive, city-level, other products (a city of another province)
    make(picked[1], product_ids=p[2:4], regions=[_city(picked[1].region_code)], deposit=Decimal("50000"))
    # 3. exclusive by named hospitals (those the owner sees in the agent's province)
    owner2 = by_id[picked[2].owner_id]
    hospitals = list(visibility.visible_customers(owner2).filter(type="hospital").exclude(region_code="")
                     .filter(region_code__startswith=picked[2].region_code[:2]).order_by("pk")
                     .values_list("pk", flat=True)[:3])
    if hospitals:
        make(picked[2], product_ids=p[4:5], hospitals=hospitals, deposit=Decimal("30000"))
    # 4. non-exclusive inside the province of agreement 1, same product: allowed
    make(picked[3], product_ids=p[0:1], regions=[_city(picked[0].region_code)], exclusive=False)
    # 5. exclusive, ending within the month (the "expiring" filter and the desktop)
    make(picked[3], product_ids=p[5:6], regions=[_city(picked[3].region_code)],
         start=today - datetime.timedelta(days=330), end=today + datetime.timedelta(days=rng.randrange(8, 25)),
         deposit=Decimal("20000"))
    # 6. last year's exclusive agreement: expired by the daily step
    old = make(picked[4], product_ids=p[2:3], regions=[_province(picked[4].region_code)],
               start=today, end=today + datetime.timedelta(days=1), number=f"DL-{today.year - 1}-0007")
    if old is not None and old.status == "active":
        AgencyAgreement.objects.filter(pk=old.pk).update(
            start_date=datetime.date(today.year - 1, 1, 1), end_date=datetime.date(today.year - 1, 12, 31),
            signed_date=datetime.date(today.year - 1, 12, 20))
        services.agreements_expire(today=today)
    # 7. terminated: targets missed, deposit forfeited
    if len(picked) > 5:
        t = make(picked[5], product_ids=p[3:4], regions=[_city(picked[5].region_code)], deposit=Decimal("40000"))
        if t is not None and t.status == "active":
            owner = _fresh(by_id[picked[5].owner_id])
            services.agreement_terminate(actor=owner, agreement_id=t.pk, reason=TERMINATION[0])
            services.agreement_deposit_update(actor=owner, agreement_id=t.pk, status="forfeited")
    # 8. drafts: one ready to go; one exclusive that overlaps agreement 1 (the pre-check shows it)
    if len(picked) > 6:
        make(picked[6], product_ids=p[4:6], regions=[_city(picked[6].region_code)], activate=False,
             start=year_end + datetime.timedelta(days=1), end=datetime.date(today.year + 1, 12, 31),
             deposit=Decimal("60000"))
    if prov is not None and len(picked) > 7:
        make(picked[7], product_ids=p[1:2], regions=[_city(picked[0].region_code)], activate=False)
    # 9. more exclusives in force with the remaining agents
    for agent in picked[8:]:
        make(agent, product_ids=p[6:8], regions=[_province(agent.region_code)], deposit=Decimal("80000"))
    return {"agreements": n}
