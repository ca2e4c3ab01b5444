"""The public pool's rules (公海, DOMAIN.md "Ownership, visibility, sharing").

* ``policy_get()`` — the rules (``PoolPolicy``), cached for a minute per process.
* ``exempt_q()`` — THE hook for exemptions from automatic recycling: a ``Q`` on ``Customer``
  matching customers that never return to the pool on their own. It ORs the manual flag
  ``pool_exempt`` (set by a head) with every function registered with
  ``register_exemption``. Other areas extend it from their ``AppConfig.ready()``, e.g. the
  agency agreements::

      from pharmcrm.customers import pool
      pool.register_exemption(lambda: Q(Exists(Agreement.objects.filter(
          agent=OuterRef("pk"), status="active"))))

  (use ``Exists`` so that no join multiplies rows).
* The day arithmetic. Days are calendar days in the company's time zone (settings.TIME_ZONE,
  Asia/Shanghai). A customer's follow-up clock is the later of its last follow-up (or its
  creation when none is recorded) and the moment its current owner got it (``owned_since``:
  creation, claim, assignment, transfer); likewise the deal clock with the last deal. With
  N days without follow-up, a customer whose follow-up clock falls on day F is *due* on
  day F + N; with M days without a deal, on D + M; the earlier of the two counts. The daily
  job of day T returns every customer due on or before T to the pool and warns the owners of
  those due by T + K (K warning days).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from pharmcrm.customers.models import Customer, PoolPolicy

POLICY_CACHE_KEY = "pool-policy:v1"
POLICY_CACHE_SECONDS = 60

# --- the rules -----------------------------------------------------------------------------


def policy_get(*, fresh: bool = False) -> PoolPolicy:
    """The pool's rules. Unsaved defaults until an administrator saves them; cached a minute
    (other worker processes see a change within that minute; ``fresh`` reads the database)."""
    policy = None if fresh else cache.get(POLICY_CACHE_KEY)
    if policy is None:
        policy = PoolPolicy.objects.filter(pk=PoolPolicy.SINGLETON_PK).first() or PoolPolicy(
            pk=PoolPolicy.SINGLETON_PK
        )
        cache.set(POLICY_CACHE_KEY, policy, POLICY_CACHE_SECONDS)
    return policy


def policy_forget() -> None:
    cache.delete(POLICY_CACHE_KEY)


# --- exemptions ----------------------------------------------------------------------------

_EXEMPTIONS: list[Callable[[], Q]] = []


def register_exemption(fn: Callable[[], Q]) -> Callable[[], Q]:
    """Add a source of exemptions: ``fn()`` returns a ``Q`` on ``Customer`` (idempotent)."""
    if fn not in _EXEMPTIONS:
        _EXEMPTIONS.append(fn)
    return fn


def exempt_q() -> Q:
    """Customers that automatic recycling never touches (manual flag or a registered rule)."""
    q = Q(pool_exempt=True)
    for fn in _EXEMPTIONS:
        q |= fn()
    return q


# --- days ----------------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def local_midnight(day: datetime.date) -> datetime.datetime:
    """00:00 of ``day`` in the company's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _clock_before(field: str, cutoff: datetime.datetime) -> Q:
    """The clock ``max(field or created_at, owned_since or created_at)`` is before ``cutoff``."""

    def older(name: str) -> Q:
        return Q(**{f"{name}__lt": cutoff}) | Q(**{f"{name}__isnull": True}, created_at__lt=cutoff)

    return older(field) & older("owned_since")


def due_by_q(policy: PoolPolicy, day: datetime.date) -> Q | None:
    """Owned customers due to return to the pool on or before ``day`` by the rules (exemptions
    not applied); None when every rule is switched off."""
    terms = []
    for field, days in (("last_followup_at", policy.followup_days), ("last_deal_at", policy.deal_days)):
        if days:
            terms.append(_clock_before(field, local_midnight(day - datetime.timedelta(days=days - 1))))
    if not terms:
        return None
    q = terms[0]
    for t in terms[1:]:
        q |= t
    return Q(owner__isnull=False, deleted_at__isnull=True) & q


def recyclable_q(policy: PoolPolicy, day: datetime.date) -> Q | None:
    """``due_by_q`` without the exempt customers: what the daily job of ``day`` recycles."""
    due = due_by_q(policy, day)
    return None if due is None else due & ~exempt_q()


@dataclass(frozen=True)
class Due:
    on: datetime.date
    rule: str  # "followup" | "deal"
    days: int


def due_of(policy: PoolPolicy, customer: Customer) -> Due | None:
    """When (and by which rule) ``customer`` is due to return to the pool; None if never."""
    own = customer.owned_since or customer.created_at
    found: Due | None = None
    for rule, field, days in (
        ("followup", "last_followup_at", policy.followup_days),
        ("deal", "last_deal_at", policy.deal_days),
    ):
        if not days:
            continue
        clock = max(getattr(customer, field) or customer.created_at, own)
        on = local_day(clock) + datetime.timedelta(days=days)
        if found is None or on < found.on:
            found = Due(on, rule, days)
    return found


def reclaim_allowed_on(policy: PoolPolicy, released_at: datetime.datetime) -> datetime.date:
    """The first day the previous owner may claim a customer back."""
    return local_day(released_at) + datetime.timedelta(days=policy.reclaim_days)


# --- whose pool ----------------------------------------------------------------------------


def pool_departments_for(department_ids: set[int], level: int) -> dict[int, int]:
    """{department id: the department whose pool its customers go to} at ``level``.

    ``level`` 0: the department itself; N >= 1: its ancestor on tree level N (the top level is
    1), or the department itself when it is not that deep. One query for all of them.
    """
    from pharmcrm.org.models import DepartmentClosure

    if level == 0 or not department_ids:
        return {d: d for d in department_ids}
    chains: dict[int, list[tuple[int, int]]] = {d: [] for d in department_ids}
    for anc, desc, depth in DepartmentClosure.objects.filter(descendant_id__in=department_ids).values_list(
        "ancestor_id", "descendant_id", "depth"
    ):
        chains[desc].append((depth, anc))
    out = {}
    for dept, chain in chains.items():
        own_level = max((d for d, _a in chain), default=0) + 1
        up = max(own_level - level, 0)
        out[dept] = next((a for d, a in chain if d == up), dept)
    return out
