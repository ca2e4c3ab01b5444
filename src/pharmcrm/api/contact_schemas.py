"""Schemas of the contacts API."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, SmallInt, Text, UserRef
from pharmcrm.contacts.models import BusinessRole, Gender
from pharmcrm.contacts.selectors import BIRTHDAYS, DEFAULT_SORT, SORTS, STATUSES

RoleCode = Literal[tuple(BusinessRole.values)]
GenderCode = Literal[("", *Gender.values)]


class CustomerRef(Schema):
    id: int
    name: str


class EmploymentOut(Schema):
    id: int
    customer: CustomerRef
    title: str
    role: str
    role_label: str = Field(description="the business role in words, with the details for “other”")
    role_other: str
    start_date: datetime.date | None = Field(description="null: not known")
    end_date: datetime.date | None = Field(description="null: works there now")
    is_current: bool
    is_primary: bool = Field(description="the customer's main contact")

    @staticmethod
    def resolve_role_label(obj) -> str:
        return obj.role_text


class EmploymentDetailOut(EmploymentOut):
    can_change: bool = Field(False, description="you may end, change or move this employment")


class CareDateOut(Schema):
    label: str
    month: int
    day: int
    year: int | None


class ContactOut(Schema):
    id: int
    name: str
    gender: str
    mobile: str
    phone: str
    wechat: str
    email: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    care_notes: str
    notes: str
    employments: list[EmploymentOut] = Field(
        description="employments at customers you can see (current first); others are not shown")
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_employments(obj) -> list:
        return list(getattr(obj, "seen_employments", []))


class ContactPermissions(Schema):
    edit: bool = Field(description="may change the contact's own fields")
    delete: bool = Field(description="may delete and restore (you may change every customer they work at)")
    add_employment: bool = Field(description="may add an employment (at a customer you may change)")


class ContactDetailOut(ContactOut):
    employments: list[EmploymentDetailOut]
    care_dates: list[CareDateOut]
    created_by: UserRef | None
    permissions: ContactPermissions

    @staticmethod
    def resolve_care_dates(obj) -> list:
        return list(obj.care_dates.all())


class ContactPage(Schema):
    items: list[ContactOut]
    count: int = Field(description="total rows; a lower bound when count_exact is false")
    count_exact: bool


class DeletedContactOut(Schema):
    id: int
    name: str
    mobile: str
    deleted_at: datetime.datetime
    deleted_by: UserRef | None


class DeletedContactPage(Schema):
    items: list[DeletedContactOut]
    count: int
    count_exact: bool


class ContactQuery(PageQuery):
    q: Text(100) = Field("", description="name, pinyin or initials, mobile, phone, WeChat or email")
    customer: Id | None = Field(None, description="employed (now or formerly) at this customer")
    role: Literal[("", *BusinessRole.values)] = Field("", description="business role")
    status: Literal[("", *STATUSES)] = Field(
        "", description="current: works there now; former: worked there, no longer (at the customer filtered, "
                        "or at any customer you see)")
    birthday: Literal[("", *BIRTHDAYS)] = Field("", description="week: in the next 7 days; month: this month")
    sort: Literal[tuple(SORTS)] = Field(DEFAULT_SORT, description="'-' reverses; name sorts by pinyin")


class CareDateIn(InSchema):
    label: Text(50)
    month: SmallInt
    day: SmallInt
    year: SmallInt | None = None


class ContactFieldsIn(InSchema):
    name: Text(50) | None = None
    gender: GenderCode | None = None
    mobile: Text(30) | None = None
    phone: Text(40) | None = None
    wechat: Text(50) | None = None
    email: Text(254) | None = None
    birth_year: SmallInt | None = None
    birth_month: SmallInt | None = None
    birth_day: SmallInt | None = None
    care_notes: Text(2000) | None = None
    notes: Text(5000) | None = None


class EmploymentFieldsIn(InSchema):
    title: Text(100) = ""
    role: RoleCode
    role_other: Text(50) = Field("", description="required with role “other”; otherwise an optional detail")
    start_date: datetime.date | None = Field(None, description="null: not known")
    is_primary: bool = False


class ContactCreateIn(ContactFieldsIn):
    name: Text(50)
    customer_id: Id = Field(description="the customer they work at (you must be able to change it)")
    employment: EmploymentFieldsIn
    care_dates: list[CareDateIn] = Field(default_factory=list, max_length=20)


class ContactUpdateIn(ContactFieldsIn):
    care_dates: list[CareDateIn] | None = Field(None, max_length=20, description="replaces all care dates")


class EmploymentAddIn(EmploymentFieldsIn):
    customer_id: Id
    end_date: datetime.date | None = Field(None, description="set it to record a past employment")


class EmploymentUpdateIn(InSchema):
    title: Text(100) | None = None
    role: RoleCode | None = None
    role_other: Text(50) | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    is_primary: bool | None = None


class EmploymentEndIn(InSchema):
    end_date: datetime.date | None = Field(None, description="the last day there; default today")


class ContactMoveIn(InSchema):
    from_employment_id: Id = Field(description="the current employment that ends")
    to_customer_id: Id = Field(description="the new company (you must be able to change it)")
    date: datetime.date | None = Field(None, description="the old employment ends and the new starts; default today")
    title: Text(100) = ""
    role: RoleCode | None = Field(None, description="default: the same role as before")
    role_other: Text(50) = ""
    is_primary: bool = False


class CustomerContactOut(Schema):
    employment_id: int
    contact_id: int
    name: str
    mobile: str
    phone: str
    wechat: str
    title: str
    role: str
    role_label: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    is_primary: bool


class CustomerContactsOut(Schema):
    current: list[CustomerContactOut]
    former: list[CustomerContactOut] = Field(description="left (离职/调离); a person who came back is current")


class OccasionOut(Schema):
    date: datetime.date
    kind: Literal["birthday", "care"]
    label: str
    contact_id: int
    contact_name: str
    years: int | None = Field(description="the age they turn / the years since (when the year is known)")
    days_away: int
    employments: list[EmploymentOut]


class InteractionChange(Schema):
    field: str
    old: str
    new: str


class InteractionOut(Schema):
    when: datetime.datetime
    kind: str = Field(description="change (audit trail); other areas add theirs (follow_up ...)")
    title: str
    customer: CustomerRef | None
    actor: str
    text: str
    changes: list[InteractionChange]
