"""Schemas of the opportunities API (销售机会). Decimal inputs are strings (or integers): a
number with too many decimals is refused by the services, never rounded."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.opportunities.models import StageKind
from pharmcrm.opportunities.selectors import SORTS

DecimalIn = Text(40) | int


class Ref(Schema):
    id: int
    name: str


class ProductRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class StageOut(Schema):
    id: int
    name: str
    probability: int
    order: int
    kind: str = Field(description="open, won or lost")
    active: bool


class StageIn(InSchema):
    name: Text(30)
    probability: int = Field(ge=0, le=100)
    kind: Literal[tuple(StageKind.values)] = StageKind.OPEN
    order: int | None = Field(None, ge=0, le=32000)


class StageUpdateIn(InSchema):
    name: Text(30) | None = None
    probability: int | None = Field(None, ge=0, le=100)
    kind: Literal[tuple(StageKind.values)] | None = None
    order: int | None = Field(None, ge=0, le=32000)
    active: bool | None = None


class LineOut(Schema):
    id: int
    product: ProductRef
    quantity: Decimal
    amount: Decimal


class LineIn(InSchema):
    product_id: Id
    quantity: DecimalIn = Field(description="> 0, at most 3 decimals")
    amount: DecimalIn = Field("0", description="expected amount of the line, at most 2 decimals")


class OrderRef(Schema):
    id: int
    number: str


class StageChangeOut(Schema):
    from_stage: Ref | None
    to_stage: Ref
    actor: UserRef | None
    at: datetime.datetime
    note: str


class OpportunityOut(Schema):
    id: int
    name: str
    customer: Ref
    stage: StageOut
    probability: int
    expected_amount: Decimal
    expected_close_date: datetime.date | None
    owner: UserRef
    next_step: str
    loss_reason: str
    competitor: str
    closed_at: datetime.datetime | None
    order: OrderRef | None = Field(description="the order draft created from the won opportunity")
    created_by: UserRef
    created_at: datetime.datetime
    updated_at: datetime.datetime


class OpportunityDetailOut(OpportunityOut):
    lines: list[LineOut]
    stage_history: list[StageChangeOut] = Field(description="oldest first; the first is the creation")
    permissions: dict = Field(description="write, move, order: what you may do now")

    @staticmethod
    def resolve_lines(obj) -> list:
        return obj.lines_list

    @staticmethod
    def resolve_stage_history(obj) -> list:
        return obj.history

    @staticmethod
    def resolve_permissions(obj) -> dict:
        return obj.perms


class OpportunityPage(Schema):
    items: list[OpportunityOut]
    count: int
    count_exact: bool


class OpportunityQuery(PageQuery):
    stage_id: Id | None = None
    kind: Literal[("", *StageKind.values)] = Field("", description="open, won or lost stages")
    owner_id: Id | None = None
    scope: Literal["", "mine", "team"] = Field("", description="mine = I own it; team = owned in the departments I "
                                                               "head (heads)")
    customer_id: Id | None = None
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None
    amount_min: DecimalIn | None = None
    amount_max: DecimalIn | None = None
    likely: bool = Field(False, description="likely to close soon: open, close date within `days`, probability ≥ `p`")
    days: int = Field(30, ge=0, le=365)
    p: int = Field(50, ge=0, le=100)
    q: Text(100) = ""
    sort: Literal[tuple(SORTS)] = "-updated"


class LikelyQuery(Schema):
    scope: Literal["mine", "team"] = "mine"
    days: int = Field(30, ge=0, le=365)
    p: int = Field(50, ge=0, le=100)
    limit: int = Field(50, ge=1, le=200)


class OpportunityCreateIn(InSchema):
    customer_id: Id
    name: Text(200)
    stage_id: Id | None = Field(None, description="default: the first active open stage")
    probability: int | None = Field(None, ge=0, le=100, description="default: the stage's")
    expected_amount: DecimalIn | None = Field(None, description="ignored when lines are given (their total)")
    expected_close_date: datetime.date | None = None
    owner_id: Id | None = Field(None, description="default: you; must see the customer")
    next_step: Text(500) = ""
    lines: list[LineIn] = []
    loss_reason: Text(2000) = Field("", description="required when created in a lost stage")
    competitor: Text(200) = ""


class OpportunityUpdateIn(InSchema):
    """Only the fields sent change; `lines` replaces the lines as a whole."""

    name: Text(200) | None = None
    probability: int | None = Field(None, ge=0, le=100)
    expected_amount: DecimalIn | None = None
    expected_close_date: datetime.date | None = None
    owner_id: Id | None = None
    next_step: Text(500) | None = None
    lines: list[LineIn] | None = None
    loss_reason: Text(2000) | None = None
    competitor: Text(200) | None = None


class MoveIn(InSchema):
    stage_id: Id
    loss_reason: Text(2000) = Field("", description="required for a lost stage")
    competitor: Text(200) = ""
    note: Text(2000) = ""


class OrderIn(InSchema):
    shipping_address_id: Id | None = Field(None, description="default: the customer's default shipping address")
    terminal_type: Literal["public_hospital", "private_hospital", "pharmacy", "agent"] | None = Field(
        None, description="default: from the customer's type")
