"""The only readers of duplicate conflicts (撞单申诉).

Who sees a conflict: its claimant, the current owner of the customer it is about, the people
who may decide it (``conflicts.can_decide``) and administrators. What each of them sees of the
two customers is ``conflict_sides``: the claimant never sees the existing customer unless the
visibility rule lets them (e.g. after a transfer); the owner does not see what the claimant
entered.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.customers.conflict_models import ConflictStatus, CustomerConflict
from pharmcrm.customers.conflicts import can_see_conflict
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import DepartmentClosure, User

BOXES = ("arbitrate", "mine", "about", "all")
STATUS_FILTERS = ("open", "closed", "any")


def _base() -> QuerySet:
    return CustomerConflict.objects.select_related(
        "customer__owner", "customer__owner_department", "claimant__department", "decided_by",
        "arbiter_department", "owner", "claimant_customer",
    )


def _arbitrable(actor: User) -> Q:
    """Conflicts ``actor`` may decide (before the "not your own" exclusions)."""
    if actor.is_admin:
        return Q()
    if not actor.headed_department_ids:
        return Q(pk__in=[])
    return Q(arbiter_department_id__in=visibility.subtree_department_ids(actor))


def default_box(actor: User) -> str:
    return "arbitrate" if actor.is_admin or actor.is_head else "mine"


def conflict_list(*, actor: User, box: str = "", status: str = "open") -> QuerySet:
    """``box``: "arbitrate" (to decide), "mine" (raised by me), "about" (about customers I own),
    "all" (administrators). ``status``: "open", "closed" or "any"."""
    if not actor.is_active:
        return CustomerConflict.objects.none()
    box = box if box in BOXES else default_box(actor)
    qs = _base()
    if box == "mine":
        qs = qs.filter(claimant=actor)
    elif box == "about":
        qs = qs.filter(customer__owner=actor)
    elif box == "all":
        if not actor.is_admin:
            return CustomerConflict.objects.none()
    else:
        qs = qs.filter(_arbitrable(actor)).exclude(claimant=actor).exclude(customer__owner=actor)
    if status == "open":
        qs = qs.filter(status=ConflictStatus.OPEN)
    elif status == "closed":
        qs = qs.exclude(status=ConflictStatus.OPEN)
    return qs.order_by("-created_at", "-id")


def conflict_counts(*, actor: User) -> dict[str, int]:
    """Open conflicts per box (the tab badges), in one query."""
    from django.db.models import Count

    if not actor.is_active:
        return {}
    arbitrate = _arbitrable(actor) & ~Q(claimant=actor) & ~Q(customer__owner=actor)
    counts = CustomerConflict.objects.filter(status=ConflictStatus.OPEN).aggregate(
        arbitrate=Count("pk", filter=arbitrate),
        mine=Count("pk", filter=Q(claimant=actor)),
        about=Count("pk", filter=Q(customer__owner=actor)),
        all=Count("pk"),
    )
    if not actor.is_admin:
        counts.pop("all")
    return counts


# Short: the cache is per process unless a shared one is configured, and a conflict decided
# in one worker drops the kept counts of that worker only; another shows its count for at most
# this long (a navigation badge, never a decision).
BADGE_SECONDS = 10


def conflict_badge(*, actor: User) -> int:
    """The number on the customer list's "duplicate conflicts" link: open conflicts waiting for
    ``actor`` to decide (heads, administrators) or raised by them. Kept per user for
    ``BADGE_SECONDS`` and dropped whenever a conflict is raised, withdrawn or decided (a change
    of who heads what, or a decision taken in another worker process, shows within seconds)."""
    from pharmcrm.customers.conflicts import BADGE_GENERATION_KEY

    key = f"conflict-badge:{cache.get(BADGE_GENERATION_KEY, 0)}:{actor.pk}"
    n = cache.get(key)
    if n is None:
        counts = conflict_counts(actor=actor)
        n = counts.get("mine", 0) + (counts.get("arbitrate", 0) if actor.is_head or actor.is_admin else 0)
        cache.set(key, n, BADGE_SECONDS)
    return n


def conflict_get(*, actor: User, conflict_id: int) -> CustomerConflict:
    """The conflict, or ``NotFound`` if it is missing or ``actor`` may not see it."""
    conflict = _base().filter(pk=conflict_id).first()
    if conflict is None or not can_see_conflict(actor, conflict):
        raise NotFound(_("Conflict not found."))
    return conflict


@dataclass(frozen=True)
class ConflictView:
    """What ``actor`` may see of a conflict's two sides."""

    conflict: CustomerConflict
    can_decide: bool
    can_withdraw: bool
    existing: Customer | None  # the existing customer, if actor may see it
    claimant_record: Customer | None  # the claimant's own record, if any and actor may see it
    show_data: bool  # what the claimant entered (claimant, deciders, administrators)


def conflict_views(*, actor: User, conflicts: list[CustomerConflict]) -> list[ConflictView]:
    """``ConflictView`` for each conflict, with two queries whatever their number."""
    ids = {c.customer_id for c in conflicts} | {c.claimant_customer_id for c in conflicts if c.claimant_customer_id}
    seen = set(visibility.visible_customers(actor, include_deleted=True).filter(pk__in=ids)
               .values_list("pk", flat=True)) if ids else set()
    arbiters = {c.arbiter_department_id for c in conflicts if c.arbiter_department_id}
    headed = actor.headed_department_ids if actor.is_active else []
    decidable_depts = set(
        DepartmentClosure.objects.filter(ancestor_id__in=headed, descendant_id__in=arbiters)
        .values_list("descendant_id", flat=True)
    ) if arbiters and headed else set()
    views = []
    for c in conflicts:
        decider = (
            actor.is_active and actor.pk not in (c.claimant_id, c.customer.owner_id)
            and (actor.is_admin or c.arbiter_department_id in decidable_depts)
        )
        views.append(ConflictView(
            conflict=c,
            can_decide=decider and c.is_open,
            can_withdraw=c.is_open and c.claimant_id == actor.pk,
            existing=c.customer if c.customer_id in seen else None,
            claimant_record=c.claimant_customer if c.claimant_customer_id in seen else None,
            show_data=decider or actor.is_admin or c.claimant_id == actor.pk,
        ))
    return views


def conflict_sides(*, actor: User, conflict: CustomerConflict) -> ConflictView:
    return conflict_views(actor=actor, conflicts=[conflict])[0]
