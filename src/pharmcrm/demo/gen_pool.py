"""The demo company's public pool (公海): customers released by their owners with reasons, a few
returned automatically by the daily job, one claimed and one assigned back out, customers that
return to the pool in a few days (so the owner sees the warning), and one exempted by a head.

Everything goes through ``customers.pool_services`` (release, claim, assign, exempt, the daily
recycling) so the pool history and the audit trail are real; only the clocks are set directly
(the demo has no follow-ups yet) and the events are dated back over the last weeks.

The clocks: every customer's last follow-up and (for active customers) last deal get realistic
recent dates; customers without a deal changed hands in the last two months (``owned_since``),
so the demo does not empty itself into the pool on the first ``crm_daily`` run. Deterministic:
``random.Random(f"{seed}:pool")``.
"""

from __future__ import annotations

import datetime
import random

from django.db.models import Q

from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import pool
from pharmcrm.customers import pool_services as ps
from pharmcrm.customers.models import Customer, CustomerStatus, PoolEvent
from pharmcrm.org.models import User

RELEASE_REASONS = (
    "客户暂无合作意向，明年再联系",
    "已签约竞品，短期内无机会",
    "联系人离职，新的采购负责人还没对接上",
    "区域调整，该客户不在我的负责范围",
    "多次拜访未果，老板只做OTC渠道",
    "资质不全，暂时无法首营",
    "客户转型做医疗器械，不再代理药品",
    "价格谈不拢，对方要求的招商价低于底价",
)
# (releasing owner, how many of their customers, days ago)
RELEASES = (("liuyang", 2, (3, 12)), ("zhaomin", 1, (6,)), ("huanglei", 2, (2, 15)), ("songjia", 1, (9,)),
            ("liangwenjie", 1, (4,)), ("hanxue", 1, (20,)))


def _busy_ids() -> set[int]:
    """Customers the other demo areas rely on (duplicate conflicts, the hospitals agents name as
    key accounts and the agents naming them): left with their owners, so what the demo shows of
    them stays what their owners see."""
    from pharmcrm.customers.models import CustomerConflict, CustomerKeyAccount

    ids = set()
    for a, b in CustomerConflict.objects.values_list("customer_id", "claimant_customer_id"):
        ids |= {a, b}
    for a, b in CustomerKeyAccount.objects.values_list("customer_id", "hospital_id"):
        ids |= {a, b}
    return ids - {None}


def _date_back(customer_id: int, when: datetime.datetime) -> None:
    """Move the latest pool event (and its audit row) of a customer back in time."""
    event = PoolEvent.objects.filter(customer_id=customer_id).order_by("-at", "-id").first()
    PoolEvent.objects.filter(pk=event.pk).update(at=when)
    AuditEvent.objects.filter(target_type="poolevent", target_id=event.pk).update(created_at=when)
    if event.kind in (PoolEvent.Kind.RELEASE, PoolEvent.Kind.AUTO_RECYCLE):
        Customer.objects.filter(pk=customer_id, owner__isnull=True).update(released_at=when, updated_at=when)


def pool_load(*, seed: int, customer_ids: list[int], users: dict[str, User], fresh, now: datetime.datetime
              ) -> dict[str, int]:
    rng = random.Random(f"{seed}:pool")
    busy = _busy_ids()
    exempt = set(Customer.objects.filter(pool.exempt_q()).values_list("pk", flat=True))
    alive = list(Customer.objects.filter(pk__in=customer_ids, deleted_at__isnull=True, owner__isnull=False)
                 .select_related("owner").order_by("pk"))

    # 1. realistic clocks: a follow-up in the last three weeks, a deal for active customers
    for c in alive:
        age = (now - c.created_at).total_seconds() / 86400
        c.last_followup_at = now - datetime.timedelta(days=min(age, rng.uniform(0.3, 21)))
        c.last_deal_at = (now - datetime.timedelta(days=min(age, rng.uniform(2, 70)))
                          if c.status == CustomerStatus.ACTIVE else None)
        # with the owner since creation when deals keep the clock fresh; otherwise handed over
        # in the last two months (well inside the 90-day deal rule, so nothing comes due)
        c.owned_since = (c.created_at if c.last_deal_at else
                         max(c.created_at, now - datetime.timedelta(days=rng.uniform(2, 60))))
    Customer.objects.bulk_update(alive, ["last_followup_at", "last_deal_at", "owned_since"], batch_size=500)

    by_owner: dict[str, list[Customer]] = {}
    for c in alive:
        if c.pk not in busy and c.pk not in exempt:
            by_owner.setdefault(c.owner.username, []).append(c)

    def take(username: str, n: int, *, prefer=(CustomerStatus.PROSPECT, CustomerStatus.DORMANT,
                                                CustomerStatus.LOST)) -> list[Customer]:
        # customers older than the rules, so their clocks can be set back
        mine = [c for c in by_owner.get(username, []) if (now - c.created_at).days > 100]
        ordered = [c for c in mine if c.status in prefer] + [c for c in mine if c.status not in prefer]
        chosen = ordered[:n]
        for c in chosen:
            by_owner[username].remove(c)
        return chosen

    # 2. due soon: the owner is warned (zhangwei, the demo rep, sees it on his customer pages)
    soon = take("zhangwei", 3, prefer=(CustomerStatus.PROSPECT,)) + take("huanglei", 1) + take("hanbing", 1)
    today = pool.local_day(now)
    for i, c in enumerate(soon):
        # last followed up 27-29 local days ago, during office hours: due in 1-3 days whatever the
        # hour the demo is loaded at (a moment "29 days and a few hours ago" falls on the day
        # before when loaded in the small hours, and the customer would be recycled at once)
        followed = min(now, pool.local_midnight(today - datetime.timedelta(days=27 + i % 3))
                       + datetime.timedelta(hours=9 + rng.randrange(0, 9)))
        # owned for 40 days (so the 90-day deal rule is far away)
        Customer.objects.filter(pk=c.pk).update(owned_since=now - datetime.timedelta(days=40),
                                                last_followup_at=followed)
    # 3. neglected: the daily job returns them to their pools
    neglected = take("wuting", 1) + take("panxiaoyan", 1) + take("xuqing", 1) + take("tangjing", 1)
    for c in neglected:
        Customer.objects.filter(pk=c.pk).update(owned_since=now - datetime.timedelta(days=60),
                                                last_followup_at=now - datetime.timedelta(days=rng.randint(35, 70)))
    result = ps.pool_recycle(day=pool.local_day(now), now=now)
    for c in neglected:
        if Customer.objects.filter(pk=c.pk, owner__isnull=True).exists():
            _date_back(c.pk, now - datetime.timedelta(days=rng.randint(1, 10), hours=rng.randrange(2, 20)))

    # 4. released by their owners, with a reason
    released: list[Customer] = []
    for username, n, days in RELEASES:
        for c, ago in zip(take(username, n), days, strict=False):
            ps.customer_release(actor=fresh(users[username]), customer_id=c.pk, reason=rng.choice(RELEASE_REASONS))
            _date_back(c.pk, now - datetime.timedelta(days=ago, hours=rng.randrange(1, 9)))
            released.append(c)
    # a head releases a team member's customer (the lead went cold)
    for c in take("zhaomin", 1):
        ps.customer_release(actor=fresh(users["lijing"]), customer_id=c.pk, reason="组内调整：该客户长期无进展，放回公海")
        _date_back(c.pk, now - datetime.timedelta(days=5, hours=3))
        released.append(c)

    # 5. out of the pool again: one claimed by a rep, one assigned by the office head
    liuyang_first = next(c for c in released if c.owner.username == "liuyang")
    ps.customer_claim(actor=fresh(users["zhaomin"]), customer_id=liuyang_first.pk)
    _date_back(liuyang_first.pk, now - datetime.timedelta(days=1, hours=2))
    huanglei_first = next(c for c in released if c.owner.username == "huanglei")
    ps.customer_assign_from_pool(actor=fresh(users["wanghaifeng"]), customer_id=huanglei_first.pk,
                                 user_id=users["wuting"].pk, reason="吴婷负责该区域，交给她跟进")

    # 6. a key account the team head keeps out of the pool whatever happens
    keep = next((c for c in alive if c.owner.username == "zhangwei" and c.status == CustomerStatus.ACTIVE
                 and c.pk not in busy and Customer.objects.filter(pk=c.pk, owner__isnull=False).exists()), None)
    if keep is not None:
        ps.customer_set_pool_exempt(actor=fresh(users["lijing"]), customer_id=keep.pk, exempt=True)

    return {
        "pool_customers": Customer.objects.filter(owner__isnull=True, deleted_at__isnull=True).count(),
        "pool_recycled": result.recycled,
        "pool_warnings": PoolEvent.objects.filter(kind=PoolEvent.Kind.WARNING).count(),
        "pool_exempt": Customer.objects.filter(Q(pool_exempt=True)).count(),
    }
