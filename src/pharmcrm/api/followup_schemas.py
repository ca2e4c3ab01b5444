"""Schemas of the follow-ups API (跟进记录)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from pharmcrm.activities.models import Channel
from pharmcrm.api.common import Id, InSchema, PageQuery, Text, UserRef

ChannelCode = Literal[tuple(Channel.values)]


class Ref(Schema):
    id: int
    name: str


class ProductRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class CommentOut(Schema):
    id: int
    author: UserRef
    text: str
    created_at: datetime.datetime


class AttachmentOut(Schema):
    id: int
    name: str = Field(description="the file name as uploaded")
    content_type: str
    size: int

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name


class FollowUpPermissions(Schema):
    edit: bool = Field(description="you are the author and the edit window is open")
    comment: bool = Field(description="you may add a comment (the author, or you may change the customer)")
    edit_until: datetime.datetime = Field(description="the end of the author's edit window")


class FollowUpOut(Schema):
    id: int
    customer: Ref
    author: UserRef
    occurred_at: datetime.datetime
    channel: str
    channel_label: str
    content: str
    contacts: list[Ref] = Field(description="the contacts met (employed at the customer)")
    products: list[ProductRef] = Field(description="products discussed")
    materials_sent: str
    attachments: list[AttachmentOut] = Field(description="download: GET /followups/{id}/attachments/{attachment_id}")
    price_quoted: str = Field(description="free text until quotations exist")
    result: str
    next_date: datetime.date | None
    next_plan: str
    comments: list[CommentOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_channel_label(obj) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_contacts(obj) -> list:
        return list(obj.contacts.all())

    @staticmethod
    def resolve_products(obj) -> list:
        return list(obj.products.all())

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_comments(obj) -> list:
        return list(obj.comments.all())


class FollowUpDetailOut(FollowUpOut):
    permissions: FollowUpPermissions


class FollowUpPage(Schema):
    items: list[FollowUpOut]
    count: int = Field(description="total rows; a lower bound when count_exact is false")
    count_exact: bool


class FollowUpQuery(PageQuery):
    customer_id: Id | None = Field(None, description="of this customer (newest first; limit=10: the last ten)")
    contact_id: Id | None = Field(None, description="with this contact, at any customer you can see")
    author_id: Id | None = Field(None, description="logged by this user")
    channel: Literal[("", *Channel.values)] = Field("", description="visit, phone, wechat, email, meeting, "
                                                                     "exhibition, other")
    day_from: datetime.date | None = Field(None, description="happened on or after this day (Asia/Shanghai)")
    day_to: datetime.date | None = Field(None, description="happened on or before this day (Asia/Shanghai)")


class FollowUpFieldsIn(InSchema):
    occurred_at: datetime.datetime | None = Field(None, description="default now; not in the future")
    channel: ChannelCode | None = None
    content: Text(5000) | None = None
    contact_ids: list[Id] | None = Field(None, description="contacts employed (now or formerly) at the customer")
    product_ids: list[Id] | None = Field(None, description="products discussed")
    materials_sent: Text(2000) | None = None
    price_quoted: Text(2000) | None = None
    result: Text(2000) | None = None
    next_date: datetime.date | None = Field(None, description="the next follow-up; not before this one")
    next_plan: Text(2000) | None = None


class FollowUpCreateIn(FollowUpFieldsIn):
    customer_id: Id
    content: Text(5000)
    channel: ChannelCode = Channel.VISIT


class FollowUpUpdateIn(FollowUpFieldsIn):
    """Only the fields sent are changed (null clears an optional field)."""


class CommentIn(InSchema):
    text: Text(2000)
