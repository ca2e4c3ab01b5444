"""Schemas of the customers API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from pharmcrm.api.common import DepartmentRef, Id, InSchema, PageQuery, SmallInt, Text, UserRef
from pharmcrm.core.regions import region_label
from pharmcrm.customers.models import (
    CustomerGrade,
    CustomerShare,
    CustomerSource,
    CustomerStatus,
    CustomerType,
)
from pharmcrm.customers.profile_choices import HospitalGrade, HospitalOwnership
from pharmcrm.customers.selectors import DEFAULT_SORT, SORTS

TypeCode = Literal[tuple(CustomerType.values)]
StatusCode = Literal[tuple(CustomerStatus.values)]
GradeCode = Literal[("", *CustomerGrade.values)]
SourceCode = Literal[("", *CustomerSource.values)]
AccessCode = Literal[tuple(CustomerShare.Access.values)]
SortKey = Literal[tuple(SORTS)]
HospitalGradeCode = Literal[("", *HospitalGrade.values)]
OwnershipCode = Literal[("", *HospitalOwnership.values)]


class CustomerOut(Schema):
    id: int
    type: str
    name: str
    short_name: str
    credit_code: str
    region_code: str
    region_label: str = Field("", description="the region's full name, e.g. 浙江省 杭州市 西湖区")
    address: str
    phone: str
    status: str
    grade: str
    source: str
    notes: str
    hospital_grade: str = Field(description="hospitals and clinics: 3A (三甲), 3B, 3, 2A, 2B, 2, 1, none (未定级)")
    beds: int | None = Field(description="hospitals and clinics: number of beds")
    ownership: str = Field(description="hospitals and clinics: public or private")
    owner: UserRef | None = Field(description="null: the customer is in the public pool (公海) of pool_department")
    owner_department: DepartmentRef | None
    in_pool: bool = Field(False, description="in the public pool: no owner (see /pool)")
    pool_department: DepartmentRef | None = Field(None, description="whose pool it is in (pool customers only)")
    released_at: datetime | None = Field(None, description="in the pool since (pool customers only)")
    pool_exempt: bool = Field(False, description="never returns to the pool on its own (set by a head)")
    last_followup_at: datetime | None = Field(None, description="last follow-up (none recorded: null)")
    last_deal_at: datetime | None = Field(None, description="last deal (none recorded: null)")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_in_pool(obj) -> bool:
        return obj.owner_id is None

    @staticmethod
    def resolve_region_label(obj) -> str:
        return region_label(obj.region_code)


class Permissions(Schema):
    write: bool = Field(description="may change the customer's fields")
    manage: bool = Field(description="may share, delete, restore (owner, heads above, administrators)")
    transfer: bool = Field(description="may transfer to another owner (heads above the owner, administrators)")


class CustomerDetailOut(CustomerOut):
    created_by: UserRef | None
    permissions: Permissions


class CustomerPage(Schema):
    items: list[CustomerOut]
    count: int = Field(description="total rows; a lower bound when count_exact is false")
    count_exact: bool


class DeletedCustomerOut(CustomerOut):
    deleted_at: datetime
    deleted_by: UserRef | None


class DeletedCustomerPage(Schema):
    items: list[DeletedCustomerOut]
    count: int
    count_exact: bool


class CustomerQuery(PageQuery):
    q: Text(200) = Field("", description="name, short name, pinyin or initials (zyy), phone or credit code")
    owner: Id | None = Field(None, description="owner user id")
    department: Id | None = Field(None, description="owner department id (its sub-departments included)")
    status: Literal[("", *CustomerStatus.values)] = ""
    type: Literal[("", *CustomerType.values)] = ""
    grade: GradeCode = ""
    region: Text(6) = Field("", description="region code: customers anywhere inside it (330000 = all of 浙江)")
    sort: SortKey = Field(DEFAULT_SORT, description="'-' reverses; default: most recently changed first")


class CustomerCreateIn(InSchema):
    type: TypeCode
    name: Text(200)
    short_name: Text(50) = ""
    credit_code: Text(40) = Field("", description="unified social credit code, 18 characters with check character")
    region_code: Text(12) = Field("", description="GB/T 2260 code of a current region (GET /api/v1/regions)")
    address: Text(300) = ""
    phone: Text(30) = ""
    status: StatusCode = CustomerStatus.PROSPECT.value
    grade: GradeCode = ""
    source: SourceCode = ""
    notes: Text(5000) = ""
    hospital_grade: HospitalGradeCode = Field("", description="hospitals and clinics only (360° profile)")
    beds: SmallInt | None = Field(None, description="hospitals and clinics only: 1 to 100,000")
    ownership: OwnershipCode = Field("", description="hospitals and clinics only: public or private")
    owner_id: Id | None = Field(None, description="default: you; otherwise an active user of your team")


class CustomerUpdateIn(InSchema):
    type: TypeCode | None = None
    name: Text(200) | None = None
    short_name: Text(50) | None = None
    credit_code: Text(40) | None = None
    region_code: Text(12) | None = None
    address: Text(300) | None = None
    phone: Text(30) | None = None
    status: StatusCode | None = None
    grade: GradeCode | None = None
    source: SourceCode | None = None
    notes: Text(5000) | None = None
    hospital_grade: HospitalGradeCode | None = None
    beds: SmallInt | None = None
    ownership: OwnershipCode | None = None


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    actor: UserRef | None
    action: str
    target_type: str
    target_id: int
    target_label: str
    changes: dict[str, Any] = Field(description="{field: [old, new]}")


class GroupRef(Schema):
    id: int
    name: str


class ShareOut(Schema):
    id: int
    user: UserRef | None
    group: GroupRef | None
    access: str
    created_by: UserRef
    created_at: datetime


class ShareIn(InSchema):
    user_id: Id | None = Field(None, description="share with this user ...")
    group_id: Id | None = Field(None, description="... or with this share group (exactly one of the two)")
    access: AccessCode = CustomerShare.Access.READ.value


class TransferAssignmentIn(InSchema):
    customer_ids: list[Id] = Field(min_length=1, max_length=10000)
    to_user_id: Id


class TransferIn(InSchema):
    from_user_id: Id | None = Field(None, description="transfer ALL customers of this user ...")
    to_user_id: Id | None = Field(None, description="... to this user")
    assignments: list[TransferAssignmentIn] | None = Field(
        None, max_length=100, description="or: these customers to these users")
    keep_shares: bool = Field(True, description="keep the shares the old owner made")
    reason: Text(300) = ""


class TransferOut(Schema):
    transfer_id: int | None = Field(description="the transfer log id (null when nothing had to move)")
    customer_count: int
