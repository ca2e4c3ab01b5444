"""Schemas of the duplicate check, conflict (撞单申诉) and merge API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.customers.conflict_models import ConflictDecision

Criterion = Literal["credit_code", "name", "phone"]


class DuplicateCheckIn(InSchema):
    name: Text(200) = ""
    credit_code: Text(40) = ""
    phone: Text(30) = ""
    exclude_id: Id | None = Field(None, description="the customer being edited (it does not match itself)")


class DuplicateMatchOut(Schema):
    matched_on: list[Criterion]
    owner: str = Field(description="the owner's full name, or 公海 for a customer in the public pool")
    department: str = Field(description="the owner's department (the pool's department for a pool customer)")
    in_pool: bool
    ref: str = Field(description="opaque handle to raise a conflict about this match (POST /customers/conflicts)")
    customer_id: int | None = Field(None, description="only when you can see the customer")
    customer_name: str | None = Field(None, description="only when you can see the customer")
    deleted: bool | None = Field(None, description="in the recycle bin; only when you can see the customer")
    own: bool | None = Field(None, description="you own it; only when you can see the customer")


class DuplicateCheckOut(Schema):
    duplicate: bool
    matches: list[DuplicateMatchOut]


class ConflictDataIn(InSchema):
    """What the claimant entered for the customer (as in POST /customers)."""

    type: Text(20) = ""
    name: Text(200) = ""
    short_name: Text(50) = ""
    credit_code: Text(40) = ""
    region_code: Text(12) = ""
    address: Text(300) = ""
    phone: Text(30) = ""
    status: Text(20) = ""
    grade: Text(1) = ""
    source: Text(20) = ""
    notes: Text(5000) = ""


class ConflictRaiseIn(InSchema):
    ref: Text(64) = Field(description="DuplicateMatch.ref from the duplicate check or the 'duplicate' error")
    data: ConflictDataIn
    reason: Text(2000)
    claimant_customer_id: Id | None = Field(None, description="your own record of the same customer, if any")


class ConflictDecideIn(InSchema):
    decision: Literal[tuple(ConflictDecision.values)]
    note: Text(2000) = ""


class ConflictQuery(PageQuery):
    box: Literal["", "arbitrate", "mine", "about", "all"] = Field(
        "", description="arbitrate: to decide (heads, admins); mine: raised by me; about: about customers I own; "
        "all: administrators. Default: arbitrate for heads and admins, else mine")
    status: Literal["open", "closed", "any"] = "open"


class ConflictCustomerOut(Schema):
    id: int
    name: str
    phone: str
    credit_code: str
    address: str
    owner: UserRef | None
    deleted: bool


class ConflictOut(Schema):
    id: int
    status: str
    created_at: datetime
    claimant: UserRef
    claimant_department: str
    owner_name: str = Field(description="the existing customer's owner (full name only)")
    owner_department: str
    matched_on: list[str]
    reason: str
    arbiter_department: str | None = Field(description="the arbitrating department; null: administrators")
    decided_by: UserRef | None
    decided_at: datetime | None
    decision_note: str
    can_decide: bool
    can_withdraw: bool
    customer: ConflictCustomerOut | None = Field(None, description="the existing customer, only if you can see it")
    claimant_customer: ConflictCustomerOut | None = Field(None, description="the claimant's own record, if visible")
    data: dict[str, str] | None = Field(None, description="what the claimant entered (claimant, arbiters, admins)")


class ConflictPage(Schema):
    items: list[ConflictOut]
    count: int
    count_exact: bool


class MergeIn(InSchema):
    source_id: Id = Field(description="the customer that disappears into the target")
    target_id: Id


class MergeOut(Schema):
    target_id: int
    source_id: int
    moved: dict[str, int] = Field(description="rows moved per relation (app.Model.field)")
    kept_on_source: dict[str, int] = Field(description="rows left on the source because the target had them already")
    filled: list[str] = Field(description="target fields filled from the source")
