"""Schemas of the catalog API (products and prices)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.catalog.models import (
    DosageForm,
    InsuranceClass,
    PackingUnit,
    PriceKind,
    ProductStatus,
    RxClass,
    StorageCondition,
    TherapeuticArea,
)
from pharmcrm.catalog.selectors import DEFAULT_SORT, SORTS

DosageFormCode = Literal[tuple(DosageForm.values)]
PackingUnitCode = Literal[tuple(PackingUnit.values)]
InsuranceCode = Literal[tuple(InsuranceClass.values)]
RxCode = Literal[tuple(RxClass.values)]
StorageCode = Literal[tuple(StorageCondition.values)]
AreaCode = Literal[tuple(TherapeuticArea.values)]
StatusCode = Literal[tuple(ProductStatus.values)]
KindCode = Literal[tuple(PriceKind.values)]
SortKey = Literal[tuple(SORTS)]


class ProductOut(Schema):
    id: int
    generic_name: str
    trade_name: str
    dosage_form: str
    spec: str
    packing_unit: str
    case_quantity: int
    manufacturer: str
    mah: str
    approval_number: str
    insurance_class: str
    rx_class: str
    storage: str
    tax_rate: Decimal = Field(description="percent, e.g. 13.00")
    therapeutic_area: str
    status: str
    notes: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    current_prices: dict[str, Decimal] = Field(
        description="national prices in force today by kind (agency, supply, retail; floor only for those "
                    "allowed to see it)")


class ProductDetailOut(ProductOut):
    created_by: UserRef | None
    can_edit: bool = Field(description="may change the product and its prices")


class ProductPage(Schema):
    items: list[ProductOut]
    count: int = Field(description="total rows; a lower bound when count_exact is false")
    count_exact: bool


class ProductQuery(PageQuery):
    q: Text(200) = Field("", description="generic or trade name, pinyin or initials, approval number, manufacturer")
    dosage_form: Literal[("", *DosageForm.values)] = ""
    therapeutic_area: Literal[("", *TherapeuticArea.values)] = ""
    rx_class: Literal[("", *RxClass.values)] = ""
    insurance_class: Literal[("", *InsuranceClass.values)] = ""
    status: Literal[("", *ProductStatus.values)] = ""
    sort: SortKey = Field(DEFAULT_SORT, description="'-' reverses; default: by generic name")


class ProductCreateIn(InSchema):
    generic_name: Text(100)
    trade_name: Text(100) = ""
    dosage_form: DosageFormCode
    spec: Text(100) = Field(description="e.g. 0.25g×24粒 (x or * become ×)")
    packing_unit: PackingUnitCode = PackingUnit.BOX.value
    case_quantity: int = Field(1, ge=1, le=100_000, description="units per shipping case (件装量)")
    manufacturer: Text(200)
    mah: Text(200) = Field("", description="marketing authorisation holder, if not the manufacturer")
    approval_number: Text(40) = Field(description="国药准字 + H/Z/S/J + 8 digits; spaces and full-width allowed")
    insurance_class: InsuranceCode = InsuranceClass.NONE.value
    rx_class: RxCode = RxClass.RX.value
    storage: StorageCode = StorageCondition.NORMAL.value
    tax_rate: Decimal = Field(Decimal("13"), description="percent, 0..100, 2 decimals")
    therapeutic_area: AreaCode = TherapeuticArea.OTHER.value
    status: StatusCode = ProductStatus.ACTIVE.value
    notes: Text(5000) = ""


class ProductUpdateIn(InSchema):
    generic_name: Text(100) | None = None
    trade_name: Text(100) | None = None
    dosage_form: DosageFormCode | None = None
    spec: Text(100) | None = None
    packing_unit: PackingUnitCode | None = None
    case_quantity: int | None = Field(None, ge=1, le=100_000)
    manufacturer: Text(200) | None = None
    mah: Text(200) | None = None
    approval_number: Text(40) | None = None
    insurance_class: InsuranceCode | None = None
    rx_class: RxCode | None = None
    storage: StorageCode | None = None
    tax_rate: Decimal | None = None
    therapeutic_area: AreaCode | None = None
    status: StatusCode | None = None
    notes: Text(5000) | None = None


class CustomerRef(Schema):
    id: int
    name: str


class PriceOut(Schema):
    id: int
    product_id: int
    kind: str
    price: Decimal
    scope: Literal["national", "region", "customer"]
    region_code: str
    region_label: str
    customer: CustomerRef | None
    valid_from: datetime.date
    valid_to: datetime.date | None = Field(description="last day valid (inclusive); null = open-ended")
    notes: str
    created_by: UserRef | None
    created_at: datetime.datetime
    voided_at: datetime.datetime | None
    void_reason: str

    @staticmethod
    def resolve_region_label(obj) -> str:
        from pharmcrm.catalog.regions import region_label

        return region_label(obj.region_code) if obj.region_code else ""


class PriceQuery(Schema):
    kind: Literal[("", *PriceKind.values)] = ""
    include_void: bool = Field(False, description="also voided prices")


class PriceCreateIn(InSchema):
    kind: KindCode
    price: Decimal = Field(description="> 0, at most 4 decimals")
    valid_from: datetime.date
    valid_to: datetime.date | None = Field(None, description="last day valid (inclusive); null = open-ended")
    region_code: Text(12) = Field("", description="6-digit region code; empty = national (or customer)")
    customer_id: Id | None = Field(None, description="a customer you can see; not together with region_code")
    notes: Text(300) = ""
    replace_current: bool = Field(False, description="end the price in force for this scope the day before")


class PriceEndIn(InSchema):
    valid_to: datetime.date = Field(description="last day the price applies (inclusive)")


class PriceVoidIn(InSchema):
    reason: Text(300)


class PriceForQuery(Schema):
    product_id: Id
    kind: KindCode
    on_date: datetime.date | None = Field(None, description="default: today")
    customer_id: Id | None = Field(None, description="a customer you can see: their own price, then their region")
    region_code: Text(12) = Field("", description="without a customer: the region to price for")


class PriceForOut(Schema):
    price: PriceOut | None = Field(description="the applicable price, or null when none applies")
