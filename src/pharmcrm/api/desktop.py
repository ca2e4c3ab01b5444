"""My Desktop as JSON (我的桌面): ``GET /api/v1/desktop`` (``?scope=team`` for a head). The same
data as the page (activities.desktop_data), read through the same visibility-checked selectors."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from pharmcrm.activities.desktop_data import desktop_data

router = Router(tags=["desktop"])


class PlanRowOut(Schema):
    customer_id: int
    customer_name: str
    owner_id: int | None
    owner_name: str
    due: datetime.date = Field(description="the planned follow-up date")
    overdue_days: int
    last_content: str = Field(description="what was said last time (the first 120 characters)")
    last_at: datetime.datetime | None
    next_plan: str = Field(description="the planned action")


class PersonOut(Schema):
    user_id: int
    name: str
    overdue: int
    today: int
    upcoming: int


class PlansOut(Schema):
    overdue_count: int
    today_count: int
    upcoming_count: int
    due: list[PlanRowOut] = Field(description="overdue first, then today's (at most `rows`)")
    upcoming: list[PlanRowOut] = Field(description="tomorrow to 7 days ahead (at most `rows`)")
    people: list[PersonOut] = Field(description="team scope: the people with plans due, most overdue first")
    people_more: int


class PoolWarningOut(Schema):
    customer_id: int
    customer_name: str
    owner_name: str
    returns_on: datetime.date | None
    days_left: int | None
    rule: str = Field(description="followup | deal")


class ExpiringOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    type: str
    type_label: str
    valid_to: datetime.date | None


class OccasionOut(Schema):
    date: datetime.date
    kind: str = Field(description="birthday | care")
    label: str
    contact_id: int
    contact_name: str
    years: int | None
    days_away: int


class DesktopOut(Schema):
    scope: str
    today: datetime.date
    can_team: bool
    plans: PlansOut
    pool_warnings: list[PoolWarningOut]
    expiring_qualifications: list[ExpiringOut]
    occasions: list[OccasionOut]


class DesktopQuery(Schema):
    scope: Literal["mine", "team"] = Field("mine", description="team: a head's departments at any depth")
    rows: int = Field(50, ge=1, le=200, description="rows per plan section")


def _row(r) -> dict:
    c = r.customer
    return {"customer_id": c.pk, "customer_name": c.name, "owner_id": c.owner_id,
            "owner_name": str(c.owner) if c.owner_id else "", "due": r.due, "overdue_days": r.overdue_days,
            "last_content": r.last_content, "last_at": r.last_at, "next_plan": r.next_plan}


@router.get("", response=DesktopOut, summary="My Desktop: follow-ups due and upcoming, pool warnings, expiring "
                                             "qualifications, birthdays (mine, or my team's)")
def desktop(request, query: Query[DesktopQuery]):
    data = desktop_data(actor=request.auth, scope=query.scope, rows=query.rows)
    p = data.plans
    return {
        "scope": data.scope, "today": data.today, "can_team": data.can_team,
        "plans": {"overdue_count": p.overdue_count, "today_count": p.today_count,
                  "upcoming_count": p.upcoming_count, "due": [_row(r) for r in p.due],
                  "upcoming": [_row(r) for r in p.upcoming],
                  "people": [vars(x) for x in p.people], "people_more": p.people_more},
        "pool_warnings": [{"customer_id": c.pk, "customer_name": c.name, "owner_name": str(c.owner),
                           "returns_on": c.pool_due.on if c.pool_due else None, "days_left": c.pool_days,
                           "rule": c.pool_due.rule if c.pool_due else ""} for c in data.pool_warnings],
        "expiring_qualifications": [{"id": d.pk, "customer_id": d.customer_id, "customer_name": d.customer.name,
                                     "type": d.type, "type_label": d.get_type_display(), "valid_to": d.valid_to}
                                    for d in data.expiring],
        "occasions": [{"date": o.date, "kind": o.kind, "label": o.label, "contact_id": o.contact.pk,
                       "contact_name": o.contact.name, "years": o.years, "days_away": o.days_away}
                      for o in data.occasions],
    }
