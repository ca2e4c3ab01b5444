"""The demo company: a realistic, deterministic pharma investment-promotion company.

Two steps: ``demo_plan(seed)`` draws everything with ``random.Random(seed)`` into plain
data (no database), and ``demo_load(seed)`` writes that plan through the services
(departments with their closure rows, users with roles, heads, share groups, customers with
their search keys, shares, a soft delete, a departed rep whose customers were transferred),
so the demo data carries the same audit trail and invariants as data entered in the UI.
The same seed gives the same company.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import services as customer_services
from pharmcrm.customers.models import Customer, CustomerGrade, CustomerSource, CustomerStatus, CustomerType
from pharmcrm.demo import vocabulary as v
from pharmcrm.org import services as org_services
from pharmcrm.org.models import Role, User, UserRole

DEFAULT_SEED = 20240501
DEMO_PASSWORD = "demo123"
ADMIN_USERNAME = "admin"

# fmt: off
# (name, parent, cities its people work in)
DEPARTMENTS: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("总部", None, ("上海",)),
    ("华东大区", "总部", ("上海", "南京", "杭州")),
    ("上海办事处", "华东大区", ("上海",)),
    ("浦东组", "上海办事处", ("上海",)),
    ("浦西组", "上海办事处", ("上海",)),
    ("江苏办事处", "华东大区", ("南京", "苏州", "无锡")),
    ("南京组", "江苏办事处", ("南京",)),
    ("苏州组", "江苏办事处", ("苏州", "无锡")),
    ("浙江办事处", "华东大区", ("杭州", "宁波")),
    ("华南大区", "总部", ("广州", "深圳", "福州")),
    ("广东办事处", "华南大区", ("广州", "深圳", "佛山", "东莞")),
    ("广州组", "广东办事处", ("广州", "佛山")),
    ("深圳组", "广东办事处", ("深圳", "东莞")),
    ("福建办事处", "华南大区", ("福州", "厦门")),
    ("华北大区", "总部", ("北京", "济南")),
    ("北京办事处", "华北大区", ("北京",)),
    ("山东办事处", "华北大区", ("济南", "青岛")),
    ("西南大区", "总部", ("成都", "重庆")),
    ("四川办事处", "西南大区", ("成都", "绵阳")),
    ("重庆办事处", "西南大区", ("重庆",)),
    ("商务部", "总部", ()),
    ("财务部", "总部", ()),
    ("仓储物流部", "总部", ()),
    ("招投标部", "总部", ()),
    ("客服部", "总部", ()),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    department: str
    title: str
    roles: tuple[str, ...] = (Role.SALES_REP,)
    heads: tuple[str, ...] = ()
    customers: int = 0  # how many customers this person owns
    key_accounts: bool = False  # heads keep hospitals, distributors and chains
    leaves: str | None = None  # username of the successor when this person leaves the company


REP = (Role.SALES_REP,)
USERS: list[DemoUser] = [
    DemoUser("zhoujianguo", "周建国", "总部", "总经理", REP, ("总部",), 3, True),
    DemoUser("chenzhiqiang", "陈志强", "华东大区", "华东大区总监", REP, ("华东大区",), 5, True),
    DemoUser("wanghaifeng", "王海峰", "上海办事处", "上海办事处经理", REP, ("上海办事处",), 5, True),
    DemoUser("lijing", "李静", "浦东组", "浦东组组长", REP, ("浦东组",), 9, True),
    DemoUser("zhangwei", "张伟", "浦东组", "招商经理", REP, (), 20),
    DemoUser("liuyang", "刘洋", "浦东组", "招商经理", REP, (), 16),
    DemoUser("zhaomin", "赵敏", "浦东组", "招商专员", REP, (), 12),
    DemoUser("sunli", "孙丽", "浦西组", "浦西组组长", REP, ("浦西组",), 8, True),
    DemoUser("huanglei", "黄磊", "浦西组", "招商经理", REP, (), 17),
    DemoUser("wuting", "吴婷", "浦西组", "招商经理", REP, (), 13),
    DemoUser("caoyang", "曹阳", "浦西组", "招商专员", REP, (), 10, leaves="wuting"),
    DemoUser("xuming", "徐明", "江苏办事处", "江苏办事处经理", REP, ("江苏办事处",), 6, True),
    DemoUser("guotao", "郭涛", "南京组", "南京组组长", REP, ("南京组",), 7, True),
    DemoUser("songjia", "宋佳", "南京组", "招商经理", REP, (), 14),
    DemoUser("zhuli", "朱丽", "苏州组", "苏州组组长", REP, ("苏州组",), 7, True),
    DemoUser("hanbing", "韩冰", "苏州组", "招商经理", REP, (), 13),
    DemoUser("jiangpeng", "蒋鹏", "浙江办事处", "浙江办事处经理", REP, ("浙江办事处",), 8, True),
    DemoUser("panxiaoyan", "潘晓燕", "浙江办事处", "招商经理", REP, (), 14),
    DemoUser("linguodong", "林国栋", "华南大区", "华南大区总监", REP, ("华南大区",), 5, True),
    DemoUser("zhengwei", "郑伟", "广东办事处", "广东办事处经理", REP, ("广东办事处",), 5, True),
    DemoUser("hexiaoyan", "何晓燕", "广州组", "广州组组长", REP, ("广州组",), 8, True),
    DemoUser("liangwenjie", "梁文杰", "广州组", "招商经理", REP, (), 17),
    DemoUser("luojia", "罗佳", "广州组", "招商专员", REP, (), 12),
    DemoUser("xieyu", "谢宇", "深圳组", "深圳组组长", REP, ("深圳组",), 8, True),
    DemoUser("xuqing", "许晴", "深圳组", "招商经理", REP, (), 15),
    DemoUser("yebin", "叶斌", "福建办事处", "福建办事处经理", REP, ("福建办事处",), 8, True),
    DemoUser("sumin", "苏敏", "福建办事处", "招商经理", REP, (), 11),
    DemoUser("majun", "马骏", "华北大区", "华北大区总监", REP, ("华北大区",), 5, True),
    DemoUser("gaofeng", "高峰", "北京办事处", "北京办事处经理", REP, ("北京办事处",), 7, True),
    DemoUser("hanxue", "韩雪", "北京办事处", "招商经理", REP, (), 17),
    DemoUser("fengchao", "冯超", "北京办事处", "招商专员", REP, (), 13),
    DemoUser("shaoliang", "邵亮", "山东办事处", "山东办事处经理", REP, ("山东办事处",), 7, True),
    DemoUser("kongdeming", "孔德明", "山东办事处", "招商经理", REP, (), 12),
    DemoUser("yangfan", "杨帆", "西南大区", "西南大区总监", REP, ("西南大区",), 5, True),
    DemoUser("denglei", "邓磊", "四川办事处", "四川办事处经理", REP, ("四川办事处",), 7, True),
    DemoUser("tangjing", "唐静", "四川办事处", "招商经理", REP, (), 15),
    DemoUser("pengkai", "彭凯", "四川办事处", "招商专员", REP, (), 11),
    DemoUser("zenghongmei", "曾红梅", "重庆办事处", "重庆办事处经理", REP, ("重庆办事处",), 7, True),
    DemoUser("xiangyuhang", "向宇航", "重庆办事处", "招商经理", REP, (), 11),
    DemoUser("shenjiayi", "沈佳怡", "商务部", "商务内勤", (Role.SALES_ADMIN,), ("商务部",)),
    DemoUser("lvxiaohong", "吕晓红", "商务部", "商务内勤", (Role.SALES_ADMIN,)),
    DemoUser("qianfang", "钱芳", "财务部", "财务经理", (Role.FINANCE,), ("财务部",)),
    DemoUser("fanglin", "方琳", "财务部", "会计", (Role.FINANCE,)),
    DemoUser("jiangtao", "蒋涛", "仓储物流部", "仓储主管 / 质量负责人", (Role.WAREHOUSE,), ("仓储物流部",)),
    DemoUser("weilin", "韦琳", "招投标部", "招投标专员", (Role.TENDER,), ("招投标部",)),
    DemoUser("yaoqian", "姚倩", "客服部", "客服专员", (Role.SERVICE,), ("客服部",)),
]

# (name, description, members)
SHARE_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("学术推广组", "负责学术会议、科室会，跟进重点代理商的学术推广", (
        "zhangwei", "liangwenjie", "hanxue", "tangjing", "panxiaoyan", "shenjiayi")),
    ("重点医院攻关组", "三甲医院准入与临床推广攻关", (
        "lijing", "sunli", "hexiaoyan", "gaofeng", "denglei", "weilin")),
    ("连锁药店拓展组", "全国连锁药店总部谈判与门店拓展", (
        "luojia", "wuting", "songjia", "xuqing", "yaoqian")),
]

# Who the demo_logins table shows, in order: (username, what to try with this login).
LOGINS: list[tuple[str, str]] = [
    (ADMIN_USERNAME, "Administrator (sees everything)"),
    ("zhoujianguo", "CEO, head of the company"),
    ("chenzhiqiang", "Regional head"),
    ("wanghaifeng", "Office head"),
    ("lijing", "Team head"),
    ("zhangwei", "Sales rep"),
    ("liangwenjie", "Sales rep"),
    ("qianfang", "Finance"),
    ("jiangtao", "Warehouse / quality"),
]

TYPE_WEIGHTS_REP = {
    CustomerType.AGENT: 38, CustomerType.DISTRIBUTOR: 8, CustomerType.HOSPITAL: 16, CustomerType.CLINIC: 12,
    CustomerType.CHAIN: 6, CustomerType.PHARMACY: 15, CustomerType.OTHER: 5,
}
TYPE_WEIGHTS_HEAD = {
    CustomerType.AGENT: 15, CustomerType.DISTRIBUTOR: 30, CustomerType.HOSPITAL: 35, CustomerType.CHAIN: 15,
    CustomerType.OTHER: 5,
}
STATUS_WEIGHTS = {
    CustomerStatus.PROSPECT: 38, CustomerStatus.ACTIVE: 37, CustomerStatus.DORMANT: 15, CustomerStatus.LOST: 10,
}
GRADE_WEIGHTS = {CustomerGrade.A: 15, CustomerGrade.B: 35, CustomerGrade.C: 30, "": 20}
SOURCE_WEIGHTS = {
    CustomerSource.VISIT: 25, CustomerSource.REFERRAL: 25, CustomerSource.EXHIBITION: 15,
    CustomerSource.WEBSITE: 10, CustomerSource.TENDER: 10, CustomerSource.CAMPAIGN: 10, CustomerSource.OTHER: 5,
}
PRODUCT_FIELDS = ("心脑血管", "抗感染", "消化系统", "呼吸系统", "妇儿", "骨科", "肿瘤辅助", "中成药", "糖尿病",
                  "神经系统", "眼科", "皮肤科")
TIERS = {"三级甲等": (800, 3000), "三级乙等": (500, 1200), "二级甲等": (200, 700), "二级乙等": (100, 400),
         "一级甲等": (30, 120)}

# fmt: on


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class DemoCustomer:
    owner: str
    data: dict
    age_days: int  # created this many days before the load
    touched_days: int  # last updated this many days before the load


@dataclass(frozen=True)
class DemoShare:
    customer: int  # index into DemoPlan.customers
    access: str
    user: str | None = None
    group: str | None = None


@dataclass
class DemoPlan:
    seed: int
    customers: list[DemoCustomer] = field(default_factory=list)
    shares: list[DemoShare] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)


class _Names:
    """Draws customer names that are unique within the company, as the duplicate check sees them
    (``name_key``: 上海济民医药有限公司 and 上海济民医药股份有限公司 are the same customer)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def unique(self, make) -> str:
        from pharmcrm.customers.duplicate_keys import name_key

        for _ in range(200):
            name = make()
            if name_key(name) not in self.used:
                self.used.add(name_key(name))
                return name
        raise RuntimeError("could not draw a unique customer name")


def _company(rng: random.Random, names: _Names, city: v.City, suffixes: tuple[str, ...]) -> tuple[str, str]:
    """A unique company name 城市+字号+后缀 and its trade name (字号)."""
    trade = ""

    def make() -> str:
        nonlocal trade
        trade = rng.choice(v.TRADE_NAMES)
        return f"{city.name}{trade}{rng.choice(suffixes)}"

    return names.unique(make), trade


def _customer(rng: random.Random, names: _Names, kind: str, city: v.City) -> dict:
    district = rng.choice(city.districts)
    short = code = notes = ""
    phone = v.landline(rng, city)
    if kind == CustomerType.AGENT and rng.random() < 0.3:  # an individual agent (自然人代理)
        name = names.unique(lambda: v.person_name(rng))
        phone = v.mobile(rng)
        fields = "、".join(rng.sample(PRODUCT_FIELDS, 2))
        notes = f"自然人代理，主做{district[0]}二级及以下医院和基层市场，擅长{fields}产品。"
    elif kind == CustomerType.AGENT:
        name, trade = _company(rng, names, city, v.AGENT_COMPANY_SUFFIXES)
        short = trade + ("药业" if "药业" in name else "生物" if "生物" in name else "医药")
        code = v.credit_code(rng, district[1])
        fields = "、".join(rng.sample(PRODUCT_FIELDS, 2))
        notes = f"区域代理，覆盖{city.name}{rng.randrange(5, 40)}家医疗机构，主推{fields}。"
    elif kind == CustomerType.DISTRIBUTOR:
        name, trade = _company(rng, names, city, v.DISTRIBUTOR_SUFFIXES)
        short = trade + "医药"
        code = v.credit_code(rng, district[1])
        notes = f"{city.province}两票制配送商，配送覆盖{rng.randrange(20, 300)}家医院。"
    elif kind == CustomerType.HOSPITAL:
        tier, public = "", True

        def hospital() -> str:
            nonlocal tier, public
            pattern, tier = rng.choice(v.HOSPITAL_PATTERNS)
            public = "{trade}" not in pattern
            return pattern.format(
                city=city.name,
                district=district[0],
                trade=rng.choice(v.TRADE_NAMES),
                n=rng.choice("一二三四五六七八九十"),
            )

        name = names.unique(hospital)
        code = v.credit_code(rng, district[1], "12" if public else "52")
        lo, hi = TIERS[tier]
        notes = f"{tier}，{'公立' if public else '民营'}，床位约{rng.randrange(lo, hi) // 10 * 10}张。"
    elif kind == CustomerType.CLINIC:
        name = names.unique(
            lambda: rng.choice(v.CLINIC_PATTERNS).format(
                city=city.name,
                district=district[0],
                street=rng.choice(v.STREETS),
                trade=rng.choice(v.TRADE_NAMES),
            )
        )
        code = v.credit_code(rng, district[1], "12" if "社区" in name or "卫生院" in name else "52")
    elif kind == CustomerType.CHAIN:
        name, trade = _company(rng, names, city, v.CHAIN_SUFFIXES)
        short = trade + "大药房"
        code = v.credit_code(rng, district[1])
        notes = f"{city.province}连锁，门店约{rng.randrange(30, 900)}家，总部统一采购。"
    elif kind == CustomerType.PHARMACY:
        name = names.unique(
            lambda: (
                f"{city.name}{rng.choice(v.TRADE_NAMES)}{rng.choice(v.PHARMACY_SUFFIXES)}"
                f"（{rng.choice(v.STREETS)}店）"
            )
        )
        code = v.credit_code(rng, district[1], "92" if rng.random() < 0.6 else "91")
    else:

        def other() -> str:
            suffix = rng.choice(v.OTHER_SUFFIXES)
            return f"{city.name}{'市' if suffix.endswith('协会') else rng.choice(v.TRADE_NAMES)}{suffix}"

        name = names.unique(other)
        code = v.credit_code(rng, district[1], "51" if name.endswith("协会") else "91")
    return {
        "type": str(kind),
        "name": name,
        "short_name": short,
        "credit_code": code,
        # agents often cover a whole city: about a third are recorded at city level (上海: the municipality)
        "region_code": city.code if kind == CustomerType.AGENT and len(name) % 3 == 0 else district[1],
        "address": v.address(rng, city, district),
        "phone": phone,
        "notes": notes,
        "status": str(_pick(rng, STATUS_WEIGHTS)),
        "grade": str(_pick(rng, GRADE_WEIGHTS)),
        "source": str(_pick(rng, SOURCE_WEIGHTS)),
    }


def demo_plan(seed: int = DEFAULT_SEED) -> DemoPlan:
    """Everything the demo company contains, drawn deterministically from ``seed``."""
    rng = random.Random(seed)
    names = _Names(rng)
    cities = {name: c for name, _, c in DEPARTMENTS}
    plan = DemoPlan(seed=seed)
    for u in USERS:
        weights = TYPE_WEIGHTS_HEAD if u.key_accounts else TYPE_WEIGHTS_REP
        for _ in range(u.customers):
            city = v.CITIES[rng.choice(cities[u.department])]
            data = _customer(rng, names, _pick(rng, weights), city)
            age = rng.randrange(3, 720)
            plan.customers.append(DemoCustomer(u.username, data, age, rng.randrange(0, min(age, 90) + 1)))
    group_members = {g: set(m) for g, _, m in SHARE_GROUPS}
    users = {u.username: u for u in USERS}
    for i, c in enumerate(plan.customers):
        kind, grade = c.data["type"], c.data["grade"]
        r = rng.random()
        if kind == CustomerType.HOSPITAL and "三级" in c.data["notes"] and r < 0.45:
            plan.shares.append(DemoShare(i, "read", group="重点医院攻关组"))
        elif kind == CustomerType.AGENT and grade in ("A", "B") and r < 0.3:
            plan.shares.append(DemoShare(i, "read", group="学术推广组"))
        elif kind == CustomerType.CHAIN and r < 0.5:
            plan.shares.append(DemoShare(i, "write", group="连锁药店拓展组"))
        if kind in (CustomerType.DISTRIBUTOR, CustomerType.HOSPITAL) and rng.random() < 0.15:
            plan.shares.append(DemoShare(i, "write", user="shenjiayi"))  # sales admin prepares their orders
        if kind == CustomerType.HOSPITAL and rng.random() < 0.2:
            plan.shares.append(DemoShare(i, "read", user="weilin"))  # tender specialist
        if (
            kind == CustomerType.DISTRIBUTOR
            and c.data["status"] == CustomerStatus.ACTIVE
            and rng.random() < 0.3
        ):
            plan.shares.append(DemoShare(i, "read", user="qianfang"))  # finance checks credit
        if rng.random() < 0.04:  # a colleague from another team helps with this one
            peers = [
                u.username
                for u in USERS
                if u.customers
                and not u.leaves
                and u.username != c.owner
                and users[u.username].department != users[c.owner].department
            ]
            plan.shares.append(DemoShare(i, rng.choice(("read", "write")), user=rng.choice(peers)))
    # shares to a group the owner belongs to are pointless; drop them
    plan.shares = [
        s for s in plan.shares if not (s.group and plan.customers[s.customer].owner in group_members[s.group])
    ]
    lost = [i for i, c in enumerate(plan.customers) if c.data["status"] == CustomerStatus.LOST]
    plan.deleted = sorted(rng.sample(lost, min(3, len(lost))))
    return plan


def _department_order() -> list[str]:
    return [name for name, _, _ in DEPARTMENTS]


@transaction.atomic
def demo_load(seed: int = DEFAULT_SEED, *, password: str = DEMO_PASSWORD) -> dict[str, int]:
    """Write the demo company into an empty database. Returns counts of what was created."""
    plan = demo_plan(seed)
    now = timezone.now()

    admin = User(
        username=ADMIN_USERNAME, full_name="系统管理员", email="admin@example.com", title="系统管理员"
    )
    admin.set_password(password)
    admin.save()
    UserRole.objects.create(user=admin, role=Role.ADMIN)

    depts: dict[str, int] = {}
    for order, (name, parent, _) in enumerate(DEPARTMENTS):
        dept = org_services.department_create(
            actor=admin, name=name, parent_id=depts[parent] if parent else None, sort_order=order * 10
        )
        depts[name] = dept.pk
    org_services.user_update(actor=admin, user_id=admin.pk, department_id=depts["总部"])

    users: dict[str, User] = {ADMIN_USERNAME: admin}
    for u in USERS:
        users[u.username] = org_services.user_create(
            actor=admin,
            username=u.username,
            full_name=u.full_name,
            password=password,
            department_id=depts[u.department],
            email=f"{u.username}@example.com",
            phone=v.mobile(random.Random(f"{seed}:{u.username}")),
            title=u.title,
            roles=u.roles,
        )
    heads: dict[str, list[int]] = {}
    for u in USERS:
        for d in u.heads:
            heads.setdefault(d, []).append(users[u.username].pk)
    for d in _department_order():
        if d in heads:
            org_services.department_set_heads(actor=admin, department_id=depts[d], user_ids=heads[d])

    groups: dict[str, int] = {}
    for name, description, members in SHARE_GROUPS:
        groups[name] = org_services.share_group_save(
            actor=admin, name=name, description=description, member_ids=[users[m].pk for m in members]
        ).pk

    customer_ids: list[int] = []
    for c in plan.customers:
        owner = _fresh(users[c.owner])
        customer_ids.append(customer_services.customer_create(actor=owner, data=c.data).pk)
    for s in plan.shares:
        owner = _fresh(users[plan.customers[s.customer].owner])
        customer_services.share_create(
            actor=owner,
            customer_id=customer_ids[s.customer],
            access=s.access,
            user_id=users[s.user].pk if s.user else None,
            group_id=groups[s.group] if s.group else None,
        )
    for i in plan.deleted:
        customer_services.customer_delete(
            actor=_fresh(users[plan.customers[i].owner]), customer_id=customer_ids[i]
        )

    # Spread creation and last-change times over the last two years, as in a real database.
    rows = Customer.objects.in_bulk(customer_ids)
    for cid, c in zip(customer_ids, plan.customers, strict=True):
        created = now - datetime.timedelta(days=c.age_days, minutes=(cid * 37) % 600)
        rows[cid].created_at = created
        rows[cid].updated_at = max(
            created, now - datetime.timedelta(days=c.touched_days, minutes=(cid * 53) % 600)
        )
    Customer.objects.bulk_update(rows.values(), ["created_at", "updated_at"], batch_size=500)
    events = list(AuditEvent.objects.filter(action="create", target_type="customer"))
    for e in events:
        e.created_at = rows[e.target_id].created_at
    AuditEvent.objects.bulk_update(events, ["created_at"], batch_size=500)

    # The product catalog with national, regional and customer prices (demo/gen_catalog.py).
    from pharmcrm.demo.gen_catalog import catalog_load

    catalog_counts = catalog_load(seed=seed, admin=admin, sales_admin=_fresh(users["shenjiayi"]),
                                  customers=plan.customers, customer_ids=customer_ids, deleted=set(plan.deleted))

    # The people at the customers, with careers and birthdays (demo/gen_contacts.py).
    from pharmcrm.demo.gen_contacts import contacts_load, contacts_plan

    contact_counts = contacts_load(people=contacts_plan(seed, plan.customers, set(plan.deleted)),
                                   customers=plan.customers, customer_ids=customer_ids, users=users,
                                   admin=admin)

    # The qualification file (首营资料) of the customers, with placeholder scans (demo/gen_qualifications.py).
    from pharmcrm.demo.gen_qualifications import qualifications_load

    qualification_counts = qualifications_load(seed=seed, customers=plan.customers, customer_ids=customer_ids,
                                               deleted=set(plan.deleted), users=users, now=now)

    # Duplicate conflicts (撞单申诉): two open, three decided (demo/gen_duplicates.py).
    from pharmcrm.demo.gen_duplicates import conflicts_load

    conflict_counts = conflicts_load(customers=plan.customers, customer_ids=customer_ids, deleted=set(plan.deleted),
                                     users=users, fresh=_fresh)

    # The customers' 360° profiles: invoicing, addresses, regions, key accounts, chains (demo/gen_profile.py).
    from pharmcrm.demo.gen_profile import profiles_load

    profile_counts = profiles_load(seed=seed, customers=plan.customers, customer_ids=customer_ids,
                                   deleted=set(plan.deleted), users=users)

    # The public pool (公海): released, recycled, claimed, assigned, due soon, exempt (demo/gen_pool.py).
    from pharmcrm.demo.gen_pool import pool_load

    pool_counts = pool_load(seed=seed, customer_ids=customer_ids, users=users, fresh=_fresh, now=now)

    # Follow-ups (跟进记录) of the owned customers, the newest at each pool clock (demo/gen_followups.py).
    from pharmcrm.demo.gen_followups import followups_load

    followup_counts = followups_load(seed=seed, customer_ids=customer_ids, users=users, fresh=_fresh, now=now)

    # Service tickets (服务记录): consultations, complaints, returns, quality issues (demo/gen_tickets.py).
    from pharmcrm.demo.gen_tickets import tickets_load

    ticket_counts = tickets_load(seed=seed, customer_ids=customer_ids, users=users, fresh=_fresh, now=now,
                                 leaver_ids={users[u.username].pk for u in USERS if u.leaves})

    # Stock by batch (库存/批号): two warehouses, batches from expired to three years out (demo/gen_inventory.py).
    from pharmcrm.demo.gen_inventory import inventory_load

    inventory_counts = inventory_load(seed=seed, users=users)

    # Sales orders (销售订单) in every state, outbound from the demo stock (demo/gen_orders.py).
    from pharmcrm.demo.gen_orders import orders_load

    order_counts = orders_load(seed=seed, customer_ids=customer_ids, users=users, fresh=_fresh, now=now,
                               leaver_ids={users[u.username].pk for u in USERS if u.leaves})

    # Payments (回款): paid, partly paid, a credit, a cancelled one, every ageing bucket, payment plans
    # with one overdue for 张伟 (demo/gen_payments.py).
    from pharmcrm.demo.gen_payments import payments_load

    payment_counts = payments_load(seed=seed, users=users, fresh=_fresh, now=now)

    # The invoice ledger (发票台账): stored invoices, pre-invoices, a red letter, a mismatch (demo/gen_invoicing.py).
    from pharmcrm.demo.gen_invoicing import invoicing_load

    invoicing_counts = invoicing_load(seed=seed, users=users, fresh=_fresh, now=now)

    # Agency agreements (代理协议): exclusive by province, city and hospital, expired, drafts (demo/gen_agency.py).
    from pharmcrm.demo.gen_agency import agency_load

    agency_counts = agency_load(seed=seed, users=users)

    # Tenders (投标) in every state and platform listings (挂网), deadlines 1/3/7 days out (demo/gen_tenders.py).
    from pharmcrm.demo.gen_tenders import tenders_load

    tender_counts = tenders_load(seed=seed, users=users, fresh=_fresh, now=now)

    # Opportunities (销售机会) over every stage and quotations (报价记录) with a price history (demo/gen_opportunities.py).
    from pharmcrm.demo.gen_opportunities import opportunities_load

    opportunity_counts = opportunities_load(seed=seed, customer_ids=customer_ids, users=users, fresh=_fresh, now=now,
                                            leaver_ids={users[u.username].pk for u in USERS if u.leaves})

    # After-sales on the real orders: returns, stored invoices from their balances (paid ones close),
    # a pre-invoice consumed by 张伟's order (demo/gen_settlement.py).
    from pharmcrm.demo.gen_settlement import settlement_load

    settlement_counts = settlement_load(seed=seed, users=users, fresh=_fresh, now=now)

    # A rep left: everything they owned went to their successor in one logged transfer.
    for u in USERS:
        if u.leaves:
            org_services.user_deactivate(
                actor=admin, user_id=users[u.username].pk, successor_id=users[u.leaves].pk
            )
    _spread_load_changes(now)
    return {
        "departments": len(depts),
        "users": len(users),
        "share_groups": len(groups),
        "customers": len(customer_ids),
        "shares": len(plan.shares),
        "deleted": len(plan.deleted),
        **catalog_counts,
        **profile_counts,
        **qualification_counts,
        **contact_counts,
        **conflict_counts,
        **pool_counts,
        **agency_counts,
        **followup_counts,
        **ticket_counts,
        **inventory_counts,
        **order_counts,
        **payment_counts,
        **invoicing_counts,
        **opportunity_counts,
        **settlement_counts,
        **tender_counts,
    }


def _spread_load_changes(now: datetime.datetime) -> None:
    """The loaders after the first spreading of times (profiles, chain stores, the pool, the
    leaver's transfer) changed customers "now": give those a last change (and the stores a
    creation) in the last weeks, a few of them today, so the desktop's "recently changed" and the
    list's default order look like a company's, not like a database loaded a minute ago."""
    recent = now - datetime.timedelta(hours=1)
    rows = list(Customer.objects.filter(updated_at__gte=recent).order_by("pk"))
    for c in rows:
        if c.created_at >= recent:
            c.created_at = now - datetime.timedelta(days=20 + c.pk % 40, minutes=(c.pk * 37) % 600)
        back = datetime.timedelta(days=(c.pk * 7) % 15, minutes=20 + (c.pk * 53) % 600)
        c.updated_at = max(c.created_at, now - back)
    Customer.objects.bulk_update(rows, ["created_at", "updated_at"], batch_size=500)


def demo_settle_notifications(now: datetime.datetime | None = None) -> int:
    """Run after the load has committed (the notifications are written after commit): the
    demo's shares, transfers and conflicts notified people all at load time. Spread them over
    the last two weeks and mark those older than two days read, so a demo user's bell shows a
    few fresh ones and the list a believable history. Returns how many stay unread."""
    from pharmcrm.notifications.models import Notification

    now = now or timezone.now()
    rows = list(Notification.objects.order_by("pk"))
    for n in rows:
        n.created_at = now - datetime.timedelta(minutes=10 + (n.pk * 97) % (14 * 24 * 60))
        fresh = now - n.created_at < datetime.timedelta(days=2)
        n.read_at = None if fresh else n.created_at + datetime.timedelta(hours=1 + n.pk % 20)
    Notification.objects.bulk_update(rows, ["created_at", "read_at"], batch_size=500)
    return sum(1 for n in rows if n.read_at is None)


def _fresh(user: User) -> User:
    """Drop cached role/head lookups so services see the heads set after the user was created."""
    user.__dict__.pop("headed_department_ids", None)
    user.__dict__.pop("role_codes", None)
    return user
