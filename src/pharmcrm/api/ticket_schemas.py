"""Schemas of the service-tickets API (服务记录)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef
from pharmcrm.tickets.models import Priority, Status, TicketType
from pharmcrm.tickets.selectors import SORTS

TypeCode = Literal[tuple(TicketType.values)]
PriorityCode = Literal[tuple(Priority.values)]


class Ref(Schema):
    id: int
    name: str


class ProductRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class TicketPermissions(Schema):
    act: bool = Field(description="you are the assignee or may change the customer")
    edit: bool
    assign: bool
    comment: bool
    actions: list[str] = Field(description="the transitions you may apply now: start, resolve, close, reopen")


class TicketOut(Schema):
    id: int
    number: str = Field(description="FW-<year>-<n>")
    customer: Ref
    contact: Ref | None
    type: str
    type_label: str
    priority: str
    priority_label: str
    product: ProductRef | None
    batch_no: str
    title: str
    description: str
    assignee: UserRef
    created_by: UserRef
    opened_at: datetime.datetime
    due_at: datetime.datetime = Field(description="from the SLA table by type and priority")
    overdue: bool
    status: str
    status_label: str
    resolution: str
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    satisfaction: int | None = Field(description="1..5, given at closing")
    satisfaction_comment: str
    reopen_count: int
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_type_label(obj) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_priority_label(obj) -> str:
        return str(obj.get_priority_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    actor: UserRef | None
    at: datetime.datetime
    from_status: str
    to_status: str
    note: str
    changes: dict

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class TicketDetailOut(TicketOut):
    permissions: TicketPermissions
    events: list[EventOut] = Field(description="the ticket's timeline, oldest first")

    @staticmethod
    def resolve_events(obj) -> list:
        return obj.timeline


class TicketPage(Schema):
    items: list[TicketOut]
    count: int = Field(description="total rows; a lower bound when count_exact is false")
    count_exact: bool


class TicketQuery(PageQuery):
    status: Literal[("", "active", *Status.values)] = Field("", description="open, in_progress, resolved, closed; "
                                                                              "active = open or in progress")
    type: Literal[("", *TicketType.values)] = ""
    priority: Literal[("", *Priority.values)] = ""
    assignee_id: Id | None = Field(None, description="assigned to this user")
    mine: bool = Field(False, description="assigned to me")
    overdue: bool = Field(False, description="due time passed while open or in progress")
    customer_id: Id | None = Field(None, description="of this customer")
    q: Text(100) = Field("", description="number, title, customer name or batch contains")
    sort: Literal[tuple(SORTS)] = Field("-opened", description="-opened (default), opened, due, -due, -updated, "
                                                               "number, -number")


class TicketFieldsIn(InSchema):
    type: TypeCode | None = None
    priority: PriorityCode | None = None
    title: Text(200) | None = None
    description: Text(5000) | None = None
    contact_id: Id | None = Field(None, description="a contact employed at the customer")
    product_id: Id | None = None
    batch_no: Text(50) | None = Field(None, description="free text; needs a product")


class TicketCreateIn(TicketFieldsIn):
    customer_id: Id
    title: Text(200)
    type: TypeCode = TicketType.CONSULTATION
    priority: PriorityCode = Priority.NORMAL
    assignee_id: Id | None = Field(None, description="default: you; must be able to see the customer")


class TicketUpdateIn(TicketFieldsIn):
    """Only the fields sent are changed (null clears contact, product, description, batch)."""


class NoteIn(InSchema):
    note: Text(2000) = ""


class ResolveIn(InSchema):
    resolution: Text(5000)


class CloseIn(InSchema):
    satisfaction: int | None = Field(None, ge=1, le=5, description="the customer's satisfaction, 1..5")
    comment: Text(2000) = ""


class ReopenIn(InSchema):
    note: Text(2000) = Field(description="why the ticket is reopened")


class AssignIn(InSchema):
    assignee_id: Id
    note: Text(2000) = ""


class CommentIn(InSchema):
    text: Text(2000)
