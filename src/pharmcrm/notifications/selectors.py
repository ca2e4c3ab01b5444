"""The only readers of notifications: a user only ever reads their own."""

from __future__ import annotations

from django.db.models import QuerySet

from pharmcrm.core.errors import NotFound
from pharmcrm.notifications.models import Notification
from pharmcrm.org.models import User

UNREAD_CAP = 100  # the bell shows "99+" beyond; counting stops there (one index-only query)


def notification_list(*, actor: User, unread_only: bool = False) -> QuerySet[Notification]:
    """``actor``'s notifications, newest first (the caller pages)."""
    qs = Notification.objects.filter(recipient=actor).select_related("actor").order_by("-created_at", "-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(*, actor: User, cap: int = UNREAD_CAP) -> int:
    """How many of ``actor``'s notifications are unread, at most ``cap``."""
    if not actor.is_authenticated or not actor.is_active:
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).order_by()[:cap].count()


def notification_get(*, actor: User, notification_id: int) -> Notification:
    n = Notification.objects.select_related("actor").filter(pk=notification_id, recipient=actor).first()
    if n is None:
        raise NotFound("Notification not found.")
    return n
