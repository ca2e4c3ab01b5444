"""The only readers of the public pool. Every read starts from ``org.visibility``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from pharmcrm.core.errors import NotFound
from pharmcrm.customers import pool
from pharmcrm.customers.models import Customer, PoolEvent, pool_clock
from pharmcrm.customers.pool_services import claims_today, last_release, may_claim
from pharmcrm.customers.selectors import _search
from pharmcrm.org import visibility
from pharmcrm.org.models import Department, DepartmentClosure, User

SORTS = {
    "released": ("-released_at", "-id"),
    "-released": ("released_at", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
}
DEFAULT_SORT = "released"


@dataclass(frozen=True)
class PoolFilters:
    q: str = ""
    type: str = ""
    region: str = ""  # a region code: the customers in it (a province contains its cities and counties)
    released_since: datetime.date | None = None
    department_id: int | None = None  # one department's pool (exactly that pool)
    sort: str = DEFAULT_SORT


def _region_prefix(code: str) -> str:
    try:
        from pharmcrm.core.regions import region_prefix
    except ImportError:  # pragma: no cover - before the regions land: 330000 -> 33, 330100 -> 3301
        code = code.strip()
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
        return code
    return region_prefix(code)


def pool_list(*, actor: User, filters: PoolFilters | None = None) -> QuerySet:
    """The pool customers ``actor`` sees (their department's pools and those above; heads also the
    pools below them; administrators all), with the previous owner and the release reason."""
    f = filters or PoolFilters()
    qs = visibility.visible_customers(actor, pool=True)
    qs = _search(qs, f.q)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.region:
        qs = qs.filter(region_code__startswith=_region_prefix(f.region))
    if f.released_since:
        qs = qs.filter(released_at__gte=pool.local_midnight(f.released_since))
    if f.department_id:
        qs = qs.filter(pool_department_id=f.department_id)
    last = PoolEvent.objects.filter(
        customer_id=OuterRef("pk"), kind__in=[PoolEvent.Kind.RELEASE, PoolEvent.Kind.AUTO_RECYCLE]
    ).order_by("-at", "-id")
    qs = qs.annotate(
        previous_owner_id=Subquery(last.values("from_user_id")[:1]),
        previous_owner_name=Subquery(last.values("from_user__full_name")[:1]),
        previous_at=Subquery(last.values("at")[:1]),
        release_reason=Subquery(last.values("reason")[:1]),
    )
    return qs.select_related("pool_department").order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def pool_departments(*, actor: User) -> list[Department]:
    """The departments whose pool ``actor`` sees (for the filter), in tree order."""
    if not actor.is_active:
        return []
    if actor.is_admin:
        qs = Department.objects.all()
    else:
        ids: set[int] = set()
        if visibility.reads_pool(actor):
            ids |= set(visibility.pool_ancestor_ids(actor).values_list("ancestor_id", flat=True))
        if actor.headed_department_ids:
            ids |= set(DepartmentClosure.objects.filter(ancestor_id__in=actor.headed_department_ids)
                       .values_list("descendant_id", flat=True))
        qs = Department.objects.filter(pk__in=ids)
    # only departments whose pool holds something: short lists, no dead options (cust_pool_idx)
    holds = Customer.objects.filter(pool_department_id=OuterRef("pk"), deleted_at__isnull=True)
    return list(qs.filter(Exists(holds)).order_by("sort_order", "name", "id"))


@dataclass(frozen=True)
class Quota:
    may_claim: bool
    claims_per_day: int
    claimed_today: int
    owned: int
    max_owned: int

    @property
    def claims_left(self) -> int:
        if not self.may_claim:
            return 0
        return max(0, min(self.claims_per_day - self.claimed_today, self.max_owned - self.owned))


def pool_quota(*, actor: User) -> Quota:
    """How many more customers ``actor`` may claim today (daily limit X and total Y)."""
    policy = pool.policy_get()
    able = may_claim(actor)
    return Quota(
        may_claim=able,
        claims_per_day=policy.claims_per_day,
        claimed_today=claims_today(actor) if able else 0,
        owned=Customer.objects.filter(owner_id=actor.pk, deleted_at__isnull=True).count() if able else 0,
        max_owned=policy.max_owned,
    )


def pool_warnings(*, actor: User, team: bool = False, limit: int = 50) -> list[Customer]:
    """Customers that return to the pool within the warning days unless followed up, soonest
    first, each with ``pool_due`` (``customers.pool.Due``). Mine, or (``team``) those a head or
    administrator may transfer. Empty when automatic recycling is off.

    One query per active rule, each walking that rule's clock index (``pool_clock``) in order
    and stopping at ``limit`` rows, whatever the size of the subtree; the soonest ``limit`` of
    their union are the soonest overall (a customer among the first ``limit`` by its earlier
    rule is among the first ``limit`` of that rule)."""
    policy = pool.policy_get()
    if not policy.auto_recycle:
        return []
    horizon = pool.today() + datetime.timedelta(days=policy.warning_days)
    base = visibility.transferable_customers(actor) if team else visibility.visible_customers(actor, pool=False)
    if not team:
        base = base.filter(owner_id=actor.pk)
    base = base.filter(owner__isnull=False, owner_department__isnull=False, deleted_at__isnull=True).exclude(
        pool.exempt_q())
    found: dict[int, Customer] = {}
    for field, days in (("last_followup_at", policy.followup_days), ("last_deal_at", policy.deal_days)):
        if not days:
            continue
        cutoff = pool.local_midnight(horizon - datetime.timedelta(days=days - 1))
        qs = (base.annotate(pool_clock=pool_clock(field)).filter(pool_clock__lt=cutoff)
              .select_related("owner").order_by("pool_clock", "id"))
        for c in qs[:limit]:
            found.setdefault(c.pk, c)
    rows = []
    for c in found.values():
        c.pool_due = pool.due_of(policy, c)
        rows.append(c)
    rows.sort(key=lambda c: (_due_moment(policy, c), c.pk))
    return rows[:limit]


def _due_moment(policy, c: Customer) -> datetime.datetime:
    """The moment the customer's earlier clock runs out (the order of the warnings)."""
    own = c.owned_since or c.created_at
    moments = [max(getattr(c, field) or c.created_at, own) + datetime.timedelta(days=days)
               for field, days in (("last_followup_at", policy.followup_days), ("last_deal_at", policy.deal_days))
               if days]
    return min(moments)


def customer_pool_status(*, actor: User, customer: Customer) -> dict:
    """For the customer page: in the pool or not, may I claim/assign/release/exempt, when it is due,
    and whether I am the previous owner still barred from claiming it back."""
    policy = pool.policy_get()
    in_pool = customer.owner_id is None
    status = {"in_pool": in_pool, "policy": policy, "due": None, "reclaim_from": None,
              "can_claim": False, "can_assign": False, "can_release": False, "can_exempt": False,
              "previous": None}
    if in_pool:
        status["can_assign"] = visibility.manageable_customers(actor, pool=True).filter(pk=customer.pk).exists()
        status["can_claim"] = may_claim(actor)
        previous = last_release(customer.pk)
        status["previous"] = previous
        if previous is not None and previous.from_user_id == actor.pk:
            allowed = pool.reclaim_allowed_on(policy, previous.at)
            if pool.today() < allowed:
                status["reclaim_from"] = allowed
    else:
        status["can_release"] = visibility.manageable_customers(actor, pool=False).filter(pk=customer.pk).exists()
        status["can_exempt"] = visibility.transferable_customers(actor).filter(pk=customer.pk).exists()
        if policy.auto_recycle and not customer.pool_exempt:
            status["due"] = pool.due_of(policy, customer)
    return status


def pool_events(*, actor: User, customer_id: int) -> QuerySet:
    """The customer's pool history (releases, recycling, claims, assignments, warnings)."""
    if not visibility.can_see(actor, customer_id):
        raise NotFound("Customer not found.")
    return (PoolEvent.objects.filter(customer_id=customer_id)
            .select_related("from_user", "to_user", "actor", "department").order_by("-at", "-id"))
