"""Schemas of the stock API (库存/批号). Quantities are decimal strings in answers ("12.500") and
numbers or strings in requests (at most 3 decimals; more is an error, never rounded)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.inventory.models import AdjustmentReason, BatchStatus

BatchStatusCode = Literal[tuple(BatchStatus.values)]
ReasonCode = Literal[tuple(AdjustmentReason.values)]
SortCode = Literal["expiry", "-expiry", "product", "-product", "on_hand", "-on_hand"]


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    address: str
    is_active: bool
    notes: str


class WarehouseIn(InSchema):
    code: Text(20)
    name: Text(100)
    address: Text(300) = ""
    is_active: bool = True
    notes: Text(2000) = ""


class ProductRef(Schema):
    id: int
    name: str
    spec: str
    manufacturer: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class WarehouseRef(Schema):
    id: int
    code: str
    name: str


class BatchOut(Schema):
    id: int
    product: ProductRef
    warehouse: WarehouseRef
    batch_no: str
    production_date: datetime.date | None
    expiry_date: datetime.date
    on_hand: Decimal
    status: str
    status_label: str
    expired: bool = Field(description="expiry date before today (local day): never allocated")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_expired(obj) -> bool:
        from django.utils import timezone

        return obj.expiry_date < timezone.localdate()


class MoveOut(Schema):
    id: int
    kind: str
    quantity: Decimal = Field(description="signed: + receipt/return/positive adjustment, − outbound/negative adjustment")
    ref_type: str
    ref_id: int | None
    reason: str
    reason_label: str = Field("", description="an adjustment's reason (count difference, damage, …)")
    actor: UserRef | None
    at: datetime.datetime


class BatchDetailOut(BatchOut):
    moves: list[MoveOut] = Field(description="the batch's ledger, newest first; their sum is on_hand")

    @staticmethod
    def resolve_moves(obj):
        return getattr(obj, "ledger", [])


class BatchPage(Schema):
    items: list[BatchOut]
    count: int
    count_exact: bool


class BatchQuery(PageQuery):
    q: str = Field("", max_length=100, description="product name, pinyin, approval number or batch number")
    product_id: Id | None = None
    warehouse_id: Id | None = None
    status: BatchStatusCode | None = None
    expiring_days: int | None = Field(None, ge=0, le=3650, description="expires within N days (not yet expired)")
    expired: bool = False
    with_stock: bool = Field(True, description="only batches with stock on hand")
    sort: SortCode = "expiry"


class ReceiptLineIn(InSchema):
    product_id: Id
    batch_no: Text(40)
    production_date: datetime.date | None = None
    expiry_date: datetime.date
    quantity: Decimal


class ReceiptIn(InSchema):
    warehouse_id: Id
    received_on: datetime.date | None = Field(None, description="default: today (local day)")
    supplier: Text(200) = ""
    notes: Text(2000) = ""
    lines: list[ReceiptLineIn] = Field(..., min_length=1, max_length=200)


class ReceiptLineOut(Schema):
    line_no: int
    product: ProductRef
    batch_id: int
    batch_no: str
    production_date: datetime.date | None
    expiry_date: datetime.date
    quantity: Decimal


class ReceiptOut(Schema):
    id: int
    number: str
    warehouse: WarehouseRef
    supplier: str
    received_on: datetime.date
    notes: str
    created_by: UserRef | None
    created_at: datetime.datetime


class ReceiptDetailOut(ReceiptOut):
    lines: list[ReceiptLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ReceiptPage(Schema):
    items: list[ReceiptOut]
    count: int
    count_exact: bool


class ReceiptQuery(PageQuery):
    q: str = Field("", max_length=100, description="number or supplier")
    warehouse_id: Id | None = None
    day_from: datetime.date | None = None
    day_to: datetime.date | None = None


class AdjustmentIn(InSchema):
    batch_id: Id
    delta: Decimal = Field(description="non-zero; negative removes stock; never below zero")
    reason: ReasonCode
    reason_text: Text(300) = Field("", description="required when reason is 'other'")


class AdjustmentOut(Schema):
    id: int
    batch: BatchOut
    delta: Decimal
    reason: str
    reason_text: str
    created_by: UserRef | None
    created_at: datetime.datetime


class ProposalQuery(Schema):
    product_id: Id
    quantity: Decimal
    min_expiry: datetime.date | None = Field(None, description="the customer's minimum expiry date")
    warehouse_id: Id | None = None


class AllocationOut(Schema):
    batch: BatchOut
    quantity: Decimal
