"""Schemas of the quotations API (报价记录) and the price history. Decimal inputs are strings (or
integers): too many decimals is refused by the services, never rounded."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.api.opportunity_schemas import DecimalIn, OrderIn, OrderRef, ProductRef, Ref
from pharmcrm.quotations.models import Status
from pharmcrm.quotations.selectors import SORTS

__all__ = ["OrderIn"]


class QuoteLineOut(Schema):
    id: int
    product: ProductRef
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    valid_until: datetime.date


class QuoteLineIn(InSchema):
    product_id: Id
    quantity: DecimalIn = Field(description="> 0, at most 3 decimals")
    unit_price: DecimalIn | None = Field(None, description="≥ 0, at most 4 decimals; default: the list price")
    valid_until: datetime.date | None = Field(None, description="default: the quotation's valid_until")


class QuotationOut(Schema):
    id: int
    number: str = Field(description="BJ-<year>-<n>")
    customer: Ref
    contact: Ref | None
    opportunity: Ref | None
    followup_id: int | None = Field(description="the follow-up where the price was given")
    terms: str
    status: str
    status_label: str
    valid_until: datetime.date = Field(description="the latest validity of its lines")
    amount_total: Decimal
    sent_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    decision_note: str
    order: OrderRef | None
    created_by: UserRef
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class QuotationDetailOut(QuotationOut):
    lines: list[QuoteLineOut]
    permissions: dict = Field(description="write, edit, actions (send, accept, reject), order, link")

    @staticmethod
    def resolve_lines(obj) -> list:
        return obj.lines_list

    @staticmethod
    def resolve_permissions(obj) -> dict:
        return obj.perms


class QuotationPage(Schema):
    items: list[QuotationOut]
    count: int
    count_exact: bool


class QuotationQuery(PageQuery):
    status: Literal[("", *Status.values)] = ""
    customer_id: Id | None = None
    opportunity_id: Id | None = None
    followup_id: Id | None = None
    mine: bool = Field(False, description="made by me")
    q: Text(100) = Field("", description="number or customer name contains")
    sort: Literal[tuple(SORTS)] = "-created"


class QuotationCreateIn(InSchema):
    customer_id: Id
    contact_id: Id | None = Field(None, description="a contact employed at the customer")
    opportunity_id: Id | None = Field(None, description="one of the customer's opportunities")
    terms: Text(5000) = ""
    valid_until: datetime.date | None = Field(None, description="default validity of the lines")
    lines: list[QuoteLineIn]


class QuotationUpdateIn(InSchema):
    """A draft only; the fields sent change (null clears contact, opportunity); `lines` replaces them."""

    contact_id: Id | None = None
    opportunity_id: Id | None = None
    terms: Text(5000) | None = None
    valid_until: datetime.date | None = None
    lines: list[QuoteLineIn] | None = None


class NoteIn(InSchema):
    note: Text(2000) = ""


class LinkIn(InSchema):
    followup_id: Id | None = Field(description="a follow-up of the same customer, or null to unlink")


class PriceHistoryOut(Schema):
    quotation_id: int
    number: str
    status: str
    customer: Ref
    product: ProductRef
    quantity: Decimal
    unit_price: Decimal
    valid_until: datetime.date
    sent_at: datetime.datetime | None
    by: UserRef

    @staticmethod
    def resolve_number(obj) -> str:
        return obj.quotation.number

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.quotation.status

    @staticmethod
    def resolve_customer(obj):
        return obj.quotation.customer

    @staticmethod
    def resolve_sent_at(obj):
        return obj.quotation.sent_at

    @staticmethod
    def resolve_by(obj):
        return obj.quotation.created_by


class PriceHistoryQuery(PageQuery):
    customer_id: Id | None = None
    product_id: Id | None = None


class PriceHistoryPage(Schema):
    items: list[PriceHistoryOut]
    count: int
    count_exact: bool
