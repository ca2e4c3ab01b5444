"""Schemas of the customer's 360° profile API (api/customer_profile.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, Text
from pharmcrm.catalog.models import TherapeuticArea
from pharmcrm.customers.models import InvoiceType

InvoiceTypeCode = Literal[("", *InvoiceType.values)]
AreaCode = Literal[tuple(TherapeuticArea.values)]
Strength = Literal[1, 2, 3]
Volume = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)] | None


class CustomerRef(Schema):
    """A linked customer as the caller may see it: ``visible`` false means no id and no name."""

    visible: bool
    id: int | None = None
    name: str | None = None


# --- invoicing data ------------------------------------------------------------------------

class InvoiceProfileIn(InSchema):
    title: Text(200) = Field(description="发票抬头: usually the customer's registered name")
    taxpayer_id: Text(40) = Field(description="纳税人识别号: 15, 17, 18 (the credit code, checked) or 20 characters")
    address: Text(300) = ""
    phone: Text(30) = ""
    bank: Text(100) = ""
    account: Text(60) = Field("", description="bank account number, 8 to 32 digits (spaces and hyphens dropped)")
    invoice_type: InvoiceTypeCode = Field("", description="preferred type: vat_special, vat_normal, electronic")


class InvoiceProfileOut(Schema):
    title: str
    taxpayer_id: str
    address: str
    phone: str
    bank: str
    account: str
    invoice_type: str
    updated_at: datetime


class InvoicePrefillOut(Schema):
    title: str
    taxpayer_id: str
    address: str
    phone: str


class InvoiceProfileGetOut(Schema):
    invoice_profile: InvoiceProfileOut | None
    prefill: InvoicePrefillOut = Field(description="what a first edit starts with (from the customer)")


# --- shipping addresses --------------------------------------------------------------------

class ShippingAddressIn(InSchema):
    receiver: Text(50)
    phone: Text(30) = Field(description="mobile (11 digits) or landline with area code")
    region_code: Text(12) = Field(description="GB/T 2260 region code, e.g. 310115")
    address: Text(300)
    notes: Text(300) = ""
    is_default: bool = Field(False, description="make it the default (the first address always is)")


class ShippingAddressPatch(InSchema):
    receiver: Text(50) | None = None
    phone: Text(30) | None = None
    region_code: Text(12) | None = None
    address: Text(300) | None = None
    notes: Text(300) | None = None
    is_default: bool | None = Field(None, description="true makes it the default; the default cannot be unset")


class ShippingAddressOut(Schema):
    id: int
    receiver: str
    phone: str
    region_code: str
    region_label: str
    address: str
    notes: str
    is_default: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_region_label(obj) -> str:
        return getattr(obj, "region_label", obj.region_code)


# --- wanted regions ------------------------------------------------------------------------

class WantedRegionIn(InSchema):
    region_code: Text(12)
    note: Text(200) = ""


class NotePatch(InSchema):
    note: Text(300) = ""


class WantedRegionPatch(InSchema):
    note: Text(200) = ""


class WantedRegionOut(Schema):
    id: int
    region_code: str
    region_label: str
    note: str

    @staticmethod
    def resolve_region_label(obj) -> str:
        return getattr(obj, "region_label", obj.region_code)


# --- products of interest, product fields --------------------------------------------------

class ProductInterestIn(InSchema):
    product_id: Id
    note: Text(300) = ""


class ProductRef(Schema):
    id: int
    name: str
    manufacturer: str
    status: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class ProductInterestOut(Schema):
    id: int
    product: ProductRef
    note: str


class ProductFieldIn(InSchema):
    area: AreaCode
    annual_volume: Volume = Field(None, description="yuan per year, optional")


class ProductFieldPatch(InSchema):
    annual_volume: Volume = None


class ProductFieldOut(Schema):
    id: int
    area: str
    area_label: str
    annual_volume: Decimal | None

    @staticmethod
    def resolve_area_label(obj) -> str:
        return str(getattr(obj, "area_label", obj.area))


# --- key accounts, competitors -------------------------------------------------------------

class KeyAccountIn(InSchema):
    hospital_id: Id = Field(description="a hospital or clinic customer you can see")
    note: Text(300) = ""
    strength: Strength = Field(2, description="1 acquainted, 2 good relationship, 3 strong relationship")


class KeyAccountPatch(InSchema):
    note: Text(300) | None = None
    strength: Strength | None = None


class KeyAccountOut(Schema):
    id: int
    hospital: CustomerRef = Field(description="visible=false: a hospital you may not see (no id, no name)")
    note: str
    strength: int


class CompetitorIn(InSchema):
    name: Text(100)
    products: Text(1000) = ""
    notes: Text(2000) = ""


class CompetitorPatch(InSchema):
    name: Text(100) | None = None
    products: Text(1000) | None = None
    notes: Text(2000) | None = None


class CompetitorOut(Schema):
    id: int
    name: str
    products: str
    notes: str


# --- chains, hospital fields, the whole profile --------------------------------------------

class HeadOfficeIn(InSchema):
    chain_id: Id | None = Field(description="a pharmacy chain you can see; null detaches the store")


class HeadOfficeOut(Schema):
    head_office: CustomerRef | None


class HospitalOut(Schema):
    hospital_grade: str
    beds: int | None
    ownership: str


class CompletenessOut(Schema):
    section: str
    label: str
    filled: bool


class ProfileOut(Schema):
    customer_id: int
    type: str
    hospital: HospitalOut | None = Field(description="hospitals and clinics only")
    invoice_profile: InvoiceProfileOut | None
    shipping_addresses: list[ShippingAddressOut] = Field(description="active ones, the default first")
    wanted_regions: list[WantedRegionOut]
    products_of_interest: list[ProductInterestOut]
    product_fields: list[ProductFieldOut]
    key_accounts: list[KeyAccountOut]
    competitors: list[CompetitorOut]
    head_office: CustomerRef | None = Field(description="a store's chain; null when it belongs to none")
    stores: list[CustomerRef] = Field(description="a chain's stores that you can see (the first 50)")
    completeness: list[CompletenessOut] = Field(description="the sections expected for this type of customer")
