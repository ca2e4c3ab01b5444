"""The demo company's service tickets (服务记录): what customers asked, complained about and
sent back, and how the reps handled it.

About 80 tickets on owned customers (not those of the rep who leaves during the load), written
through ``tickets.services`` (rights, SLA, numbers, timeline, audit) and then dated back to when
they happened: the older ones mostly resolved or closed with the customer's satisfaction (mostly
4–5, a few low scores with a comment), some reopened once; the recent ones open or in progress;
a few of them past their due time, so the overdue flags, the desktop card of the assignee and of
their head show something at first login. The demo login 张伟 always gets two overdue tickets and
one that is not due yet, whatever the hour of the load (times are offsets from the load's
``now``, never calendar days). Deterministic: ``random.Random(f"{seed}:tickets")``.
"""

from __future__ import annotations

import datetime
import random

from django.db.models import Q
from django.utils import timezone

from pharmcrm.catalog.models import Product, ProductStatus
from pharmcrm.contacts.models import Employment
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import Customer
from pharmcrm.org.models import DepartmentHead, User
from pharmcrm.tickets import services, sla
from pharmcrm.tickets.models import Ticket, TicketEvent

H = datetime.timedelta(hours=1)
COUNT = 80
DESK_USER = "zhangwei"

# (type, priority weights, title, description); {p} a product
KINDS = (
    ("consultation", ("low", "normal", "normal"), "咨询{p}的用法用量",
     "客户药剂科来电咨询{p}儿童及老年患者的用法用量，以及与常用降压药合用的注意事项。"),
    ("consultation", ("low", "normal"), "索要{p}的说明书和检验报告",
     "客户要求提供{p}最新版说明书、近三批次的检验报告，用于院内药事会资料。"),
    ("consultation", ("normal",), "{p}医保目录和挂网价格咨询", "客户询问{p}今年医保目录变化和本省挂网价格。"),
    ("complaint", ("normal", "high"), "{p}到货延迟", "上周订的{p}至今未到，客户库存只够三天，要求尽快安排配送。"),
    ("complaint", ("high", "urgent"), "{p}外包装破损", "本批到货{p}有6盒外包装压坏，客户要求换货并改进运输包装。"),
    ("complaint", ("normal",), "发票信息有误", "客户反映上月{p}的发票抬头与开票资料不一致，需要重开。"),
    ("return", ("normal", "high"), "{p}近效期退货", "客户库存中{p}有20盒离效期不足6个月，申请退货或换成新批次。"),
    ("return", ("normal",), "{p}发错规格退货", "客户订的是大规格，到货为小规格，申请退回并补发正确规格。"),
    ("quality", ("high", "urgent"), "{p}片剂变色", "药房反映{p}部分药片表面有斑点变色，已暂停销售该批次，要求检测。"),
    ("quality", ("urgent",), "{p}患者用药后不良反应", "医院反馈一名患者服用{p}后出现皮疹，需按不良反应流程上报并提供批次资料。"),
    ("other", ("low",), "门店陈列物料补充", "门店需要{p}的新版海报和价签，希望下次拜访带来。"),
)
RESOLUTIONS = {
    "consultation": ("已电话解答并微信发送说明书和用药指导。", "已邮件发送说明书、检验报告扫描件，客户确认收到。"),
    "complaint": ("已协调配送商加急发货，次日到货；已向客户致歉。", "已安排换货，新货已签收，并更换加厚外箱。",
                  "财务已作废重开发票，快递寄出。"),
    "return": ("退货已办理，新批次已补发，客户签收。", "已收回错发产品并补发正确规格。"),
    "quality": ("留样送质量部检测，结果合格，已出具检测报告并向客户说明。", "已按流程上报不良反应，提供批次资料，客户认可处理。"),
    "other": ("物料已随拜访送到。",),
}
COMMENTS = ("已联系客户，约定明天回复。", "已通知质量部，等待检测结果。", "配送商说周三可以发货。", "客户催促，请尽快处理。")
SATISFACTION = (5, 5, 5, 4, 4, 4, 4, 3, 3, 2, 1)
LOW_COMMENTS = {1: "处理太慢，影响了门诊用药。", 2: "来回沟通多次才解决。", 3: "问题解决了，但速度一般。"}
HIGH_COMMENTS = ("响应及时，非常满意。", "处理专业，谢谢。", "")


def _date_back(ticket: Ticket, times: dict[str, datetime.datetime]) -> None:
    """Put the ticket, its timeline lines and its audit records at the times they happened."""
    kinds = {"created": "opened", "started": "started", "assigned": "assigned", "comment": "comment",
             "resolved": "resolved", "closed": "closed", "reopened": "reopened"}
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("id"))
    last_resolved = max((e.pk for e in events if e.kind == "resolved"), default=None)
    for e in events:
        at = times.get(kinds.get(e.kind, ""), times["opened"])
        if e.kind == "resolved" and e.pk != last_resolved:
            at = times.get("first_resolved", at)
        TicketEvent.objects.filter(pk=e.pk).update(at=at)
    last = max(times.values())
    fields = {"created_at": times["opened"], "updated_at": last}
    t = Ticket.objects.get(pk=ticket.pk)
    if t.resolved_at:
        fields["resolved_at"] = times["resolved"]
    if t.closed_at:
        fields["closed_at"] = times["closed"]
    if "reopened" in times and t.status in ("open", "in_progress"):
        fields["due_at"] = sla.due_at(t.type, t.priority, times["reopened"])
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    AuditEvent.objects.filter(target_type="ticket", target_id=ticket.pk).update(created_at=last)
    AuditEvent.objects.filter(target_type="ticket", target_id=ticket.pk, action="ticket_create").update(
        created_at=times["opened"])


def tickets_load(*, seed: int, customer_ids: list[int], users: dict[str, User], fresh, now: datetime.datetime,
                 leaver_ids: set[int] = frozenset()) -> dict[str, int]:
    rng = random.Random(f"{seed}:tickets")
    products = list(Product.objects.filter(status=ProductStatus.ACTIVE).order_by("pk"))
    customers = list(Customer.objects.filter(pk__in=customer_ids, deleted_at__isnull=True, owner__isnull=False,
                                             owner__is_active=True)
                     .exclude(owner_id__in=leaver_ids).select_related("owner").order_by("pk"))
    if not customers:
        return {"tickets": 0}
    people: dict[int, list] = {}
    for e in (Employment.objects.filter(customer_id__in=[c.pk for c in customers], end_date__isnull=True,
                                        contact__deleted_at__isnull=True).order_by("-is_primary", "pk")):
        people.setdefault(e.customer_id, []).append(e.contact_id)
    # the head of each owner's department, to hand a ticket up now and then
    heads = dict(DepartmentHead.objects.order_by("user_id").values_list("department_id", "user_id"))
    by_pk = {u.pk: u for u in users.values()}
    desk = users.get(DESK_USER)
    desk_customers = [c for c in customers if desk and c.owner_id == desk.pk]
    chosen = rng.sample(customers, k=min(COUNT, len(customers)))
    # 张伟's first three (two overdue, one not due yet) come first, then everyone else's
    plan: list[tuple[Customer, str]] = [(c, fate) for c, fate in zip(desk_customers[:3],
                                                                   ("overdue", "overdue", "fresh"), strict=False)]
    fates = ("closed",) * 9 + ("resolved",) * 3 + ("in_progress",) * 3 + ("open",) * 2 + ("overdue",) * 2 + (
        "reopened",)
    for c in chosen:
        plan.append((c, rng.choice(fates)))
    made = 0
    for c, fate in plan:
        owner = fresh(by_pk.get(c.owner_id, c.owner))
        kind, priorities, title, description = rng.choice(KINDS)
        if fate == "overdue" and kind == "other":
            kind, priorities, title, description = KINDS[3]
        priority = rng.choice(priorities)
        product = rng.choice(products) if products else None
        hours = sla.sla_hours(kind, priority)
        if fate == "fresh":
            opened = now - H * rng.uniform(0.5, min(3, hours / 2))
        elif fate == "open":
            opened = now - H * rng.uniform(0.2, hours * 0.6)
        elif fate == "in_progress":
            opened = now - H * rng.uniform(1, hours * 0.8)
        elif fate == "overdue":
            opened = now - H * (hours + rng.uniform(3, 60))
        else:
            opened = now - datetime.timedelta(days=rng.uniform(3, 75))
        data = {"type": kind, "priority": priority, "title": title.format(p=product.generic_name if product else "产品"),
                "description": description.format(p=product.generic_name if product else "产品")}
        if product and rng.random() < 0.8:
            data["product_id"] = product.pk
            if kind in ("quality", "return", "complaint"):
                data["batch_no"] = f"{timezone.localtime(opened).year % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 999):03d}"
        if people.get(c.pk) and rng.random() < 0.7:
            data["contact_id"] = rng.choice(people[c.pk])
        t = services.ticket_create(actor=owner, customer_id=c.pk, data=data, now=opened)
        made += 1
        times = {"opened": opened}
        span = max(now - opened, H)

        def at(frac: float, opened=opened, span=span) -> datetime.datetime:
            return min(now, opened + span * frac)

        head_id = heads.get(owner.department_id)
        if head_id and head_id != owner.pk and rng.random() < 0.15 and fate not in ("fresh",):
            services.ticket_assign(actor=owner, ticket_id=t.pk, assignee_id=head_id, note="请组长协调处理")
            times["assigned"] = at(0.05)
        actor = fresh(by_pk.get(Ticket.objects.values_list("assignee_id", flat=True).get(pk=t.pk), owner))
        if fate in ("in_progress", "resolved", "closed", "reopened") or (fate == "overdue" and rng.random() < 0.5):
            services.ticket_start(actor=actor, ticket_id=t.pk)
            times["started"] = at(0.1)
        if rng.random() < 0.4:
            services.ticket_comment_add(actor=actor, ticket_id=t.pk, text=rng.choice(COMMENTS))
            times["comment"] = at(0.2)
        if fate in ("resolved", "closed", "reopened"):
            services.ticket_resolve(actor=actor, ticket_id=t.pk, resolution=rng.choice(RESOLUTIONS[kind]))
            times["resolved"] = at(0.5)
        if fate in ("closed", "reopened"):
            score = rng.choice(SATISFACTION)
            comment = LOW_COMMENTS.get(score) or rng.choice(HIGH_COMMENTS)
            services.ticket_close(actor=owner, ticket_id=t.pk, satisfaction=score if rng.random() < 0.9 else None,
                                  comment=comment)
            times["closed"] = at(0.6)
        if fate == "reopened":
            services.ticket_reopen(actor=owner, ticket_id=t.pk, note="客户反馈问题再次出现，重新处理。")
            times["first_resolved"] = times["resolved"]
            times["reopened"] = at(0.8)
            if rng.random() < 0.5:
                services.ticket_resolve(actor=actor, ticket_id=t.pk, resolution=rng.choice(RESOLUTIONS[kind]))
                times["resolved"] = at(0.95)
        _date_back(t, times)
    overdue = Ticket.objects.filter(Q(status__in=("open", "in_progress")), due_at__lt=now).count()
    return {"tickets": made, "tickets_overdue": overdue}
