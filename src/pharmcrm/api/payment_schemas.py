"""Schemas of the payments and receivables API (回款与应收)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.payments.models import Method, PaymentStatus
from pharmcrm.payments.selectors import SORTS

MethodCode = Literal[tuple(Method.values)]
StatusCode = Literal[tuple(PaymentStatus.values)]
# amounts travel as strings (or JSON numbers) and are checked exactly by the service: never rounded
Number = str | int | Decimal


class Ref(Schema):
    id: int
    name: str


class OrderRef(Schema):
    id: int
    number: str


class AllocationOut(Schema):
    id: int
    payment_id: int
    payment_number: str
    order: OrderRef
    amount: Decimal
    created_by: UserRef
    created_at: datetime.datetime
    released_at: datetime.datetime | None
    released_by: UserRef | None
    release_reason: str
    active: bool

    @staticmethod
    def resolve_payment_number(obj) -> str:
        return obj.payment.number

    @staticmethod
    def resolve_order(obj) -> dict:
        return {"id": obj.order_id, "number": obj.order.number}

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.released_at is None


class PaymentOut(Schema):
    id: int
    number: str
    customer: Ref
    amount: Decimal
    allocated_total: Decimal
    unallocated: Decimal = Field(description="the customer's credit left on this payment (0 once cancelled)")
    received_on: datetime.date
    method: str
    reference: str
    payer_name: str
    notes: str
    status: str
    cancel_reason: str
    recorded_by: UserRef
    created_at: datetime.datetime

    @staticmethod
    def resolve_customer(obj) -> dict:
        return {"id": obj.customer_id, "name": obj.customer.name}


class PaymentDetailOut(PaymentOut):
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj) -> list:
        return obj.allocations_out


class PaymentPage(Schema):
    items: list[PaymentOut]
    count: int
    count_exact: bool


class PaymentQuery(PageQuery):
    customer_id: Id | None = None
    method: MethodCode | Literal[""] = ""
    status: StatusCode | Literal[""] = ""
    date_from: datetime.date | None = Field(None, description="received on or after (YYYY-MM-DD)")
    date_to: datetime.date | None = None
    q: Text(100) = Field("", description="number, reference, payer or customer name")
    sort: Literal[tuple(SORTS)] = "-received"


class AllocationIn(InSchema):
    order_id: Id
    amount: Number


class PaymentCreateIn(InSchema):
    customer_id: Id
    amount: Number
    received_on: datetime.date | None = Field(None, description="default today; not in the future")
    method: MethodCode = "bank_transfer"
    reference: Text(100) = ""
    payer_name: Text(200) = ""
    notes: Text(2000) = ""
    allocations: Literal["auto"] | list[AllocationIn] = Field(
        "auto", description='"auto": oldest approved order first; or a list (empty: all stays as credit)')


class AllocateIn(InSchema):
    allocations: Literal["auto"] | list[AllocationIn] = "auto"


class ReasonIn(InSchema):
    reason: Text(2000) = ""


class ProposalOut(Schema):
    order_id: int
    number: str
    outstanding: Decimal
    amount: Decimal


class PlanIn(InSchema):
    due_on: datetime.date
    amount: Number
    note: Text(200) = ""


class PlanSetIn(InSchema):
    plans: list[PlanIn]


class PlanOut(Schema):
    id: int
    due_on: datetime.date
    amount: Decimal
    note: str
    covered: Decimal
    state: Literal["paid", "partly", "due", "overdue"]


class OrderPlanOut(Schema):
    order_id: int
    number: str
    amount_total: Decimal
    returned_total: Decimal
    paid_total: Decimal
    outstanding: Decimal
    plans: list[PlanOut]
    allocations: list[AllocationOut]


class AgeingRowOut(Schema):
    id: int | None
    name: str
    depth: int = 0
    days_0_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    total: Decimal


class AgeingOut(Schema):
    group: Literal["customer", "owner", "department"]
    rows: list[AgeingRowOut]
    totals: AgeingRowOut
