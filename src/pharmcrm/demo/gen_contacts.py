"""Demo contacts: the people at the demo customers, with careers, birthdays and care notes.

``contacts_plan(seed, customers, deleted)`` draws everything from its own random stream
(so the customers of the demo do not change when this module does) into plain data;
``contacts_load(...)`` writes it through ``contacts.services`` (so the demo carries the same
audit trail, rights checks and search keys as data entered in the UI):

* 2–4 people at most hospitals, distributors and chains, 1–3 at agents and pharmacies, with
  the roles a rep meets there (hospital: 药剂科主任, 采购, 科室主任, 副院长; agent: 老板/法人,
  总经理; distributor: 采购, 质管, 财务 ...), one main contact per customer;
* some moved to another company (the old customer keeps them as former contacts) and a few
  simply left;
* birthdays for most, some of them in the 7 days after the load date, so the 生日/关怀 list
  is never empty; care notes and care dates (结婚纪念日 ...) for some.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from pharmcrm.contacts import services
from pharmcrm.contacts.models import BusinessRole as R
from pharmcrm.contacts.models import Contact, Employment
from pharmcrm.core.models import AuditEvent
from pharmcrm.core.pinyin import pinyin_full
from pharmcrm.customers.models import CustomerType as T
from pharmcrm.demo import vocabulary as v

# fmt: off
MALE = ("建华", "志强", "国栋", "海峰", "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "刚", "建国", "鹏", "凯", "斌",
        "亮", "志明", "永刚", "立新", "文杰", "俊杰", "浩然", "博文", "卫东", "德明", "振华", "光辉", "学军")
FEMALE = ("芳", "娜", "敏", "静", "丽", "艳", "娟", "秀英", "霞", "桂英", "晓燕", "佳怡", "婷婷", "欣怡", "春梅", "丹",
          "琳", "倩", "慧", "颖", "红梅", "玉兰", "晴", "雨欣", "梦瑶", "丽华", "淑芬", "美玲", "海燕", "雪梅")

# per customer type: (share of customers with contacts, (min, max) people, [(role, role_other, titles, weight)])
JOBS: dict[str, tuple[float, tuple[int, int], list[tuple[str, str, tuple[str, ...], int]]]] = {
    T.HOSPITAL: (0.9, (2, 4), [
        (R.PHARMACY_DIRECTOR, "", ("药剂科主任", "药学部主任", "药剂科副主任"), 5),
        (R.PURCHASING, "", ("药品采购员", "采购办主任", "药库采购"), 4),
        (R.DEPARTMENT_HEAD, "", ("心内科主任", "呼吸内科主任", "消化内科主任", "肿瘤科主任", "骨科主任",
                                 "神经内科主任", "内分泌科主任", "儿科主任"), 4),
        (R.PRESIDENT, "", ("副院长（分管药事）", "业务副院长", "院长"), 2),
        (R.DOCTOR, "", ("主任医师", "副主任医师", "主治医师"), 2),
        (R.WAREHOUSE, "", ("药库主管",), 1),
        (R.OTHER, "医保办", ("医保办主任",), 1),
    ]),
    T.CLINIC: (0.6, (1, 2), [
        (R.PRESIDENT, "", ("中心主任", "院长"), 3),
        (R.PURCHASING, "", ("药房负责人", "药品采购"), 3),
        (R.DOCTOR, "", ("全科医生",), 2),
    ]),
    T.AGENT: (0.75, (1, 3), [
        (R.OWNER, "", ("董事长", "法人代表", "老板"), 5),
        (R.GENERAL_MANAGER, "", ("总经理", "副总经理"), 4),
        (R.PURCHASING, "", ("采购经理",), 2),
        (R.FINANCE, "", ("财务经理", "会计"), 2),
        (R.OTHER, "商务", ("商务经理", "招商经理"), 2),
    ]),
    T.DISTRIBUTOR: (0.85, (2, 4), [
        (R.GENERAL_MANAGER, "", ("总经理", "分公司总经理"), 3),
        (R.PURCHASING, "", ("采购总监", "采购经理", "采购专员"), 5),
        (R.WAREHOUSE, "", ("质量负责人", "质管部经理", "仓储经理"), 3),
        (R.FINANCE, "", ("财务主管", "应收会计"), 3),
        (R.OTHER, "开票", ("商务开票员",), 1),
    ]),
    T.CHAIN: (0.85, (2, 4), [
        (R.PURCHASING, "", ("采购总监", "品类经理", "采购经理"), 5),
        (R.GENERAL_MANAGER, "", ("总经理", "运营副总"), 2),
        (R.WAREHOUSE, "", ("质量管理部经理",), 2),
        (R.FINANCE, "", ("财务经理",), 2),
        (R.OTHER, "营运", ("营运总监", "区域店长"), 1),
    ]),
    T.PHARMACY: (0.5, (1, 2), [
        (R.OWNER, "", ("店长", "老板"), 5),
        (R.PURCHASING, "", ("采购",), 2),
    ]),
    T.OTHER: (0.4, (1, 2), [
        (R.GENERAL_MANAGER, "", ("总经理",), 2),
        (R.OTHER, "协会", ("秘书长", "副秘书长"), 1),
    ]),
}

CARE_NOTES = (
    "爱好钓鱼，周末常去郊区水库。", "喜欢喝普洱茶，不喝咖啡。", "孩子今年高考，最近比较忙。", "爱打羽毛球，每周三晚上固定活动。",
    "不喝酒，喜欢聊历史和书法。", "女儿在读医学院，对医学教育话题感兴趣。", "喜欢书法，可送字帖或文房用品。",
    "爱人是护士长，同一家医院。", "跑步爱好者，参加过马拉松。", "喜欢摄影，朋友圈常发风景照。", "老家在湖南，爱吃辣。",
    "父母身体不好，常回老家照顾。", "喜欢打高尔夫。", "信佛，吃素，宴请注意。", "养了一只柯基，常聊宠物。",
    "对学术会议讲课有兴趣，可邀请做讲者。", "孩子在上小学，重视教育话题。", "喜欢自驾游，节假日常出行。",
)
CARE_DATES = ("结婚纪念日", "孩子生日", "爱人生日", "入职周年")
# fmt: on


@dataclass
class DemoEmployment:
    customer: int  # index into the demo plan's customers
    role: str
    role_other: str
    title: str
    start_days: int | None  # started this many days before the load (None: not known)
    primary: bool = False


@dataclass
class DemoMove:
    to_customer: int
    role: str
    role_other: str
    title: str
    days_ago: int  # the move happened this many days before the load


@dataclass
class DemoContact:
    name: str
    gender: str
    job: DemoEmployment
    mobile: str = ""
    phone: str = ""
    wechat: str = ""
    email: str = ""
    birth: tuple[int | None, int, int] | None = None  # (year, month, day)
    birthday_in: int | None = None  # birthday this many days after the load date (instead of ``birth``)
    birth_year: int | None = None
    care_notes: str = ""
    care_dates: list[tuple[str, int, int, int | None]] = field(default_factory=list)
    move: DemoMove | None = None
    left_days_ago: int | None = None  # left the company without a known new one
    age_days: int = 0  # created this many days before the load


def _person(rng: random.Random) -> tuple[str, str]:
    gender = rng.choice(("male", "female"))
    given = rng.choice(MALE if gender == "male" else FEMALE)
    return rng.choice(v.SURNAMES) + given, gender


def _pick_job(rng: random.Random, kind: str, taken: set[str]) -> tuple[str, str, str]:
    options = [j for j in JOBS[kind][2] if j[0] not in taken or j[0] in (R.DEPARTMENT_HEAD, R.DOCTOR, R.PURCHASING)]
    role, other, titles, _w = rng.choices(options, weights=[j[3] for j in options])[0]
    return role, other, rng.choice(titles)


def _wechat(rng: random.Random, name: str, mobile: str) -> str:
    if mobile and rng.random() < 0.3:
        return mobile
    base = (pinyin_full(name) or ["wx"])[0]
    return f"{base}{rng.choice(('', '_', ''))}{rng.randrange(1, 99)}"[:30] if rng.random() < 0.7 else f"wxid_{base[:8]}{rng.randrange(100, 999)}"


def contacts_plan(seed: int, customers: list, deleted: set[int]) -> list[DemoContact]:
    """``customers``: the demo plan's customers (``.owner``, ``.data``, ``.age_days``)."""
    rng = random.Random(f"{seed}:contacts")
    out: list[DemoContact] = []
    used_names: set[str] = set()
    by_owner: dict[str, list[int]] = {}
    for i, c in enumerate(customers):
        if i not in deleted:
            by_owner.setdefault(c.owner, []).append(i)
    for i, c in enumerate(customers):
        kind = c.data["type"]
        if i in deleted or kind not in JOBS:
            continue
        share, (lo, hi), _jobs = JOBS[kind]
        individual = kind == T.AGENT and not c.data["credit_code"]  # 自然人代理: the agent is the person
        if individual:
            n = 1
        elif rng.random() < share:
            n = rng.randint(lo, hi)
        else:
            continue
        taken: set[str] = set()
        for k in range(n):
            if individual:
                name, gender = c.data["name"], rng.choice(("male", "female"))
                role, other, title = R.OWNER, "", "自然人代理"
            else:
                for _try in range(20):
                    name, gender = _person(rng)
                    if name not in used_names:
                        break
                role, other, title = _pick_job(rng, kind, taken)
            used_names.add(name)
            taken.add(role)
            start = None if rng.random() < 0.3 else rng.randrange(60, 4000)
            person = DemoContact(
                name=name, gender=gender if rng.random() < 0.85 else "",
                job=DemoEmployment(i, role, other, title, start, primary=(k == 0 and rng.random() < 0.75)),
                age_days=rng.randrange(0, max(1, c.age_days)),
            )
            person.mobile = c.data["phone"] if individual else (v.mobile(rng) if rng.random() < 0.9 else "")
            if kind in (T.HOSPITAL, T.DISTRIBUTOR, T.CHAIN) and c.data["phone"] and rng.random() < 0.5:
                person.phone = f"{c.data['phone']}转{rng.randrange(800, 899)}"
            if rng.random() < 0.65:
                person.wechat = _wechat(rng, name, person.mobile)
            if kind in (T.AGENT, T.DISTRIBUTOR, T.CHAIN) and rng.random() < 0.25:
                base = (pinyin_full(name) or ["contact"])[0]
                person.email = f"{base}{rng.randrange(1, 99)}@{rng.choice(('163.com', 'qq.com', '126.com', 'sina.com'))}"
            r = rng.random()
            year = rng.randrange(1962, 1994) if rng.random() < 0.5 else None
            if r < 0.07:
                person.birthday_in, person.birth_year = rng.randrange(0, 7), year
            elif r < 0.75:
                month = rng.randrange(1, 13)
                day = rng.randrange(1, 29) if month == 2 else rng.randrange(1, 31)
                person.birth = (year, month, day)
            if rng.random() < 0.4:
                person.care_notes = "".join(rng.sample(CARE_NOTES, rng.choice((1, 1, 2))))
            if rng.random() < 0.15:
                person.care_dates.append((rng.choice(CARE_DATES), rng.randrange(1, 13), rng.randrange(1, 29),
                                          rng.randrange(1995, 2018) if rng.random() < 0.6 else None))
            out.append(person)
    # careers: some moved to another customer (mostly one their rep also follows), a few just left
    movable = [p for p in out if p.job.customer not in deleted and p.job.title != "自然人代理"]
    for p in rng.sample(movable, min(len(movable) // 12, 40)):
        owner = customers[p.job.customer].owner
        same = [j for j in by_owner.get(owner, []) if j != p.job.customer]
        pool = same if same and rng.random() < 0.8 else [j for j in range(len(customers))
                                                          if j not in deleted and j != p.job.customer]
        target = rng.choice(pool)
        kind = customers[target].data["type"]
        if kind not in JOBS:
            continue
        role, other, title = _pick_job(rng, kind, set())
        start = p.job.start_days or 2000
        days_ago = rng.randrange(10, max(11, min(start, 700)))
        p.move = DemoMove(target, role, other, title, days_ago)
        p.job.primary = False
    for p in rng.sample([p for p in movable if p.move is None], min(len(movable) // 30, 15)):
        start = p.job.start_days or 2000
        p.left_days_ago = rng.randrange(5, max(6, min(start, 500)))
        p.job.primary = False
    return out


def _fresh(user):
    user.__dict__.pop("headed_department_ids", None)
    user.__dict__.pop("role_codes", None)
    return user


def contacts_load(*, people: list[DemoContact], customers: list, customer_ids: list[int], users: dict,
                  admin) -> dict[str, int]:
    """Write the planned contacts; returns counts. ``users``: username -> User."""
    today = timezone.localdate()
    now = timezone.now()
    created: list[tuple[int, DemoContact]] = []
    moved = left = 0
    for p in people:
        cust = customers[p.job.customer]
        actor = _fresh(users[cust.owner])
        if p.birthday_in is not None:
            when = today + datetime.timedelta(days=p.birthday_in)
            birth = (p.birth_year, when.month, when.day)
        else:
            birth = p.birth or (None, None, None)
        if birth[0] and birth[1] == 2 and birth[2] == 29:
            birth = (None, 2, 29)
        start = today - datetime.timedelta(days=p.job.start_days) if p.job.start_days else None
        contact = services.contact_create(
            actor=actor, customer_id=customer_ids[p.job.customer],
            data={"name": p.name, "gender": p.gender, "mobile": p.mobile, "phone": p.phone, "wechat": p.wechat,
                  "email": p.email, "birth_year": birth[0], "birth_month": birth[1], "birth_day": birth[2],
                  "care_notes": p.care_notes},
            employment={"title": p.job.title, "role": p.job.role, "role_other": p.job.role_other,
                        "start_date": start, "is_primary": p.job.primary},
            care_dates=[{"label": label, "month": m, "day": d, "year": y} for label, m, d, y in p.care_dates],
        )
        created.append((contact.pk, p))
        emp = contact.employments.get()
        if p.move:
            when = today - datetime.timedelta(days=p.move.days_ago)
            if start and when < start:
                when = start
            target = customers[p.move.to_customer]
            mover = actor if target.owner == cust.owner else admin
            services.contact_move(
                actor=_fresh(mover), contact_id=contact.pk, from_employment_id=emp.pk,
                to_customer_id=customer_ids[p.move.to_customer], date=when,
                data={"title": p.move.title, "role": p.move.role, "role_other": p.move.role_other},
            )
            moved += 1
        elif p.left_days_ago:
            when = today - datetime.timedelta(days=p.left_days_ago)
            services.employment_end(actor=actor, contact_id=contact.pk, employment_id=emp.pk,
                                    end_date=max(when, start) if start else when)
            left += 1
    _spread_times(created, now)
    return {"contacts": len(created), "contacts_moved": moved, "contacts_left": left}


def _spread_times(created: list[tuple[int, DemoContact]], now: datetime.datetime) -> None:
    """Creation times over the customers' lifetimes; the audit events at the dates they describe."""
    ids = [cid for cid, _p in created]
    rows = Contact.objects.in_bulk(ids)
    plans = dict(created)
    for cid, contact in rows.items():
        p = plans[cid]
        changed = p.move.days_ago if p.move else p.left_days_ago
        age = max(p.age_days, changed + 30) if changed else p.age_days  # known before they moved
        contact.created_at = now - datetime.timedelta(days=age, minutes=(cid * 41) % 600)
        contact.updated_at = contact.created_at
        if changed:
            contact.updated_at = now - datetime.timedelta(days=changed, minutes=(cid * 7) % 300)
    Contact.objects.bulk_update(rows.values(), ["created_at", "updated_at"], batch_size=500)
    jobs = dict(Employment.objects.filter(contact_id__in=ids).values_list("id", "contact_id"))
    events = list(AuditEvent.objects.filter(Q(target_type="contact", target_id__in=ids)
                                            | Q(target_type="employment", target_id__in=list(jobs))))
    for e in events:
        contact = rows[e.target_id if e.target_type == "contact" else jobs[e.target_id]]
        first = e.action in ("contact_create", "employment_start")
        e.created_at = contact.created_at if first else contact.updated_at
    AuditEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
