"""The notifications API: mine only. Someone else's notification id is a 404."""

from __future__ import annotations

from ninja import Query, Router

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.notification_schemas import (
    MarkedOut,
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    UnreadCountOut,
)
from pharmcrm.notifications import selectors, services

router = Router(tags=["notifications"])


@router.get("", response=NotificationPage, summary="My notifications, newest first (?unread=1: unread only)")
def notification_list(request, query: Query[NotificationQuery]):
    return paginate(selectors.notification_list(actor=request.auth, unread_only=query.unread), query)


@router.get("/unread-count", response=UnreadCountOut, summary="How many of my notifications are unread (the bell)")
def notification_unread_count(request):
    return {"count": selectors.unread_count(actor=request.auth)}


@router.post("/read-all", response=MarkedOut, summary="Mark all my notifications read")
def notification_read_all(request):
    return {"marked": services.notifications_mark_all_read(actor=request.auth)}


@router.post("/{notification_id}/read", response=NotificationOut, summary="Mark one of my notifications read")
def notification_read(request, notification_id: Id):
    services.notification_mark_read(actor=request.auth, notification_id=notification_id)
    return selectors.notification_get(actor=request.auth, notification_id=notification_id)
