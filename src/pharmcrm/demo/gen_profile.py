"""The demo customers' 360° profiles: invoicing data consistent with their names and credit codes,
shipping addresses (one default), wanted regions of agents, products of interest, product
fields, key accounts linking agents to demo hospitals, competitors, hospital grades and beds,
and two pharmacy chains with their stores.

Everything is written through ``customers.profile_services`` (and ``customers.services`` for the
hospital fields and the new stores) as the customer's owner, so the demo carries the same audit
trail and invariants as data entered in the UI. Deterministic: ``random.Random(f"{seed}:profile")``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from pharmcrm.core import regions as R
from pharmcrm.customers import profile_services as ps
from pharmcrm.customers import services as customer_services
from pharmcrm.customers.models import Customer, CustomerType, HospitalGrade
from pharmcrm.demo import vocabulary as v
from pharmcrm.org import visibility
from pharmcrm.org.models import User

BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "浦发银行", "中信银行",
         "兴业银行", "上海银行")
COMPETITORS: tuple[tuple[str, str], ...] = (
    ("扬子江药业", "银杏叶片、蓝芩口服液"), ("齐鲁制药", "头孢克肟分散片、注射用头孢曲松钠"),
    ("石药集团", "丁苯酞软胶囊、玄宁"), ("正大天晴", "恩替卡韦分散片、异甘草酸镁注射液"),
    ("科伦药业", "大输液、注射用头孢唑林钠"), ("华润三九", "感冒灵颗粒、参附注射液"),
    ("以岭药业", "连花清瘟胶囊、通心络胶囊"), ("步长制药", "脑心通胶囊、稳心颗粒"),
    ("天士力", "复方丹参滴丸、养血清脑颗粒"), ("复星医药", "注射用还原型谷胱甘肽"),
    ("康恩贝", "肠炎宁片、前列康"), ("白云山", "头孢硫脒、板蓝根颗粒"),
)
COMPETITOR_NOTES = ("返点约15%，账期60天", "当地代理商强势，与药剂科关系好", "价格比我们低约8%", "学术推广活动多",
                    "已进当地医保目录，放量快", "只做二级以上医院", "配送及时，服务好")
WANTED_NOTES = ("主做县级医院", "已有团队覆盖", "希望独家代理", "计划明年开拓", "基层市场为主", "")
KEY_ACCOUNT_NOTES = ("与药剂科主任是老同学", "院长亲戚", "长期配送合作", "与采购科关系好", "临床科室主任熟悉",
                     "曾代理过该院的产品", "")
INTEREST_NOTES = ("需要样品和学术资料", "询问招商价和保证金", "希望独家代理", "关注医保报销情况", "")
AREAS = ("cardio", "anti_infective", "oncology", "digestive", "respiratory", "endocrine", "neuro", "orthopedics",
         "women_children", "dermatology", "tcm")
ADDRESS_NOTES = ("收货时间 9:00–16:00", "仓库在后门，请提前电话联系", "周末不收货", "需随货同行单两份", "")
TIERS = {"三级甲等": HospitalGrade.L3A, "三级乙等": HospitalGrade.L3B, "二级甲等": HospitalGrade.L2A,
         "二级乙等": HospitalGrade.L2B, "一级甲等": HospitalGrade.L1}
STORE_STREETS = ("花木", "潍坊", "陆家嘴", "人民路", "解放路", "中山路", "建设路", "新华路", "文化路", "幸福路")


def _city_of(region_code: str) -> v.City | None:
    for city in v.CITIES.values():
        if any(code == region_code for _name, code in city.districts) or city.code == region_code:
            return city
    return None


def _account(rng: random.Random) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(rng.choice((16, 17, 19))))


def _fresh(user: User) -> User:
    user.__dict__.pop("headed_department_ids", None)
    user.__dict__.pop("role_codes", None)
    return user


def profiles_load(*, seed: int, customers: Sequence, customer_ids: Sequence[int], deleted: set[int],
                  users: dict[str, User]) -> dict[str, int]:
    """Fill the profiles of a good share of the demo customers. ``customers`` are the plan's
    ``DemoCustomer`` rows (owner username, data), ``customer_ids`` their ids, ``deleted`` the
    indexes of the ones in the recycle bin (left alone)."""
    rng = random.Random(f"{seed}:profile")
    from pharmcrm.core.models import AuditEvent

    first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    counts = dict.fromkeys(("invoice_profiles", "shipping_addresses", "wanted_regions", "product_fields",
                            "products_of_interest", "key_accounts", "competitors", "hospitals_graded",
                            "chain_stores"), 0)
    from pharmcrm.catalog.models import Product

    products = list(Product.objects.filter(status="active").order_by("pk").values_list("pk", flat=True))
    hospitals_seen: dict[int, list[tuple[int, str]]] = {}

    def visible_hospitals(owner: User) -> list[tuple[int, str]]:
        if owner.pk not in hospitals_seen:
            hospitals_seen[owner.pk] = list(
                visibility.visible_customers(owner).filter(type__in=("hospital", "clinic"))
                .order_by("pk").values_list("pk", "region_code")
            )
        return hospitals_seen[owner.pk]

    # the owner now (earlier demo steps may have moved or merged a customer), and who is gone
    by_id = {u.pk: u for u in users.values()}
    now_owner = dict(Customer.objects.filter(pk__in=customer_ids, deleted_at__isnull=True, owner__isnull=False)
                     .values_list("pk", "owner_id"))
    for i, (c, cid) in enumerate(zip(customers, customer_ids, strict=True)):
        if i in deleted or cid not in now_owner or now_owner[cid] not in by_id:
            continue
        data, kind = c.data, c.data["type"]
        owner = _fresh(by_id[now_owner[cid]])
        city = _city_of(data["region_code"])
        if kind in (CustomerType.HOSPITAL, CustomerType.CLINIC):
            _hospital_fields(rng, owner, cid, data)
            counts["hospitals_graded"] += 1
        # invoicing data: companies with a credit code, most of them
        if data["credit_code"] and rng.random() < 0.75:
            invoice_type = ("vat_special" if kind in ("distributor", "hospital", "agent", "chain")
                            else rng.choice(("vat_normal", "electronic")))
            bank = rng.choice(BANKS)
            district = next((n for n, code in city.districts if code == data["region_code"]), "") if city else ""
            ps.invoice_profile_save(actor=owner, customer_id=cid, data={
                "title": data["name"], "taxpayer_id": data["credit_code"], "address": data["address"],
                "phone": data["phone"], "bank": f"{bank}{city.name if city else ''}{district or '营业部'}支行"
                .replace("营业部支行", "营业部"),
                "account": _account(rng), "invoice_type": invoice_type,
            })
            counts["invoice_profiles"] += 1
        # shipping addresses: 1-3, the first is the default; sometimes the default moves
        if city and kind != CustomerType.OTHER and rng.random() < 0.7:
            n = rng.choice((1, 1, 2, 2, 3))
            made = []
            for k in range(n):
                district = city.districts[0 if k == 0 else rng.randrange(len(city.districts))]
                if k == 0:
                    district = next((d for d in city.districts if d[1] == data["region_code"]), district)
                made.append(ps.shipping_address_create(actor=owner, customer_id=cid, data={
                    "receiver": v.person_name(rng), "phone": v.mobile(rng), "region_code": district[1],
                    "address": v.address(rng, city, district) if k else data["address"],
                    "notes": rng.choice(ADDRESS_NOTES),
                }))
            if len(made) > 1 and rng.random() < 0.3:
                ps.shipping_address_set_default(actor=owner, customer_id=cid, address_id=made[-1].pk)
            if len(made) == 3 and rng.random() < 0.3:  # an old warehouse no longer used
                ps.shipping_address_deactivate(actor=owner, customer_id=cid, address_id=made[1].pk)
            counts["shipping_addresses"] += len(made)
        if kind == CustomerType.AGENT and rng.random() < 0.8:
            counts["wanted_regions"] += _wanted_regions(rng, owner, cid, data["region_code"])
        if kind in ("agent", "distributor", "chain", "pharmacy") and rng.random() < 0.7:
            for area in _areas(rng, data["notes"]):
                volume = rng.choice((None, rng.randrange(20, 800) * 10000))
                ps.product_field_add(actor=owner, customer_id=cid, data={"area": area, "annual_volume": volume})
                counts["product_fields"] += 1
        if products and kind in ("agent", "distributor", "chain") and rng.random() < 0.6:
            for product_id in rng.sample(products, min(len(products), rng.randrange(1, 4))):
                ps.product_interest_add(actor=owner, customer_id=cid,
                                        data={"product_id": product_id, "note": rng.choice(INTEREST_NOTES)})
                counts["products_of_interest"] += 1
        if kind in ("agent", "distributor") and rng.random() < 0.75:
            counts["key_accounts"] += _key_accounts(rng, owner, cid, data["region_code"], visible_hospitals(owner))
        if kind in ("agent", "distributor", "hospital", "chain") and rng.random() < 0.45:
            for name, pushed in rng.sample(COMPETITORS, rng.randrange(1, 3)):
                ps.competitor_create(actor=owner, customer_id=cid, data={
                    "name": name, "products": pushed, "notes": rng.choice(COMPETITOR_NOTES)})
                counts["competitors"] += 1
    counts["chain_stores"] = _chains(rng, customers, customer_ids, deleted, users)
    _date_back(first_event)
    return counts


def _date_back(first_event: int) -> None:
    """Date the profile's audit events (and the rows they made) to the customer's first weeks
    in the system, as if filled in at onboarding, instead of all at the moment of the load."""
    import datetime

    from django.utils import timezone

    from pharmcrm.core.models import AuditEvent

    now = timezone.now()
    events = list(AuditEvent.objects.filter(pk__gt=first_event, customer_id__isnull=False)
                  .exclude(action="create").order_by("pk"))
    since = dict(Customer.objects.filter(pk__in={e.customer_id for e in events}).values_list("pk", "created_at"))
    step: dict[int, int] = {}
    for e in events:
        n = step[e.customer_id] = step.get(e.customer_id, 0) + 1
        at = since[e.customer_id] + datetime.timedelta(days=1 + e.customer_id % 9, minutes=7 * n)
        e.created_at = min(at, now - datetime.timedelta(minutes=30 - min(n, 29)))
    AuditEvent.objects.bulk_update(events, ["created_at"], batch_size=500)


def _hospital_fields(rng: random.Random, owner: User, cid: int, data: dict) -> None:
    notes = data["notes"]
    if data["type"] == CustomerType.HOSPITAL:
        grade = next((g for tier, g in TIERS.items() if tier in notes), HospitalGrade.L2)
        beds_match = re.search(r"床位约(\d+)张", notes)
        beds = int(beds_match.group(1)) if beds_match else rng.randrange(100, 800)
        ownership = "private" if "民营" in notes else "public"
    else:
        grade = rng.choice((HospitalGrade.L1, HospitalGrade.NONE))
        beds = rng.randrange(2, 12) * 10
        ownership = "public" if data["credit_code"].startswith("12") else "private"
    customer_services.customer_update(actor=owner, customer_id=cid, data={
        "hospital_grade": str(grade), "beds": max(1, beds), "ownership": ownership})


def _wanted_regions(rng: random.Random, owner: User, cid: int, region_code: str) -> int:
    path = R.region_path(region_code)
    if not path:
        return 0
    province = path[0]
    options = [r.code for r in R.region_children(province.code) if r.code != region_code]
    picks = [path[1].code if len(path) > 2 else region_code]  # its own city first
    picks += rng.sample(options, min(len(options), rng.randrange(0, 3)))
    if rng.random() < 0.15:
        picks.append(province.code)  # the whole province
    added = 0
    for code in dict.fromkeys(picks):
        ps.wanted_region_add(actor=owner, customer_id=cid, data={"region_code": code, "note": rng.choice(WANTED_NOTES)})
        added += 1
    return added


def _areas(rng: random.Random, notes: str) -> list[str]:
    named = {"心脑血管": "cardio", "抗感染": "anti_infective", "消化系统": "digestive", "呼吸系统": "respiratory",
             "妇儿": "women_children", "骨科": "orthopedics", "肿瘤辅助": "oncology", "中成药": "tcm",
             "糖尿病": "endocrine", "神经系统": "neuro", "皮肤科": "dermatology"}
    areas = [code for word, code in named.items() if word in notes]
    if not areas:
        areas = rng.sample(AREAS, rng.randrange(1, 3))
    return areas[:3]


def _key_accounts(rng: random.Random, owner: User, cid: int, region_code: str,
                  hospitals: list[tuple[int, str]]) -> int:
    local = [pk for pk, code in hospitals if code[:4] == region_code[:4] and pk != cid]
    pool = local or [pk for pk, _code in hospitals if pk != cid]
    added = 0
    for pk in rng.sample(pool, min(len(pool), rng.randrange(1, 4))):
        ps.key_account_add(actor=owner, customer_id=cid, data={
            "hospital_id": pk, "strength": rng.choice((1, 2, 2, 3)), "note": rng.choice(KEY_ACCOUNT_NOTES)})
        added += 1
    return added


def _chains(rng: random.Random, customers: Sequence, customer_ids: Sequence[int], deleted: set[int],
            users: dict[str, User]) -> int:
    """Two chains get stores: new single-pharmacy customers named after the chain, owned by the
    chain's owner, in the chain's city, each pointing at its head office."""
    by_id = {u.pk: u for u in users.values()}
    now_owner = dict(Customer.objects.filter(pk__in=customer_ids, deleted_at__isnull=True, owner__isnull=False)
                     .values_list("pk", "owner_id"))
    chains = [(c, cid) for i, (c, cid) in enumerate(zip(customers, customer_ids, strict=True))
              if c.data["type"] == CustomerType.CHAIN and i not in deleted and c.data["short_name"]
              and _city_of(c.data["region_code"]) and now_owner.get(cid) in by_id]
    made = 0
    used = set(Customer.objects.values_list("name", flat=True))
    for c, cid in chains[:2]:
        owner = _fresh(by_id[now_owner[cid]])
        city = _city_of(c.data["region_code"])
        brand = c.data["short_name"]
        for street in rng.sample(STORE_STREETS, rng.randrange(3, 6)):
            name = f"{city.name}{brand}（{street}店）"
            if name in used:
                continue
            used.add(name)
            district = rng.choice(city.districts)
            store = customer_services.customer_create(actor=owner, data={
                "type": "pharmacy", "name": name, "short_name": f"{brand}{street}店",
                "credit_code": v.credit_code(rng, district[1], "91"), "region_code": district[1],
                "address": v.address(rng, city, district), "phone": v.landline(rng, city),
                "status": "active", "grade": rng.choice(("B", "C")), "source": "referral",
                "notes": f"{brand}直营门店，由总部统一采购、统一配送。",
            })
            ps.customer_set_head_office(actor=owner, customer_id=store.pk, chain_id=cid)
            made += 1
    return made
