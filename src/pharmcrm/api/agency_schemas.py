"""Schemas of the agency agreements API."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.agency.models import AgreementStatus, DepositStatus
from pharmcrm.agency.selectors import DEFAULT_SORT, SORTS
from pharmcrm.agency.territory import label as region_label
from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef

StatusCode = Literal[tuple(AgreementStatus.values)]
DepositCode = Literal[tuple(DepositStatus.values)]
Money = Decimal
RegionCode = Text(12)


class CustomerRef(Schema):
    id: int
    name: str


class ProductRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj["name"] if isinstance(obj, dict) else str(obj)


class LineOut(Schema):
    id: int
    product: ProductRef
    agency_price: Decimal
    supply_price: Decimal | None
    monthly_quantity: int | None = Field(description="target in the product's packing unit")
    yearly_quantity: int | None
    notes: str


class RegionOut(Schema):
    id: int
    region_code: str
    region_label: str

    @staticmethod
    def resolve_region_label(obj) -> str:
        return region_label(obj.region_code)


class HospitalOut(Schema):
    id: int = Field(description="the territory entry's id (for DELETE)")
    hospital: CustomerRef
    region_code: str

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.hospital.region_code


class AgreementOut(Schema):
    id: int
    number: str
    agent: CustomerRef
    status: str
    exclusive: bool
    start_date: datetime.date
    end_date: datetime.date
    signed_date: datetime.date | None
    monthly_target: Decimal | None = Field(description="CNY")
    yearly_target: Decimal | None = Field(description="CNY")
    deposit_amount: Decimal
    deposit_status: str
    deposit_paid_on: datetime.date | None
    deposit_refunded_amount: Decimal
    deposit_refunded_on: datetime.date | None
    deposit_forfeited_on: datetime.date | None
    terminated_on: datetime.date | None
    termination_reason: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class AgreementPermissions(Schema):
    write: bool = Field(description="may change the draft, its lines and territory, the deposit")
    manage: bool = Field(description="may put in force and terminate (agent's owner, heads above, administrators)")
    activate: bool
    terminate: bool


class AgreementDetailOut(AgreementOut):
    rebate_terms: str
    notes: str
    activated_at: datetime.datetime | None
    activated_by: UserRef | None
    created_by: UserRef | None
    lines: list[LineOut]
    regions: list[RegionOut]
    hospitals: list[HospitalOut]
    permissions: AgreementPermissions

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_regions(obj):
        return list(obj.regions.all())

    @staticmethod
    def resolve_hospitals(obj):
        return list(obj.hospitals.all())


class AgreementPage(Schema):
    items: list[AgreementOut]
    count: int
    count_exact: bool


class AgreementQuery(PageQuery):
    q: Text(100) = Field("", description="agreement number, or agent name / pinyin")
    status: Literal[("", *AgreementStatus.values)] = ""
    agent: Id | None = Field(None, description="agent customer id")
    product: Id | None = Field(None, description="agreements carrying this product")
    region: Text(12) = Field("", description="territory overlapping this region code (containment both ways, "
                                             "named hospitals inside it)")
    exclusive: bool | None = None
    expiring_within: int | None = Field(None, ge=0, le=3650, description="in force and ending within N days")
    sort: Literal[tuple(SORTS)] = DEFAULT_SORT


class HeaderIn(InSchema):
    number: Text(40) = Field("", description="blank: numbered automatically (DL-<year>-0001)")
    exclusive: bool = False
    start_date: datetime.date
    end_date: datetime.date = Field(description="inclusive")
    signed_date: datetime.date | None = None
    monthly_target: Money | None = None
    yearly_target: Money | None = None
    deposit_amount: Money = Decimal("0")
    rebate_terms: Text(2000) = ""
    notes: Text(5000) = ""


class LineIn(InSchema):
    product_id: Id
    agency_price: Money = Field(description="招商价, 4 decimal places")
    supply_price: Money | None = None
    monthly_quantity: int | None = Field(None, ge=0, le=2_000_000_000)
    yearly_quantity: int | None = Field(None, ge=0, le=2_000_000_000)
    notes: Text(200) = ""


class LineUpdateIn(InSchema):
    agency_price: Money | None = None
    supply_price: Money | None = None
    monthly_quantity: int | None = Field(None, ge=0, le=2_000_000_000)
    yearly_quantity: int | None = Field(None, ge=0, le=2_000_000_000)
    notes: Text(200) | None = None


class AgreementCreateIn(HeaderIn):
    agent_id: Id
    lines: list[LineIn] = Field(default_factory=list, max_length=200)
    regions: list[RegionCode] = Field(default_factory=list, max_length=200)
    hospital_ids: list[Id] = Field(default_factory=list, max_length=500)


class AgreementUpdateIn(InSchema):
    number: Text(40) | None = None
    exclusive: bool | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    signed_date: datetime.date | None = None
    monthly_target: Money | None = None
    yearly_target: Money | None = None
    deposit_amount: Money | None = None
    rebate_terms: Text(2000) | None = None
    notes: Text(5000) | None = None


class RegionIn(InSchema):
    region_code: RegionCode


class HospitalIn(InSchema):
    hospital_id: Id


class TerminateIn(InSchema):
    reason: Text(300)
    terminated_on: datetime.date | None = Field(None, description="default today; not in the future")


class DepositIn(InSchema):
    status: DepositCode = Field(description="the next state: paid, partly_refunded, refunded or forfeited")
    on: datetime.date | None = Field(None, description="date of the payment / refund / forfeiture; default today")
    refunded_amount: Money | None = Field(None, description="partly_refunded: the TOTAL refunded so far")


class ConflictItemOut(Schema):
    kind: str = Field(description="region | hospital")
    key: str = Field(description="region code or hospital customer id")
    label: str


class ConflictPairOut(Schema):
    mine: ConflictItemOut = Field(description="the item of YOUR agreement that overlaps")
    theirs: ConflictItemOut | None = Field(description="the other agreement's item (null if you may not see it)")


class ConflictAgreementOut(Schema):
    id: int
    number: str
    agent: CustomerRef
    start_date: datetime.date
    end_date: datetime.date


class ConflictOut(Schema):
    visible: bool = Field(description="false: an agreement you may not see (one merged entry, details withheld)")
    agreement: ConflictAgreementOut | None
    products: list[ProductRef]
    territory: list[ConflictPairOut]
    message: str


class OverlapErrorOut(Schema):
    code: str = Field(description='"exclusive_overlap"')
    message: str
    fields: dict[str, list[str]]
    conflicts: list[ConflictOut]


class AvailabilityAgreementOut(Schema):
    id: int
    number: str
    agent: CustomerRef
    start_date: datetime.date
    end_date: datetime.date
    own: bool
    covers_whole: bool = Field(description="covers the whole wanted region (not just a part of it)")

    @staticmethod
    def resolve_agent(obj):
        return {"id": obj.agent_id, "name": obj.agent_name}


class AvailabilityOut(Schema):
    region_code: str
    region_label: str
    note: str
    product: ProductRef | None = Field(description="a product of interest; null: any product")
    state: Literal["free", "taken", "taken_by_self"]
    partial: bool = Field(description="taken only in part of the region")
    hidden: bool = Field(description="taken (also) by agreements you may not see")
    agreements: list[AvailabilityAgreementOut] = Field(description="the agreements you may see that take it")
    taken_products: list[str] = Field(description="product null: the products taken there")

    @staticmethod
    def resolve_product(obj):
        return {"id": obj.product_id, "name": obj.product_label} if obj.product_id else None


class AuditEventOut(Schema):
    id: int
    created_at: datetime.datetime
    actor: UserRef | None
    action: str
    changes: dict
