"""Schemas of the qualifications API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import InSchema, PageQuery, Text, UserRef
from pharmcrm.qualifications.models import QualificationType
from pharmcrm.qualifications.selectors import EXPIRING_SORTS

TypeCode = Literal[tuple(QualificationType.values)]


class DocumentFields(Schema):
    """The fields of a document, sent as multipart form fields next to the files."""

    title: Text(100) = Field("", description="type `other` only: what the document is")
    number: Text(100) = Field("", description="as printed; for a business licence its unified social credit code")
    issuing_authority: Text(200) = ""
    scope: Text(2000) = Field("", description="经营范围 / 诊疗科目")
    valid_from: date | None = None
    valid_to: date | None = Field(None, description="the last valid day; required unless no_expiry")
    no_expiry: bool = Field(False, description="长期: a long-term document (not for an authorisation)")
    agent_name: Text(50) = Field("", description="purchasing-agent authorisation: the authorised person")
    agent_id_number: Text(30) = Field("", description="their 18-character PRC ID number (check character verified)")
    agent_products: Text(2000) = ""
    agent_territory: Text(300) = ""
    notes: Text(2000) = ""


class DocumentCreateIn(DocumentFields):
    type: TypeCode


class VoidIn(InSchema):
    reason: Text(300) = Field(description="why the document is voided (required)")


class FileOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    download_url: str = Field(description="permission-checked; add ?download=1 on the web URL for an attachment")


class DocumentOut(Schema):
    id: int
    customer_id: int
    type: str
    type_label: str
    title: str
    number: str
    issuing_authority: str
    scope: str
    valid_from: date | None
    valid_to: date | None
    no_expiry: bool
    state: Literal["current", "superseded", "voided"]
    status: str | None = Field(description="current documents: valid / expiring / expired; otherwise null")
    days_left: int | None = Field(description="days until valid_to (negative once expired); null: no expiry")
    agent_name: str
    agent_id_number: str = Field(description="masked (310104********123X) unless you may change the customer")
    agent_products: str
    agent_territory: str
    notes: str
    uploaded_by: UserRef
    created_at: datetime
    updated_at: datetime
    replaced_by_id: int | None
    replaced_at: datetime | None
    voided_at: datetime | None
    voided_by: UserRef | None
    void_reason: str
    files: list[FileOut]


class DocumentBrief(Schema):
    id: int
    type: str
    number: str
    valid_to: date | None
    days_left: int | None


class QualificationStatusOut(Schema):
    customer_id: int
    complete: bool = Field(description="every required type has a current, unexpired document")
    flag: Literal["complete", "missing", "expired"]
    on: date = Field(description="the day the status was computed for (Asia/Shanghai)")
    required: list[str]
    optional: list[str]
    missing: list[str] = Field(description="required types with no current document")
    expired_required: list[str] = Field(description="required types whose current documents are all expired")
    expired: list[DocumentBrief]
    expiring: list[DocumentBrief]


class ExpiringDocumentOut(DocumentOut):
    customer_name: str


class ExpiringPage(Schema):
    items: list[ExpiringDocumentOut]
    count: int
    count_exact: bool


class ExpiringQuery(PageQuery):
    within_days: int = Field(90, ge=0, le=3650, description="valid_to at most this many days from today")
    include_expired: bool = True
    type: Literal[("", *QualificationType.values)] = ""
    sort: Literal[tuple(EXPIRING_SORTS)] = "valid_to"


class DocumentListQuery(Schema):
    history: bool = Field(False, description="also the replaced and voided documents")
