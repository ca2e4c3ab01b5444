"""Supervision (issue 5): a head's team activity feed (团队动态) and one subordinate's
interactions over any period. Read-only.

Who: heads only (``may_supervise``); the team is every user whose department lies in the
subtree of the departments the head heads, at any depth (``org.visibility.subtree_department_ids``,
the same rule as the desktop's team view). What: follow-ups logged by those users AND visible
to the head (``activities.selectors.visible_followups``): a subordinate's follow-up at a
customer the head cannot see (shared with the subordinate from another branch) never shows.
A person or department outside the subtree simply matches nothing — ids never leak.

Days are local days (Asia/Shanghai). Constant queries whatever the rows: the rows (author and
customer joined), one aggregate for the per-person/per-day/per-channel summary, one for the
people and one for the departments of the filter bar.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.activities.models import Channel, FollowUp
from pharmcrm.activities.selectors import visible_followups
from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility
from pharmcrm.org.models import Department, DepartmentClosure, User

DEFAULT_DAYS = 7
MAX_DAYS = 366  # one period at most a year (the summary aggregates it in one query)
SUMMARY_PEOPLE = 30  # rows of the per-person table: the most active; the rest are counted
SUMMARY_DAY_COLUMNS = 14  # the summary shows a column per day up to this many days, else totals only


def may_supervise(user: User) -> bool:
    return bool(user.is_active and user.is_head)


def require_supervisor(actor: User) -> None:
    """``NotFound`` (the 404 page) for anyone but an active head."""
    if not may_supervise(actor):
        raise NotFound(_("Page not found."))


def team_members(actor: User) -> QuerySet:
    """The users of the head's subtree (active first, by name); none for a non-head."""
    if not may_supervise(actor):
        return User.objects.none()
    return (User.objects.filter(department_id__in=visibility.subtree_department_ids(actor))
            .select_related("department").order_by("-is_active", "full_name", "username"))


def team_departments(actor: User) -> QuerySet:
    if not may_supervise(actor):
        return Department.objects.none()
    return Department.objects.filter(id__in=visibility.subtree_department_ids(actor)).order_by("sort_order", "id")


def member_get(*, actor: User, user_id: int) -> User:
    """A user of ``actor``'s subtree, or ``NotFound`` (not a head, a peer, missing: the same)."""
    require_supervisor(actor)
    member = team_members(actor).filter(pk=user_id).first()
    if member is None:
        raise NotFound(_("Person not found."))
    return member


@dataclass
class Period:
    day_from: datetime.date
    day_to: datetime.date

    @classmethod
    def of(cls, day_from: datetime.date | None, day_to: datetime.date | None, *,
           default_days: int = DEFAULT_DAYS, today: datetime.date | None = None) -> Period:
        """The local days ``day_from .. day_to``; missing ends default to the last ``default_days``
        days up to today; swapped ends are put in order; at most ``MAX_DAYS`` long."""
        today = today or timezone.localdate()
        day_to = day_to or (today if day_from is None else max(day_from, today))
        day_from = day_from or day_to - datetime.timedelta(days=default_days - 1)
        if day_from > day_to:
            day_from, day_to = day_to, day_from
        if (day_to - day_from).days >= MAX_DAYS:
            day_from = day_to - datetime.timedelta(days=MAX_DAYS - 1)
        return cls(day_from, day_to)

    @property
    def days(self) -> list[datetime.date]:
        n = (self.day_to - self.day_from).days + 1
        return [self.day_to - datetime.timedelta(days=i) for i in range(n)]  # newest first

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        start = timezone.make_aware(datetime.datetime.combine(self.day_from, datetime.time.min))
        end = timezone.make_aware(datetime.datetime.combine(self.day_to + datetime.timedelta(days=1),
                                                            datetime.time.min))
        return start, end


@dataclass
class FeedFilters:
    person_id: int | None = None
    department_id: int | None = None
    channel: str = ""
    period: Period | None = None


def team_feed(*, actor: User, filters: FeedFilters) -> QuerySet:
    """Follow-ups logged by ``actor``'s team and visible to ``actor``, newest first (``NotFound``
    for a non-head). The person and department filters only narrow within the subtree."""
    require_supervisor(actor)
    subtree = visibility.subtree_department_ids(actor)
    qs = visible_followups(actor).filter(author__department_id__in=subtree)
    if filters.person_id:
        qs = qs.filter(author_id=filters.person_id)
    if filters.department_id:
        below = DepartmentClosure.objects.filter(ancestor_id=filters.department_id).values("descendant_id")
        qs = qs.filter(author__department_id__in=below)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.period is not None:
        start, end = filters.period.bounds()
        qs = qs.filter(occurred_at__gte=start, occurred_at__lt=end)
    return qs.select_related("author", "author__department", "customer").order_by("-occurred_at", "-id")


def local_day(fu: FollowUp) -> datetime.date:
    return timezone.localdate(fu.occurred_at)


def group_by_day(rows: list[FollowUp]) -> list[tuple[datetime.date, list[FollowUp]]]:
    """Rows (newest first) grouped by their local day, in order."""
    out: list[tuple[datetime.date, list[FollowUp]]] = []
    for fu in rows:
        day = local_day(fu)
        if not out or out[-1][0] != day:
            out.append((day, []))
        out[-1][1].append(fu)
    return out


@dataclass
class PersonSummary:
    user_id: int
    name: str
    total: int = 0
    per_day: dict[datetime.date, int] = field(default_factory=dict)
    per_channel: dict[str, int] = field(default_factory=dict)
    cells: list[int] = field(default_factory=list)  # counts of the summary's day columns

    def day_counts(self, days: list[datetime.date]) -> list[int]:
        return [self.per_day.get(d, 0) for d in days]


@dataclass
class FeedSummary:
    people: list[PersonSummary]  # the most active ``SUMMARY_PEOPLE``
    days: list[datetime.date]  # the day columns (oldest first), empty when the period is long
    total: int
    per_channel: dict[str, int]
    per_day: dict[datetime.date, int]
    people_more: int = 0  # active people not in ``people`` (a whole company's feed)
    people_count: int = 0

    def channel_rows(self) -> list[tuple[str, str, int]]:
        return [(code, str(label), self.per_channel.get(code, 0)) for code, label in Channel.choices
                if self.per_channel.get(code)]

    def day_totals(self) -> list[int]:
        return [self.per_day.get(d, 0) for d in self.days]


def feed_summary(qs: QuerySet, period: Period, names: dict[int, str]) -> FeedSummary:
    """Per person, per local day and per channel counts of the feed ``qs``: ONE aggregate query."""
    rows = (qs.order_by().annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
            .values("author_id", "day", "channel").annotate(n=Count("id")))
    people: dict[int, PersonSummary] = {}
    per_channel: dict[str, int] = defaultdict(int)
    per_day: dict[datetime.date, int] = defaultdict(int)
    total = 0
    for r in rows:
        day = r["day"]
        if isinstance(day, datetime.datetime):
            day = day.date()
        elif isinstance(day, str):
            day = datetime.date.fromisoformat(day[:10])
        p = people.get(r["author_id"])
        if p is None:
            p = people[r["author_id"]] = PersonSummary(r["author_id"], names.get(r["author_id"], "?"))
        p.total += r["n"]
        p.per_day[day] = p.per_day.get(day, 0) + r["n"]
        p.per_channel[r["channel"]] = p.per_channel.get(r["channel"], 0) + r["n"]
        per_channel[r["channel"]] += r["n"]
        per_day[day] += r["n"]
        total += r["n"]
    days = list(reversed(period.days)) if len(period.days) <= SUMMARY_DAY_COLUMNS else []
    ordered = sorted(people.values(), key=lambda p: (-p.total, p.name))
    shown = ordered[:SUMMARY_PEOPLE]
    for p in shown:
        p.cells = p.day_counts(days)
    return FeedSummary(shown, days, total, dict(per_channel), dict(per_day), people_more=len(ordered) - len(shown),
                       people_count=len(ordered))


def person_interactions(*, actor: User, user_id: int, period: Period, channel: str = "") -> tuple[User, QuerySet]:
    """(the subordinate, their follow-ups in ``period`` visible to ``actor``, newest first);
    ``NotFound`` unless ``user_id`` is in ``actor``'s subtree."""
    member = member_get(actor=actor, user_id=user_id)
    qs = team_feed(actor=actor, filters=FeedFilters(person_id=member.pk, channel=channel, period=period))
    return member, qs


def channel_counts(qs: QuerySet) -> dict[str, int]:
    """{channel: count} of ``qs`` (one aggregate query)."""
    return {r["channel"]: r["n"] for r in qs.order_by().values("channel").annotate(n=Count("id"))}
