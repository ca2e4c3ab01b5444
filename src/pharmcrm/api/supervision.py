"""Supervision and the follow-up calendar (issue 5): the team feed and a subordinate's
interactions (heads only: anyone else, and any person outside the head's subtree, is a 404),
the calendar of planned follow-ups (mine, or my team's for heads) and moving a plan to
another day. Reads through activities.feed / activities.calendar (visibility-checked), the
move through activities.services.plan_reschedule (rights checked there)."""

from __future__ import annotations

import datetime
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from pharmcrm.activities import feed, services
from pharmcrm.activities.calendar import MAX_SPAN_DAYS, calendar_plans
from pharmcrm.activities.desktop import MINE
from pharmcrm.activities.models import Channel
from pharmcrm.api.common import Id, PageQuery, UserRef, paginate
from pharmcrm.api.followup_schemas import Ref
from pharmcrm.core.errors import ApplicationError

router = Router(tags=["supervision"])

ChannelFilter = Literal[("", *Channel.values)]


class FeedItemOut(Schema):
    id: int
    customer: Ref
    author: UserRef
    department: str = Field(description="the author's department")
    occurred_at: datetime.datetime
    day: datetime.date = Field(description="the local day (Asia/Shanghai) it happened")
    channel: str
    channel_label: str
    content: str
    result: str
    next_date: datetime.date | None = Field(description="the planned next follow-up (moved date if rescheduled)")
    next_plan: str

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.author.department.name if obj.author.department_id else ""

    @staticmethod
    def resolve_day(obj) -> datetime.date:
        return timezone.localdate(obj.occurred_at)

    @staticmethod
    def resolve_channel_label(obj) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_next_date(obj):
        return obj.plan_date


class FeedPage(Schema):
    items: list[FeedItemOut]
    count: int = Field(description="total rows; a lower bound when count_exact is false")
    count_exact: bool
    day_from: datetime.date
    day_to: datetime.date


class FeedQuery(PageQuery):
    person_id: Id | None = Field(None, description="logged by this member of your team (others match nothing)")
    department_id: Id | None = Field(None, description="by members of this department of your team and below")
    channel: ChannelFilter = ""
    day_from: datetime.date | None = Field(None, description="from this local day (default: 7 days ago)")
    day_to: datetime.date | None = Field(None, description="to this local day, inclusive (default: today)")


@router.get("/team/feed", response=FeedPage,
            summary="Follow-ups logged by my team (heads only) that I can see, newest first")
def team_feed(request, query: Query[FeedQuery]):
    feed.require_supervisor(request.auth)
    period = feed.Period.of(query.day_from, query.day_to)
    qs = feed.team_feed(actor=request.auth, filters=feed.FeedFilters(
        person_id=query.person_id, department_id=query.department_id, channel=query.channel, period=period))
    return {**paginate(qs, query), "day_from": period.day_from, "day_to": period.day_to}


class ChannelCount(Schema):
    channel: str
    label: str
    count: int


class InteractionsPage(FeedPage):
    person: UserRef
    channel_counts: list[ChannelCount] = Field(description="over the period, whatever the channel filter")


class InteractionsQuery(PageQuery):
    channel: ChannelFilter = ""
    day_from: datetime.date | None = Field(None, description="from this local day (default: 30 days ago)")
    day_to: datetime.date | None = Field(None, description="to this local day, inclusive (default: today)")


@router.get("/team/people/{user_id}/interactions", response=InteractionsPage,
            summary="One member of my team: their follow-ups over a period, with counts per channel")
def person_interactions(request, user_id: Id, query: Query[InteractionsQuery]):
    period = feed.Period.of(query.day_from, query.day_to, default_days=30)
    member, qs = feed.person_interactions(actor=request.auth, user_id=user_id, period=period, channel=query.channel)
    _m, everything = feed.person_interactions(actor=request.auth, user_id=user_id, period=period)
    counts = feed.channel_counts(everything)
    return {**paginate(qs, query), "day_from": period.day_from, "day_to": period.day_to, "person": member,
            "channel_counts": [{"channel": c, "label": str(label), "count": counts.get(c, 0)}
                               for c, label in Channel.choices]}


class CalendarEntryOut(Schema):
    customer: Ref
    owner: UserRef | None
    due: datetime.date = Field(description="the planned day")
    overdue_days: int = Field(description="0 unless the plan is before today")
    next_plan: str
    last_content: str = Field(description="what was said last time (the start of it)")


class CalendarOut(Schema):
    scope: str
    start: datetime.date
    end: datetime.date
    today: datetime.date
    items: list[CalendarEntryOut]
    more: int = Field(description="plans in the range beyond the listed ones")


class CalendarQuery(Schema):
    start: datetime.date | None = Field(None, description="first local day (default: today)")
    end: datetime.date | None = Field(None, description=f"last local day, inclusive (default and at most: start + "
                                                        f"{MAX_SPAN_DAYS - 1} days)")
    scope: Literal["mine", "team"] = Field(MINE, description="team: my subtree's customers (heads only; others mine)")


@router.get("/calendar", response=CalendarOut,
            summary="Planned follow-ups by day (plus the overdue ones when today is in the range)")
def calendar(request, query: Query[CalendarQuery]):
    today = timezone.localdate()
    start = query.start or today
    end = query.end or start + datetime.timedelta(days=MAX_SPAN_DAYS - 1)
    if end < start:
        msg = _("The end cannot be before the start.")
        raise ApplicationError(msg, code="invalid", fields={"end": [msg]})
    plans = calendar_plans(actor=request.auth, start=start, end=end, scope=query.scope, today=today)
    return {"scope": plans.scope, "start": plans.start, "end": plans.end, "today": plans.today, "more": plans.more,
            "items": [{"customer": {"id": e.customer_id, "name": e.customer_name},
                       "owner": {"id": e.owner_id, "name": e.owner_name} if e.owner_id else None,
                       "due": e.due, "overdue_days": e.overdue_days, "next_plan": e.next_plan,
                       "last_content": e.last_content} for e in plans.entries]}


class RescheduleIn(Schema):
    date: datetime.date = Field(description="the new local day of the plan: today or later")


class RescheduleOut(Schema):
    customer_id: int
    followup_id: int = Field(description="the latest follow-up, whose plan was moved")
    next_followup_on: datetime.date


@router.post("/customers/{customer_id}/plan/reschedule", response=RescheduleOut,
             summary="Move a customer's follow-up plan to another day (who may change the customer)")
def plan_reschedule(request, customer_id: Id, payload: RescheduleIn):
    fu = services.plan_reschedule(actor=request.auth, customer_id=customer_id, new_date=payload.date)
    return {"customer_id": customer_id, "followup_id": fu.pk, "next_followup_on": fu.plan_date}

