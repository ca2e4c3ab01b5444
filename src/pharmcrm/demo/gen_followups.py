"""The demo company's follow-ups (跟进记录): what the reps said and did with their customers.

Every owned customer gets one to four follow-ups by its owner, written through
``activities.services.followup_create`` (rights, contacts employed at the customer, products from
the catalogue, the audit trail), in words that fit the kind of customer: 进院 and 药事会 with
hospitals, 招商政策 and 区域保护 with agents, 配送 and 回款 with distributors, 铺货 and 陈列
with pharmacies.

Consistent with the pool clocks that ``gen_pool`` set: the newest follow-up of a customer happens
exactly at its ``last_followup_at`` (so "last follow-up 12天前" in the header is a real record,
and the customers due to return to the pool soon were really last followed up 27-29 days ago);
the older ones lie before it, after the customer was created. The service only moves the clock
forward, so it is unchanged. The records (and their audit rows) are dated back to when they
happened, so their 24-hour edit windows are long closed except for the last day's. Deterministic:
``random.Random(f"{seed}:followups")``.

My Desktop (我的桌面) at first login: the newest follow-up of each customer plans the next one;
for the demo logins 张伟 (rep) and 李静 (head) the plan dates follow ``DESK_OFFSETS`` days from the
local day of the load (never before the follow-up itself), so each has a few plans overdue, due
today and in the next 7 days whatever the hour of the load.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from pharmcrm.activities import services
from pharmcrm.activities.models import FollowUp
from pharmcrm.catalog.models import Product, ProductStatus
from pharmcrm.contacts.models import Employment
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import Customer, CustomerStatus
from pharmcrm.customers.models import CustomerType as T
from pharmcrm.org.models import User

HOSPITALS = (T.HOSPITAL, T.CLINIC)
PHARMACIES = (T.PHARMACY, T.CHAIN)

# (channel, content) per kind of customer; {who} a contact (or 对方), {p} a product
TALKS = {
    "hospital": (
        ("visit", "拜访{who}，介绍{p}的临床优势和医保报销情况，对方对不良反应数据比较关注。"),
        ("visit", "到药剂科拜访{who}，了解{p}进院流程，需要先提交新药申请表，由科室主任签字。"),
        ("phone", "电话跟{who}确认{p}是否上本季度药事会，对方说材料已经提交，等待排期。"),
        ("meeting", "参加科室会，向{who}和科室医生讲解{p}用药方案，约十五位医生参加，反馈积极。"),
        ("wechat", "微信发送{p}说明书、临床文献给{who}，约下周面谈。"),
        ("email", "邮件发送{p}的首营资料（药品注册证、GMP证书、检验报告）给{who}。"),
        ("visit", "陪同{who}查看{p}在门诊的使用情况，处方量稳定，提出希望增加住院部用药。"),
    ),
    "agent": (
        ("phone", "电话沟通{p}的招商政策，{who}关心区域保护和首批进货量，已说明独家需签协议。"),
        ("visit", "拜访{who}公司，介绍{p}的招商价、返利政策和市场支持，对方手上有二十多家医院资源。"),
        ("wechat", "微信发送{p}招商手册和产品彩页给{who}，对方说和合伙人商量后答复。"),
        ("exhibition", "在药交会展位上与{who}交流{p}代理意向，对方想做地级市独家。"),
        ("meeting", "公司招商会上{who}到场，对{p}的挂网价和中标情况很感兴趣，约了回访。"),
        ("phone", "与{who}核对{p}上月进货和流向，反馈终端动销正常，商量下季度任务量。"),
    ),
    "distributor": (
        ("phone", "电话联系{who}，确认{p}的配送覆盖和到货周期，对方可覆盖全市二级以上医院。"),
        ("visit", "拜访{who}，对账{p}的回款情况，上月货款已到账，约定本月底前付清余款。"),
        ("email", "邮件发送{p}的首营资料和开票信息给{who}，办理首营审批。"),
        ("wechat", "微信与{who}沟通{p}库存，库存约够一个月，建议下周补货。"),
        ("visit", "与{who}商谈{p}的配送协议续签，对方希望配送费率下调0.5个点。"),
    ),
    "pharmacy": (
        ("visit", "拜访门店，与{who}沟通{p}的铺货和陈列位置，店长同意放在收银台旁端架。"),
        ("phone", "电话询问{who}{p}的动销情况，上月卖了四十多盒，需要补充宣传物料。"),
        ("wechat", "微信发送{p}的店员培训资料给{who}，约了周末做店员培训。"),
        ("visit", "给{who}讲解{p}的会员活动方案（买二赠一），对方需报总部采购审批。"),
    ),
}
RESULTS = ("对方有兴趣，需要内部讨论", "同意提交药事会", "已索要样品", "暂无需求，保持联系", "价格还需再谈",
           "已同意试用", "等待对方回复", "确定下次面谈时间")
PLANS = ("带样品再次拜访", "电话跟进药事会结果", "发送报价单并确认首批订单", "约科室主任面谈", "寄送资质复印件",
         "确认回款时间", "跟进试用反馈", "邀请参加下月招商会")
MATERIALS = ("产品彩页、说明书", "首营资料全套", "临床文献两篇", "样品两盒", "招商手册", "")
# days from the load's local day, cycled over a demo login's customers (pk order): today, overdue,
# upcoming and later
DESK_USERS = ("zhangwei", "lijing")
DESK_OFFSETS = (0, -2, 1, 3, -5, 6, 12, 0, 2, -1, 9, 5, 16, -8, 4, 20)
PRICES = ("中标价 {x}元/盒", "招商价 {x}元/盒，返利3%", "挂网价 {x}元/盒", "")


def _kind(customer: Customer) -> str:
    if customer.type in HOSPITALS:
        return "hospital"
    if customer.type in PHARMACIES:
        return "pharmacy"
    if customer.type == T.DISTRIBUTOR:
        return "distributor"
    return "agent"


def _date_back(fu: FollowUp, when: datetime.datetime, now: datetime.datetime) -> None:
    logged = min(now, when + datetime.timedelta(minutes=20))
    FollowUp.objects.filter(pk=fu.pk).update(created_at=logged, updated_at=logged)
    AuditEvent.objects.filter(target_type="followup", target_id=fu.pk).update(created_at=logged)


def _office_hours(rng: random.Random, when: datetime.datetime, now: datetime.datetime, *,
                  floor: datetime.datetime) -> datetime.datetime:
    """The same local day between 08:30 and 18:00 (a rep's working day), never after ``now``:
    the pool clock counts local days, so the customer's due day does not change."""
    day = timezone.localdate(when)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 30)))
    moment = start + datetime.timedelta(minutes=rng.randrange(0, 9 * 60 + 30))
    if moment > now or moment <= floor:
        return when  # today before office hours, or the customer was created that day: as it was
    return moment


def followups_load(*, seed: int, customer_ids: list[int], users: dict[str, User], fresh,
                   now: datetime.datetime) -> dict[str, int]:
    rng = random.Random(f"{seed}:followups")
    products = list(Product.objects.filter(status=ProductStatus.ACTIVE).order_by("pk"))
    customers = list(Customer.objects.filter(pk__in=customer_ids, deleted_at__isnull=True, owner__isnull=False,
                                             last_followup_at__isnull=False).select_related("owner").order_by("pk"))
    people: dict[int, list] = {}
    for e in (Employment.objects.filter(customer_id__in=[c.pk for c in customers], end_date__isnull=True,
                                        contact__deleted_at__isnull=True)
              .select_related("contact").order_by("-is_primary", "pk")):
        people.setdefault(e.customer_id, []).append(e.contact)
    by_name = {u.pk: u for u in users.values()}
    made = 0
    today = timezone.localdate(now)
    desk_ids = {users[u].pk for u in DESK_USERS if u in users}
    desk_seen: dict[int, int] = {}
    for c in customers:
        owner = fresh(by_name.get(c.owner_id, c.owner))
        talks = TALKS[_kind(c)]
        n = rng.choice((1, 2, 2, 3, 3, 4)) if c.status != CustomerStatus.PROSPECT else rng.choice((1, 1, 2))
        # the newest at the pool clock, the older ones 4-25 days apart before it
        times = [c.last_followup_at]
        for _ in range(n - 1):
            earlier = times[-1] - datetime.timedelta(days=rng.uniform(4, 25))
            if earlier <= c.created_at:
                break
            times.append(earlier)
        for i, when in enumerate(reversed(times)):
            when = _office_hours(rng, when, now, floor=c.created_at)
            channel, text = rng.choice(talks)
            contacts = people.get(c.pk, [])
            met = rng.sample(contacts, k=min(len(contacts), rng.choice((1, 1, 2)))) if contacts else []
            product = rng.choice(products) if products else None
            who = f"{met[0].name}" if met else "对方"
            local_day = timezone.localdate(when)
            newest = i == len(times) - 1
            data = {
                "occurred_at": when, "channel": channel,
                "content": text.format(who=who, p=product.generic_name if product else "公司产品"),
                "contact_ids": [p.pk for p in met], "product_ids": [product.pk] if product else [],
                "result": rng.choice(RESULTS), "materials_sent": rng.choice(MATERIALS),
                "price_quoted": rng.choice(PRICES).format(x=f"{rng.uniform(8, 120):.2f}"),
            }
            if newest or rng.random() < 0.7:
                data["next_date"] = local_day + datetime.timedelta(days=rng.randint(3, 21))
                data["next_plan"] = rng.choice(PLANS)
            if newest and c.owner_id in desk_ids:
                k = desk_seen[c.owner_id] = desk_seen.get(c.owner_id, -1) + 1
                data["next_date"] = max(local_day, today + datetime.timedelta(days=DESK_OFFSETS[k % len(DESK_OFFSETS)]))
            fu = services.followup_create(actor=owner, customer_id=c.pk, data=data)
            _date_back(fu, when, now)
            if newest:  # the pool clock is the newest follow-up (moved within its local day)
                Customer.objects.filter(pk=c.pk).update(last_followup_at=when)
            made += 1
    return {"followups": made}
