"""Schemas of the invoice-ledger API (api/invoicing.py). Money and quantities travel as decimal
strings ("12.50"), never floats."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text
from pharmcrm.invoicing.models import InvoiceKind, InvoiceMedium, InvoiceStatus, InvoiceType, MismatchStatus


class LedgerRowOut(Schema):
    customer_id: int
    product_id: int
    product_name: str
    unit_price: Decimal
    approved_quantity: Decimal
    approved_amount: Decimal
    invoiced_quantity: Decimal
    invoiced_amount: Decimal
    pre_invoiced_unconsumed_quantity: Decimal = Field(..., alias="pre_quantity")
    pre_invoiced_unconsumed_amount: Decimal = Field(..., alias="pre_amount")
    uninvoiced_quantity: Decimal = Field(..., alias="open_quantity")
    uninvoiced_amount: Decimal = Field(..., alias="open_amount")

    @staticmethod
    def resolve_product_name(obj) -> str:
        return str(obj.product) if obj.product else ""


class LedgerQuery(Schema):
    customer_id: Id | None = Field(None, description="one customer (404 if you cannot see it); else all you see")
    product_id: Id | None = None
    open_only: bool = Field(False, description="only rows with an un-invoiced or pre-invoiced balance")


class AllocationOut(Schema):
    sale_entry_id: int = Field(..., alias="sale_id")
    quantity: Decimal
    amount: Decimal
    active: bool


class LineOut(Schema):
    id: int
    product_id: int
    unit_price: Decimal
    quantity: Decimal
    amount: Decimal = Field(..., description="incl. tax")
    tax_rate: Decimal = Field(..., description="percent")
    tax: Decimal
    amount_excl_tax: Decimal
    consumed_quantity: Decimal = Field(..., description="pre-invoice lines: consumed by later sales")
    consumed_amount: Decimal
    allocations: list[AllocationOut]
    consumptions: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj):
        return list(obj.allocations.all())

    @staticmethod
    def resolve_consumptions(obj):
        return list(obj.consumptions.all())


class InvoiceOut(Schema):
    id: int
    number: str
    tax_invoice_number: str
    tax_invoice_code: str
    kind: str
    invoice_type: str
    medium: str
    status: str
    customer_id: int
    title: str
    taxpayer_id: str
    address_phone: str
    bank_account: str
    issued_on: datetime.date
    issued_by_id: int
    original_id: int | None
    reason: str
    remarks: str
    invoice_chain: str
    amount: Decimal
    amount_excl_tax: Decimal
    tax: Decimal


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut] = Field(..., alias="lines_list")


class InvoicePage(Schema):
    items: list[InvoiceOut]
    count: int
    count_exact: bool


class InvoiceQuery(PageQuery):
    customer_id: Id | None = None
    kind: Literal[("", *InvoiceKind.values)] = ""
    status: Literal[("", *InvoiceStatus.values)] = ""
    issued_from: datetime.date | None = None
    issued_to: datetime.date | None = None
    q: Text(50) = Field("", description="number, tax invoice number, title or customer name contains")


class HeaderIn(InSchema):
    invoice_type: Literal[tuple(InvoiceType.values)] | None = None
    medium: Literal[tuple(InvoiceMedium.values)] | None = None
    tax_invoice_number: Text(30) | None = None
    tax_invoice_code: Text(20) | None = None
    issued_on: datetime.date | None = None
    remarks: Text(500) | None = None
    invoice_chain: Text(300) | None = Field(None, description="required when a covered sale is a public hospital's")
    title: Text(200) | None = Field(None, description="default: the customer's invoicing data")
    taxpayer_id: Text(20) | None = None
    address_phone: Text(340) | None = None
    bank_account: Text(150) | None = None


class SelectionIn(InSchema):
    sale_entry_id: Id | None = None
    product_id: Id | None = None
    unit_price: str | None = Field(None, description="with product_id: the balance key")
    quantity: str | None = Field(None, description="omitted: the whole balance")


class InvoiceCreateIn(InSchema):
    kind: Literal["normal", "pre_invoice"] = "normal"
    customer_id: Id
    header: HeaderIn = HeaderIn()
    selections: list[SelectionIn] = Field(default_factory=list, description="normal: the balances to invoice")
    lines: list[PreLineIn] = Field(default_factory=list, description="pre_invoice: the lines")


class PreLineIn(InSchema):
    product_id: Id
    unit_price: str
    quantity: str
    tax_rate: str | None = None


InvoiceCreateIn.model_rebuild()


class ReverseIn(InSchema):
    reason: Text(300)


class MismatchOut(Schema):
    id: int
    status: str
    sale_entry_id: int = Field(..., alias="sale_id")
    customer_id: int
    product_id: int
    sale_unit_price: Decimal
    pre_invoice_id: int
    pre_invoice_line_id: int = Field(..., alias="line_id")
    pre_invoice_unit_price: Decimal
    reason: str

    @staticmethod
    def resolve_customer_id(obj):
        return obj.sale.customer_id

    @staticmethod
    def resolve_product_id(obj):
        return obj.sale.product_id

    @staticmethod
    def resolve_sale_unit_price(obj):
        return obj.sale.unit_price

    @staticmethod
    def resolve_pre_invoice_id(obj):
        return obj.line.invoice_id

    @staticmethod
    def resolve_pre_invoice_unit_price(obj):
        return obj.line.unit_price


class MismatchPage(Schema):
    items: list[MismatchOut]
    count: int
    count_exact: bool


class MismatchQuery(PageQuery):
    status: Literal[("", *MismatchStatus.values)] = "open"


class SettleIn(InSchema):
    action: Literal["consume", "dismiss"]
    reason: Text(300)
    quantity: str | None = None
