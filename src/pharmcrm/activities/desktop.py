"""My Desktop's follow-up plan (我的桌面: 今日待跟进 and 未来 7 天, issue 4 item 2).

A customer's plan is the next date and plan of its latest follow-up, kept denormalised on
``Customer.next_followup_on`` (``activities.services.refresh_plan``); logging a newer follow-up
supersedes it, which is how a plan completes. Rows are the customers the user may write and
works on: "mine" = owned by the user; "team" (heads) = owned by anyone in the departments they
head and below (``org.visibility.subtree_department_ids``). Dates are local days
(Asia/Shanghai, ``timezone.localdate()``).

Constant queries whatever the number of rows: one aggregate for the counts (and one for the
per-person table of a team), two per section: its (capped) rows, then what was said last time
and the planned action from the latest follow-up of exactly those customers (one query).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from pharmcrm.activities.models import FollowUp
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User

UPCOMING_DAYS = 7
SECTION_ROWS = 50
PEOPLE_ROWS = 20  # the team table shows the most overdue people; the rest are counted
SUMMARY_CHARS = 120
MINE, TEAM = "mine", "team"
# what a row shows (the page and the API): not the customer's forty other columns
ROW_FIELDS = ("id", "name", "next_followup_on", "owner_id", "owner_department_id", "owner__id",
              "owner__full_name", "owner__username")


def may_use_team(user: User) -> bool:
    return user.is_active and user.is_head


def scope_of(user: User, asked: str | None) -> str:
    """``team`` only for heads; anything else (or a rep asking for it) is ``mine``."""
    return TEAM if asked == TEAM and may_use_team(user) else MINE


def planned_customers(user: User, scope: str = MINE) -> QuerySet:
    """Alive customers with a plan that ``user`` works on in ``scope``."""
    qs = Customer.objects.filter(deleted_at__isnull=True, next_followup_on__isnull=False)
    if scope == TEAM and may_use_team(user):
        return qs.filter(owner__isnull=False, owner_department_id__in=visibility.subtree_department_ids(user))
    return qs.filter(owner_id=user.pk)


@dataclass
class PlanRow:
    customer: Customer
    due: datetime.date
    today: datetime.date
    last_content: str
    last_at: datetime.datetime | None
    next_plan: str

    @property
    def overdue_days(self) -> int:
        return max(0, (self.today - self.due).days)

    @property
    def days_ahead(self) -> int:
        return max(0, (self.due - self.today).days)


@dataclass
class PersonCount:
    user_id: int
    name: str
    overdue: int
    today: int
    upcoming: int = 0


@dataclass
class Plans:
    scope: str
    today: datetime.date
    due: list[PlanRow] = field(default_factory=list)  # overdue first, then today's
    upcoming: list[PlanRow] = field(default_factory=list)  # tomorrow .. today + 7
    overdue_count: int = 0
    today_count: int = 0
    upcoming_count: int = 0
    people: list[PersonCount] = field(default_factory=list)  # team scope only, the most overdue first
    people_more: int = 0  # people with due plans not in ``people``

    @property
    def due_count(self) -> int:
        return self.overdue_count + self.today_count

    @property
    def due_more(self) -> int:
        return self.due_count - len(self.due)

    @property
    def upcoming_more(self) -> int:
        return self.upcoming_count - len(self.upcoming)

    @property
    def empty(self) -> bool:
        return not self.due_count and not self.upcoming_count


def _latest_followups(customer_ids: list[int]) -> dict[int, dict]:
    """The latest follow-up (by occurred_at, id) of each of ``customer_ids``: ONE query, a
    correlated sub-select per shown customer (never per planned customer of a whole subtree)."""
    if not customer_ids:
        return {}
    latest = (FollowUp.objects.filter(customer_id=OuterRef("pk")).order_by("-occurred_at", "-id").values("id")[:1])
    ids = Customer._base_manager.filter(pk__in=customer_ids).annotate(latest=Subquery(latest)).values("latest")
    rows = (FollowUp.objects.filter(pk__in=ids)
            .annotate(summary=Substr("content", 1, SUMMARY_CHARS + 1), plan=Substr("next_plan", 1, SUMMARY_CHARS + 1))
            .values("customer_id", "summary", "plan", "occurred_at"))
    return {r["customer_id"]: r for r in rows}


def _rows(qs: QuerySet, today: datetime.date, limit: int) -> list[PlanRow]:
    customers = list(qs.select_related("owner").only(*ROW_FIELDS).order_by("next_followup_on", "name", "id")[:limit])
    latest = _latest_followups([c.pk for c in customers])
    out = []
    for c in customers:
        fu = latest.get(c.pk, {})
        out.append(PlanRow(customer=c, due=c.next_followup_on, today=today, last_content=fu.get("summary") or "",
                           last_at=fu.get("occurred_at"), next_plan=fu.get("plan") or ""))
    return out


def followup_plans(*, actor: User, scope: str = MINE, limit: int = SECTION_ROWS,
                   today: datetime.date | None = None) -> Plans:
    """The due (overdue and today's) and upcoming plans of ``actor`` in ``scope`` (see module)."""
    scope = scope_of(actor, scope)
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=UPCOMING_DAYS)
    base = planned_customers(actor, scope).filter(next_followup_on__lte=horizon)
    plans = Plans(scope=scope, today=today)
    if scope == TEAM:  # the per-person table's one aggregate gives the totals too
        people = _per_person(base, today)
        due_people = [p for p in people if p.overdue or p.today]
        plans.people = _named(due_people[:PEOPLE_ROWS])
        plans.people_more = len(due_people) - len(plans.people)
        plans.overdue_count = sum(p.overdue for p in people)
        plans.today_count = sum(p.today for p in people)
        plans.upcoming_count = sum(p.upcoming for p in people)
    else:
        counts = base.aggregate(
            overdue=Count("id", filter=Q(next_followup_on__lt=today)),
            due_today=Count("id", filter=Q(next_followup_on=today)),
            upcoming=Count("id", filter=Q(next_followup_on__gt=today)),
        )
        plans.overdue_count, plans.today_count, plans.upcoming_count = (
            counts["overdue"], counts["due_today"], counts["upcoming"])
    if plans.due_count:
        plans.due = _rows(base.filter(next_followup_on__lte=today), today, limit)
    if plans.upcoming_count:
        plans.upcoming = _rows(base.filter(next_followup_on__gt=today), today, limit)
    return plans


def _per_person(base: QuerySet, today: datetime.date) -> list[PersonCount]:
    """Each owner's plans overdue, due today and upcoming, most overdue first: ONE aggregate
    over the customer table alone (an index-only scan of ``cust_dept_plan_idx`` for a whole
    company), names filled by ``_named`` for the rows shown only."""
    # COUNT(owner_id), never NULL here: a column of the index, so no table row is read
    rows = (base.values("owner_id")
            .annotate(overdue=Count("owner_id", filter=Q(next_followup_on__lt=today)),
                      due_today=Count("owner_id", filter=Q(next_followup_on=today)),
                      upcoming=Count("owner_id", filter=Q(next_followup_on__gt=today)))
            .order_by())
    people = [PersonCount(r["owner_id"], "", r["overdue"], r["due_today"], r["upcoming"]) for r in rows]
    people.sort(key=lambda p: (-p.overdue, -p.today, p.user_id))
    return people


def _named(people: list[PersonCount]) -> list[PersonCount]:
    """Fill the names (one query), ordered as before with ties by name."""
    if not people:
        return people
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=[p.user_id for p in people])
             .only("pk", "full_name", "username")}
    for p in people:
        p.name = names.get(p.user_id, "")
    return sorted(people, key=lambda p: (-p.overdue, -p.today, p.name))
