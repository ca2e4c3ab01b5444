"""Schemas of the return-orders API (退货单)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.sales.models import ReturnStatus

ReturnStatusCode = Literal[tuple(ReturnStatus.values)]
Number = str | int | Decimal


class ReturnLineIn(InSchema):
    allocation_id: Id
    quantity: Number


class ReturnCreateIn(InSchema):
    order_id: Id
    reason: Text(2000)
    lines: list[ReturnLineIn]


class ReturnReasonIn(InSchema):
    reason: Text(2000)


class ReturnReceiveIn(InSchema):
    note: Text(2000) = ""


class ReturnLineOut(Schema):
    id: int
    order_line_id: int
    product_id: int
    product: str
    allocation_id: int
    batch_id: int
    batch_no: str
    expiry_date: datetime.date
    quantity: Decimal
    amount: Decimal | None


class ReturnOut(Schema):
    id: int
    number: str
    order_id: int
    order_number: str
    customer_id: int
    customer_name: str
    status: ReturnStatusCode
    reason: str
    amount_total: Decimal | None
    released_credit: Decimal | None
    requested_by: UserRef
    created_at: datetime.datetime
    approved_at: datetime.datetime | None
    received_at: datetime.datetime | None
    closed_note: str


class ReturnDetailOut(ReturnOut):
    actions: list[str]
    lines: list[ReturnLineOut]


class ReturnPage(Schema):
    items: list[ReturnOut]
    count: int
    count_exact: bool


class ReturnQuery(PageQuery):
    status: ReturnStatusCode | Literal[""] = ""
    order_id: Id | None = None
