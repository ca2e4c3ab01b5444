"""Schemas of the public pool API (api/pool.py)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import DepartmentRef, Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.core.regions import region_label
from pharmcrm.customers.models import CustomerType
from pharmcrm.customers.pool_selectors import DEFAULT_SORT, SORTS


class PoolQuery(PageQuery):
    q: Text(200) = Field("", description="name, short name, pinyin or initials, phone or credit code")
    type: Literal[("", *CustomerType.values)] = ""
    region: Text(12) = Field("", description="a region code: the customers anywhere inside it")
    released_since: datetime.date | None = Field(None, description="in the pool since this day (YYYY-MM-DD)")
    department: Id | None = Field(None, description="only this department's pool")
    sort: Literal[tuple(SORTS)] = Field(DEFAULT_SORT, description="released (newest first), name; '-' reverses")


class PoolCustomerOut(Schema):
    id: int
    type: str
    name: str
    short_name: str
    region_code: str
    region_label: str
    status: str
    grade: str
    pool_department: DepartmentRef
    released_at: datetime.datetime | None
    previous_owner: str | None = Field(description="who had it before (name only)")
    release_reason: str | None

    @staticmethod
    def resolve_region_label(obj) -> str:
        return region_label(obj.region_code)

    @staticmethod
    def resolve_previous_owner(obj) -> str | None:
        return getattr(obj, "previous_owner_name", None)


class PoolPage(Schema):
    items: list[PoolCustomerOut]
    count: int
    count_exact: bool


class QuotaOut(Schema):
    may_claim: bool = Field(description="sales reps and heads claim; others only look")
    claims_left: int = Field(description="how many more you may claim today (daily and total limits)")
    claims_per_day: int
    claimed_today: int
    owned: int
    max_owned: int


class ReleaseIn(InSchema):
    customer_id: Id
    reason: Text(300) = Field(description="why it goes back to the pool (required)")


class ClaimIn(InSchema):
    customer_id: Id


class AssignIn(InSchema):
    customer_id: Id
    user_id: Id = Field(description="an active sales rep or head of your team")
    reason: Text(300) = ""


class ExemptIn(InSchema):
    customer_id: Id
    exempt: bool = Field(description="true: never returns to the pool on its own")


class PoolMoveOut(Schema):
    customer_id: int
    in_pool: bool
    owner: UserRef | None
    pool_department: DepartmentRef | None
    pool_exempt: bool


class PoolEventOut(Schema):
    id: int
    kind: str = Field(description="release, auto_recycle, claim, assign, warning")
    at: datetime.datetime
    from_user: UserRef | None = Field(description="the previous owner (release, auto_recycle)")
    to_user: UserRef | None = Field(description="the new owner (claim, assign) or the owner warned")
    actor: UserRef | None = Field(description="who did it (null: the daily job)")
    department: DepartmentRef | None = Field(description="the pool")
    reason: str
    due_on: datetime.date | None = Field(description="warnings: the day it returns to the pool")


class WarningOut(Schema):
    id: int
    name: str
    owner: UserRef
    due_on: datetime.date
    rule: str = Field(description="followup or deal")
    days: int

    @staticmethod
    def resolve_due_on(obj) -> datetime.date:
        return obj.pool_due.on

    @staticmethod
    def resolve_rule(obj) -> str:
        return obj.pool_due.rule

    @staticmethod
    def resolve_days(obj) -> int:
        return obj.pool_due.days


class PolicyOut(Schema):
    auto_recycle: bool
    followup_days: int
    deal_days: int
    warning_days: int
    claims_per_day: int
    max_owned: int
    reclaim_days: int
    pool_level: int
    updated_at: datetime.datetime | None


class PolicyIn(InSchema):
    auto_recycle: bool | None = None
    followup_days: int | None = Field(None, ge=0, le=3650, description="0: never recycle for lack of follow-up")
    deal_days: int | None = Field(None, ge=0, le=3650, description="0: never recycle for lack of deals")
    warning_days: int | None = Field(None, ge=0, le=365)
    claims_per_day: int | None = Field(None, ge=0, le=10000)
    max_owned: int | None = Field(None, ge=0, le=1_000_000)
    reclaim_days: int | None = Field(None, ge=0, le=3650)
    pool_level: int | None = Field(None, ge=0, le=20, description="0: the owner's department; N: its level-N ancestor")
