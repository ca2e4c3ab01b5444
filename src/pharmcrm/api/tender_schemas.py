"""Schemas of the tenders (投标) and platform listings (挂网) API. Prices and amounts travel as
decimal strings (never floats); too many decimals is a 400, not rounded."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.tenders.models import ListingStatus, TenderStatus, TenderType
from pharmcrm.tenders.selectors import LISTING_SORTS, SORTS

DecimalText = Text(40)


class Ref(Schema):
    id: int
    name: str


class ProductRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class TenderOut(Schema):
    id: int
    number: str = Field(description="ZB-<year>-<n>")
    name: str
    type: str
    type_label: str
    province: str = Field(description="GB/T 2260 province code")
    purchasing_body: str
    customer: Ref | None
    owner: UserRef
    status: str
    status_label: str
    announced_on: datetime.date | None
    registration_deadline: datetime.datetime | None
    document_deadline: datetime.datetime | None
    bid_opening_at: datetime.datetime | None
    result_on: datetime.date | None
    bond_amount: Decimal | None
    bond_paid_on: datetime.date | None
    bond_refunded_on: datetime.date | None
    documents_sent_on: datetime.date | None
    courier: str
    tracking_number: str
    next_follow_up_on: datetime.date | None
    won_amount: Decimal | None
    notes: str
    outcome_note: str = Field(description="why it was lost or cancelled")
    renewal_of_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_type_label(obj) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class CompetitorOut(Schema):
    id: int
    competitor: str
    price: Decimal


class ExceptionOut(Schema):
    id: int
    line_id: int
    bid_price: Decimal
    state: str
    reason: str
    requested_by: UserRef
    decided_by: UserRef | None
    decided_at: datetime.datetime | None
    decision_note: str


class LineOut(Schema):
    id: int
    product: ProductRef
    quantity: Decimal | None
    ceiling_price: Decimal | None
    bid_price: Decimal | None
    winning_price: Decimal | None
    won: bool | None
    below_floor: bool = Field(description="our bid is below the product's floor price")
    floor_approved: bool = Field(description="a head approved this bid price")
    competitor_prices: list[CompetitorOut]

    @staticmethod
    def resolve_competitor_prices(obj) -> list:
        return list(obj.competitor_prices.all())


class EventOut(Schema):
    id: int
    kind: str
    actor: UserRef | None
    at: datetime.datetime
    from_status: str
    to_status: str
    note: str


class TenderDetailOut(TenderOut):
    lines: list[LineOut]
    events: list[EventOut]
    exceptions: list[ExceptionOut]
    can_write: bool
    actions: list[str] = Field(description="the transitions you may apply now")

    @staticmethod
    def resolve_lines(obj) -> list:
        return obj.lines_out

    @staticmethod
    def resolve_events(obj) -> list:
        return obj.events_out

    @staticmethod
    def resolve_exceptions(obj) -> list:
        return obj.exceptions_out


class TenderPage(Schema):
    items: list[TenderOut]
    count: int
    count_exact: bool


class TenderQuery(PageQuery):
    status: Literal[("", "open", *TenderStatus.values)] = ""
    type: Literal[("", *TenderType.values)] = ""
    province: Text(12) = ""
    owner_id: Id | None = None
    customer_id: Id | None = None
    deadline_days: int | None = Field(None, ge=0, le=366, description="a deadline within the next N days")
    q: Text(100) = ""
    sort: Literal[tuple(SORTS)] = "-created"


class TenderFieldsIn(InSchema):
    name: Text(200) | None = None
    type: Literal[tuple(TenderType.values)] | None = None
    province: Text(12) | None = None
    purchasing_body: Text(200) | None = None
    customer_id: Id | None = None
    owner_id: Id | None = None
    announced_on: datetime.date | None = None
    registration_deadline: datetime.datetime | None = None
    document_deadline: datetime.datetime | None = None
    bid_opening_at: datetime.datetime | None = None
    result_on: datetime.date | None = None
    bond_amount: DecimalText | None = None
    bond_paid_on: datetime.date | None = None
    bond_refunded_on: datetime.date | None = None
    documents_sent_on: datetime.date | None = None
    courier: Text(50) | None = None
    tracking_number: Text(50) | None = None
    next_follow_up_on: datetime.date | None = None
    won_amount: DecimalText | None = None
    notes: Text(5000) | None = None


class TenderCreateIn(TenderFieldsIn):
    name: Text(200)
    province: Text(12)


class LineIn(InSchema):
    product_id: Id | None = None
    quantity: DecimalText | None = None
    ceiling_price: DecimalText | None = None
    bid_price: DecimalText | None = None
    winning_price: DecimalText | None = None
    won: bool | None = None


class CompetitorIn(InSchema):
    competitor: Text(100)
    price: DecimalText


class NoteIn(InSchema):
    note: Text(2000) = ""


class WinIn(InSchema):
    winning_prices: dict[str, DecimalText] = Field(default_factory=dict, description="{line id: winning price}")
    won_amount: DecimalText | None = None
    note: Text(2000) = ""


class LoseIn(InSchema):
    reason: Text(2000)


class ExceptionRequestIn(InSchema):
    reason: Text(2000)


class DecideIn(InSchema):
    approve: bool
    note: Text(2000) = ""


class StatRow(Schema):
    key: str | int | None
    label: str
    won: int
    lost: int
    total: int
    win_rate: Decimal | None = Field(description="percent, one decimal")
    won_amount: Decimal


class StatsQuery(Schema):
    by: Literal[("owner", "product", "province", "type", "month", "year")] = "owner"
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


class ListingOut(Schema):
    id: int
    product: ProductRef
    province: str
    platform_code: str
    listing_price: Decimal | None
    status: str
    status_label: str
    applied_on: datetime.date | None
    listed_on: datetime.date | None
    delisted_on: datetime.date | None
    distributors: str
    notes: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class ListingPage(Schema):
    items: list[ListingOut]
    count: int
    count_exact: bool


class ListingQuery(PageQuery):
    product_id: Id | None = None
    province: Text(12) = ""
    status: Literal[("", *ListingStatus.values)] = ""
    q: Text(100) = ""
    sort: Literal[tuple(LISTING_SORTS)] = "province"


class ListingFieldsIn(InSchema):
    product_id: Id | None = None
    province: Text(12) | None = None
    platform_code: Text(50) | None = None
    listing_price: DecimalText | None = None
    applied_on: datetime.date | None = None
    listed_on: datetime.date | None = None
    delisted_on: datetime.date | None = None
    distributors: Text(2000) | None = None
    notes: Text(2000) | None = None


class ListingCreateIn(ListingFieldsIn):
    product_id: Id
    province: Text(12)


class ListingActionIn(InSchema):
    on: datetime.date | None = Field(None, description="the date recorded (default today)")
