"""Schemas of the sales-orders API (销售订单)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.sales.models import Status, TerminalType
from pharmcrm.sales.selectors import SORTS

StatusCode = Literal[tuple(Status.values)]
TerminalCode = Literal[tuple(TerminalType.values)]
# numbers travel as strings (or JSON numbers) and are checked exactly by the service: never rounded
Number = str | int | Decimal


class Ref(Schema):
    id: int
    name: str


class ProductRef(Schema):
    id: int
    name: str
    spec: str
    manufacturer: str
    approval_number: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class AddressOut(Schema):
    id: int
    receiver: str
    phone: str
    region_code: str
    address: str


class AllocationOut(Schema):
    batch_id: int
    batch_no: str
    production_date: datetime.date | None
    expiry_date: datetime.date
    quantity: Decimal


class LineOut(Schema):
    id: int
    position: int
    product: ProductRef
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    floor_price: Decimal | None = Field(None, description="only for those allowed to see floor prices")
    allocations: list[AllocationOut]


class EventOut(Schema):
    id: int
    kind: str
    actor: UserRef | None
    at: datetime.datetime
    from_status: str
    to_status: str
    note: str


class OrderOut(Schema):
    id: int
    number: str
    customer: Ref
    status: StatusCode
    terminal_type: TerminalCode
    amount_total: Decimal
    tax_total: Decimal
    paid_total: Decimal
    returned_total: Decimal
    outstanding: Decimal
    created_by: UserRef
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    shipped_on: datetime.date | None
    received_on: datetime.date | None


class OrderDetailOut(OrderOut):
    access: Literal["full", "shipping"]
    shipping_address: AddressOut
    notes: str
    reject_reason: str
    override_reason: str
    carrier: str
    tracking_no: str
    cancel_reason: str
    actions: list[str] = Field(description="what you may do now: edit, submit, approve, reject, outbound, ship, "
                                           "receive, cancel")
    lines: list[LineOut]
    timeline: list[EventOut]


class OrderPage(Schema):
    items: list[OrderOut]
    count: int
    count_exact: bool


class OrderQuery(PageQuery):
    status: StatusCode | Literal[""] = ""
    customer_id: Id | None = None
    product_id: Id | None = None
    owner_id: Id | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = Field("", max_length=100)
    sort: Literal[tuple(SORTS)] = "-created"


class LineIn(InSchema):
    product_id: Id
    quantity: Number
    unit_price: Number | None = Field(None, description="default: the customer's list (supply) price")
    tax_rate: Number | None = Field(None, description="default: the product's")


class OrderCreateIn(InSchema):
    customer_id: Id
    shipping_address_id: Id
    terminal_type: TerminalCode
    notes: Text(2000) = ""
    lines: list[LineIn] = Field(..., max_length=200)


class OrderUpdateIn(InSchema):
    shipping_address_id: Id | None = None
    terminal_type: TerminalCode | None = None
    notes: Text(2000) | None = None
    lines: list[LineIn] | None = Field(None, max_length=200, description="replaces all lines")


class ApproveIn(InSchema):
    override_reason: Text(2000) = ""


class ReasonIn(InSchema):
    reason: Text(2000)


class ChosenBatch(InSchema):
    line_id: Id
    batch_id: Id
    quantity: Number


class OutboundIn(InSchema):
    chosen: list[ChosenBatch] = Field(default_factory=list, description="override the FEFO batches of lines")
    note: Text(2000) = ""


class ShipIn(InSchema):
    carrier: Text(100)
    tracking_no: Text(100)
    shipped_on: datetime.date | None = None


class ReceiveIn(InSchema):
    received_on: datetime.date | None = None
    note: Text(2000) = ""


class CheckOut(Schema):
    key: str
    label: str
    passed: bool
    hard: bool
    message: str


class ReviewOut(Schema):
    checks: list[CheckOut]
    approvable: bool = Field(description="no hard check failed")
    override_needed: bool = Field(description="a soft check failed: approving needs an override reason")


class ExceptionIn(InSchema):
    line_id: Id
    reason: Text(2000)


class DecideIn(InSchema):
    approve: bool
    note: Text(2000) = ""


class ExceptionOut(Schema):
    id: int
    order_id: int
    line_id: int
    unit_price: Decimal
    reason: str
    state: str
    requested_by: UserRef
    decided_by: UserRef | None
    decided_at: datetime.datetime | None
    decision_note: str


class TermsOut(Schema):
    customer_id: int
    credit_limit: Decimal | None
    overdue_days_limit: int
    min_shelf_life_days: int
    outstanding: Decimal


class TermsIn(InSchema):
    credit_limit: Number | None = None
    overdue_days_limit: int | None = None
    min_shelf_life_days: int | None = None


class OrderAttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    note: str
    uploaded_by: UserRef
    created_at: datetime.datetime
