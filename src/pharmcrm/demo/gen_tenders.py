"""The demo company's tenders (投标) and platform listings (挂网).

About 25 tenders in every state, across provinces: most run by 韦琳 (weilin, the tender
specialist), a few by 张伟 and his heads, some for hospital customers (a hospital's own
tender). Written through ``tenders.services`` (numbers, rights, floor-price approvals, timeline,
audit) and then dated back. One won tender carries competitors' prices; one tender's bid below
the floor price was approved by a head, another waits for a head's decision. Deadlines fall
1, 3 and 7 days after the load (and two within the week for 张伟), so the deadline reminders
(sent at the end of the load, as ``crm_daily`` would) and My Desktop's card show at first
login. About 30 listings per product × province in every state. Deterministic:
``random.Random(f"{seed}:tenders")``; times are offsets from the load's ``now``.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from pharmcrm.catalog import pricing
from pharmcrm.catalog.models import PriceKind, Product, ProductStatus
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.tenders import listing_services, services
from pharmcrm.tenders.daily_steps import deadline_remind
from pharmcrm.tenders.models import Tender, TenderEvent, TenderLine

D = datetime.timedelta(days=1)
PROVINCES = ("310000", "320000", "330000", "440000", "510000", "500000", "110000", "420000", "370000", "350000")
PROVINCE_NAMES = {"310000": "上海市", "320000": "江苏省", "330000": "浙江省", "440000": "广东省", "510000": "四川省",
                  "500000": "重庆市", "110000": "北京市", "420000": "湖北省", "370000": "山东省", "350000": "福建省"}
PROJECTS = ("{p}第十批药品集中带量采购", "{p}医药集中采购平台挂网议价", "{p}公立医疗机构药品联合采购",
            "{p}短缺药品挂网采购", "{p}省际联盟集采（化药）", "{p}GPO药品集团采购")
TYPES = ("vbp", "provincial", "hospital", "provincial", "vbp", "gpo")
COMPETITORS = ("齐鲁制药", "扬子江药业", "石药集团", "正大天晴", "恒瑞医药", "华海药业")
COURIERS = ("顺丰速运", "EMS", "京东物流")
# (fate, owner, with a hospital customer?)
PLAN = (
    [("tracking", "weilin", False)] * 3 + [("tracking", "zhangwei", True)]
    + [("registered", "weilin", False)] * 2 + [("registered", "lijing", True)]
    + [("preparing", "weilin", False)] * 2 + [("preparing", "zhangwei", True)]
    + [("submitted", "weilin", False)] * 3
    + [("won", "weilin", False)] * 2 + [("won", "wanghaifeng", True)]
    + [("lost", "weilin", False)] * 2 + [("lost", "zhangwei", True)]
    + [("cancelled", "weilin", False)] * 2
    + [("executing", "weilin", False)] * 2 + [("expired", "weilin", False)]
)
LISTING_FATES = ("listed",) * 12 + ("applying",) * 6 + ("not_applied",) * 5 + ("suspended",) * 4 + ("delisted",) * 3


def _money(d: Decimal, places: str = "0.0001") -> Decimal:
    return d.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def tenders_load(*, seed: int, users: dict[str, User], fresh, now: datetime.datetime) -> dict[str, int]:
    rng = random.Random(f"{seed}:tenders")
    weilin = users.get("weilin")
    if weilin is None:
        return {"tenders": 0, "listings": 0}
    products = list(Product.objects.filter(status=ProductStatus.ACTIVE).order_by("pk")[:40])
    if not products:
        return {"tenders": 0, "listings": 0}
    floors = {pid: p.price for pid, p in pricing.price_map(product_ids=[p.pk for p in products], kind=PriceKind.FLOOR,
                                                          on_date=timezone.localdate(now)).items()}
    hospitals: dict[int, list[Customer]] = {}
    for c in Customer.objects.filter(type="hospital", deleted_at__isnull=True, owner__isnull=False).order_by("pk"):
        hospitals.setdefault(c.owner_id, []).append(c)
    local_now = timezone.localtime(now)
    # deadlines that remind at first login: 1, 3 and 7 days from the load (10:00 local)
    soon = [datetime.datetime.combine(local_now.date() + n * D, datetime.time(10), tzinfo=local_now.tzinfo)
            for n in (1, 3, 7)]
    made: list[Tender] = []
    for i, (fate, owner_name, tied) in enumerate(PLAN):
        owner = fresh(users.get(owner_name) or weilin)
        actor = weilin if owner_name == "weilin" else owner
        province = PROVINCES[i % len(PROVINCES)]
        k = rng.randrange(len(PROJECTS))
        customer = None
        if tied:  # a hospital the owner sees (their own first)
            pool = hospitals.get(owner.pk) or list(
                visibility.visible_customers(owner).filter(type="hospital").order_by("pk")[:50])
            customer = pool[rng.randrange(len(pool))] if pool else None
            if customer is not None and (customer.region_code or "")[:2] + "0000" in PROVINCE_NAMES:
                province = customer.region_code[:2] + "0000"  # a hospital tenders in its own province
        open_state = fate in ("tracking", "registered", "preparing", "submitted")
        announced = (now - rng.randint(10, 40) * D) if open_state else (now - rng.randint(90, 400) * D)
        if open_state:
            reg = announced + 20 * D
            doc = reg + 7 * D
            opening = doc + 3 * D
            if fate == "tracking" and i < len(soon):
                reg, doc, opening = soon[i], soon[i] + 5 * D, soon[i] + 9 * D
            elif fate == "registered" and owner_name == "weilin":
                doc, opening = soon[(i + 1) % 3], soon[(i + 1) % 3] + 4 * D
            elif fate in ("preparing", "submitted"):
                opening = soon[i % 3] + rng.randint(0, 1) * D
            if owner_name == "zhangwei":
                opening = now + 2 * D + 3 * datetime.timedelta(hours=1)
        else:
            reg, doc, opening = announced + 15 * D, announced + 22 * D, announced + 25 * D
        data = {"name": PROJECTS[k].format(p=PROVINCE_NAMES[province]) if not customer
                else f"{customer.name}药品采购招标", "type": "hospital" if customer else TYPES[k],
                "province": province, "purchasing_body": customer.name if customer else
                f"{PROVINCE_NAMES[province]}药品和医用耗材集中采购中心",
                "customer_id": customer.pk if customer else None, "owner_id": owner.pk,
                "announced_on": timezone.localtime(announced).date(), "registration_deadline": reg,
                "document_deadline": doc, "bid_opening_at": opening,
                "bond_amount": Decimal(rng.choice((5000, 10000, 20000, 50000))),
                "next_follow_up_on": (now + rng.randint(1, 10) * D).date() if open_state else None}
        if fate not in ("tracking",):
            data["bond_paid_on"] = timezone.localtime(announced + 10 * D).date()
        if fate in ("submitted", "won", "lost", "executing", "expired"):
            data.update(documents_sent_on=timezone.localtime(announced + 18 * D).date(),
                        courier=rng.choice(COURIERS), tracking_number=f"SF{rng.randint(10**11, 10**12 - 1)}")
        t = services.tender_create(actor=actor, data=data, now=announced)
        chosen = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
        lines = []
        for j, p in enumerate(chosen):
            floor = floors.get(p.pk) or Decimal("10")
            ceiling = _money(floor * Decimal("1.6"))
            bid = _money(floor * Decimal(rng.choice(("1.05", "1.12", "1.2", "1.3"))))
            below = (fate == "submitted" and i == 12 and j == 0) or (fate == "preparing" and owner_name == "zhangwei"
                                                                        and j == 0)
            if below:
                bid = _money(floor * Decimal("0.92"))
            lines.append(services.tender_line_add(actor=actor, tender_id=t.pk, data={
                "product_id": p.pk, "quantity": Decimal(rng.choice((2000, 5000, 12000, 30000))),
                "ceiling_price": ceiling, "bid_price": bid if fate != "tracking" else None}))
        steps = {"tracking": [], "registered": ["register"], "preparing": ["register", "prepare"],
                 "submitted": ["register", "prepare", "submit"], "cancelled": ["register", "cancel"],
                 "won": ["register", "prepare", "submit", "win"], "lost": ["register", "prepare", "submit", "lose"],
                 "executing": ["register", "prepare", "submit", "win", "execute"],
                 "expired": ["register", "prepare", "submit", "win", "execute", "expire"]}[fate]
        for step in steps:
            if step == "submit":
                for b in services.below_floor(t):
                    exc = services.price_exception_request(actor=actor, line_id=b["line"].pk,
                                                           reason="集采竞争激烈，报价需低于底价才能入围，量大可摊薄成本。")
                    head = services.heads_above(fresh(owner))
                    approver = fresh(User.objects.get(pk=head[-1])) if head else users["admin"]
                    services.price_exception_decide(actor=approver, exception_id=exc.pk, approve=True,
                                                    note="同意，注意控制总量。")
                services.tender_submit(actor=actor, tender_id=t.pk)
            elif step == "win":
                prices = {ln.pk: _money(ln.bid_price * Decimal("0.98")) for ln in lines[:2]}
                services.tender_win(actor=actor, tender_id=t.pk, winning_prices=prices)
            elif step == "lose":
                for ln in lines:
                    services.competitor_price_add(actor=actor, line_id=ln.pk, competitor=rng.choice(COMPETITORS),
                                                  price=_money(ln.bid_price * Decimal("0.85")))
                services.tender_lose(actor=actor, tender_id=t.pk, reason=rng.choice((
                    "竞争对手报价低15%，我方价格无优势。", "技术标评分不足，未进入拟中选名单。", "质量层次划分不利，同组竞品过多。")))
            elif step == "cancel":
                services.tender_cancel(actor=actor, tender_id=t.pk, note="采购方发布公告终止本次采购。")
            else:
                services.ACTION_SERVICES[step](actor=actor, tender_id=t.pk)
        if fate == "preparing" and owner_name == "zhangwei" and services.below_floor(t):
            line = services.below_floor(t)[0]["line"]
            services.price_exception_request(actor=owner, line_id=line.pk,
                                             reason="对手报价已低于我方底价，不降价无法入围。")
        if fate in ("won", "lost", "executing", "expired"):
            result = timezone.localtime(announced + 30 * D).date()
            Tender.objects.filter(pk=t.pk).update(result_on=result)
            TenderEvent.objects.filter(tender=t).exclude(kind="created").update(at=announced + 28 * D)
        made.append(t)
    made = list(Tender.objects.filter(pk__in=[t.pk for t in made]).order_by("pk"))
    # one won tender with the competitors' prices recorded
    won = next((t for t in made if t.status == "won"), None)
    if won:
        for ln in TenderLine.objects.filter(tender=won).order_by("pk"):
            for name in rng.sample(COMPETITORS, 3):
                services.competitor_price_add(actor=weilin, line_id=ln.pk, competitor=name,
                                              price=_money((ln.bid_price or Decimal(1)) * Decimal(
                                                  rng.choice(("0.96", "1.03", "1.08", "1.15")))))
    expired = next((t for t in made if t.status == "expired"), None)
    if expired:
        services.tender_renew(actor=weilin, tender_id=expired.pk, note="上一轮执行期满，跟踪新一轮采购。")
    # platform listings: product × province, in every state
    listings = 0
    pairs = [(p, prov) for p in products[:10] for prov in PROVINCES[:6]]
    rng.shuffle(pairs)
    for (p, prov), fate in zip(pairs, LISTING_FATES, strict=False):
        floor = floors.get(p.pk) or Decimal("10")
        listing = listing_services.listing_create(actor=weilin, data={
            "product_id": p.pk, "province": prov, "platform_code": f"XC{prov[:2]}{p.pk:05d}",
            "listing_price": _money(floor * Decimal("1.5")),
            "distributors": "、".join(rng.sample(("国药控股", "上海医药", "华润医药", "九州通", "重药控股"), 2))})
        path = {"not_applied": [], "applying": ["apply"], "listed": ["apply", "list"],
                "suspended": ["apply", "list", "suspend"], "delisted": ["apply", "list", "delist"]}[fate]
        day = timezone.localtime(now).date() - rng.randint(60, 500) * D
        for k, action in enumerate(path):
            listing_services.listing_transition(actor=weilin, listing_id=listing.pk, action=action,
                                                on=day + k * 30 * D)
        listings += 1
    reminders = deadline_remind(day=timezone.localtime(now).date())
    return {"tenders": Tender.objects.count(), "listings": listings, "tender_reminders": reminders}
