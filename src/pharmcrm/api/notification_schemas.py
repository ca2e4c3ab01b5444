"""Schemas of the notifications API."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from pharmcrm.api.common import PageQuery, UserRef


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="customer_shared, customer_transferred, conflict_raised, conflict_decided, …")
    text: str = Field(description="the sentence, in the request's language")
    params: dict = Field(description="what the sentence is built from (depends on kind)")
    link: str = Field(description="a path on this site to open, or empty")
    actor: UserRef | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    is_read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int = Field(description="total rows; a lower bound when count_exact is false")
    count_exact: bool


class NotificationQuery(PageQuery):
    unread: bool = Field(False, description="only the unread ones")


class UnreadCountOut(Schema):
    count: int = Field(description="unread notifications, at most 100")


class MarkedOut(Schema):
    marked: int = Field(description="how many were marked read")
