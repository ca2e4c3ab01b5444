"""The follow-up calendar (issue 5 item 6): planned follow-ups by day, a month or a week at a
time, for me or (heads) my team — the same customers and scope rules as My Desktop
(``activities.desktop.planned_customers`` and ``scope_of``): a customer's plan is
``Customer.next_followup_on`` (the latest follow-up's next date, or where it was moved to:
``services.plan_reschedule``). Plans already overdue are listed on today (marked) when today
is in view. Constant queries: the (capped) customers, then the latest follow-up of exactly
those (what was said, the planned action).
"""

from __future__ import annotations

import calendar as pycalendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from pharmcrm.activities.desktop import MINE, _latest_followups, planned_customers, scope_of
from pharmcrm.org.models import User

MAX_ENTRIES = 500  # a regional head's month can be large: the rest is counted, not listed
MAX_SPAN_DAYS = 62
MONTH, WEEK = "month", "week"


@dataclass
class Entry:
    customer_id: int
    customer_name: str
    owner_id: int | None
    owner_name: str
    due: datetime.date
    shown_on: datetime.date  # the day it is listed on: due, or today when overdue
    overdue_days: int
    next_plan: str
    last_content: str


@dataclass
class Plans:
    scope: str
    start: datetime.date
    end: datetime.date
    today: datetime.date
    entries: list[Entry] = field(default_factory=list)
    more: int = 0  # beyond MAX_ENTRIES

    def by_day(self) -> dict[datetime.date, list[Entry]]:
        out: dict[datetime.date, list[Entry]] = {}
        for e in self.entries:
            out.setdefault(e.shown_on, []).append(e)
        return out


def calendar_plans(*, actor: User, start: datetime.date, end: datetime.date, scope: str = MINE,
                   today: datetime.date | None = None, limit: int = MAX_ENTRIES) -> Plans:
    """The plans due ``start .. end`` (local days, inclusive; at most ``MAX_SPAN_DAYS``), and the
    overdue ones when today is in that range, of ``actor`` in ``scope`` (team for heads only)."""
    scope = scope_of(actor, scope)
    today = today or timezone.localdate()
    if end < start:
        start, end = end, start
    end = min(end, start + datetime.timedelta(days=MAX_SPAN_DAYS - 1))
    cond = Q(next_followup_on__gte=start, next_followup_on__lte=end)
    if start <= today <= end:
        cond |= Q(next_followup_on__lt=today)
    qs = planned_customers(actor, scope).filter(cond)
    customers = list(qs.select_related("owner").order_by("next_followup_on", "name", "id")[:limit + 1])
    plans = Plans(scope=scope, start=start, end=end, today=today)
    if len(customers) > limit:
        customers = customers[:limit]
        plans.more = qs.count() - limit
    latest = _latest_followups([c.pk for c in customers])
    for c in customers:
        due = c.next_followup_on
        fu = latest.get(c.pk, {})
        plans.entries.append(Entry(
            customer_id=c.pk, customer_name=c.name, owner_id=c.owner_id,
            owner_name=(c.owner.full_name or c.owner.username) if c.owner else "",
            due=due, shown_on=max(due, today) if due < today else due, overdue_days=max(0, (today - due).days),
            next_plan=fu.get("plan") or "", last_content=fu.get("summary") or ""))
    return plans


def month_grid(year: int, month: int) -> list[list[datetime.date]]:
    """The weeks (Monday first) covering the month, as lists of seven days."""
    return pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def week_of(day: datetime.date) -> list[datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return [monday + datetime.timedelta(days=i) for i in range(7)]
