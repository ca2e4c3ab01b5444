"""The only writers of notifications.

``notify`` is called by the hooks (hooks.py) and, later, by the daily job. It never writes
inside the caller's transaction: the rows are created once that transaction commits, so a
rolled-back change notifies nobody. A failure to notify is logged, never raised into the
request that caused it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.notifications import delivery
from pharmcrm.notifications.kinds import is_kind
from pharmcrm.notifications.models import Notification
from pharmcrm.org.models import User

logger = logging.getLogger("pharmcrm.notifications")

KEY_MAX = Notification._meta.get_field("key").max_length
LINK_MAX = Notification._meta.get_field("link").max_length


def _ids(recipients: Iterable[User | int]) -> set[int]:
    return {r.pk if isinstance(r, User) else int(r) for r in recipients if r is not None}


def safe_link(link: str) -> str:
    """Only a path on this site ("/customers/1/"); anything else (a scheme, "//host", "\\") is dropped."""
    link = (link or "").strip()
    if not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > LINK_MAX:
        return ""
    if any(ord(ch) < 32 for ch in link):
        return ""
    return link


def notify(
    *, recipients: Iterable[User | int], kind: str, params: dict[str, Any] | None = None, link: str = "",
    actor: User | None = None, key: str | None = None,
) -> None:
    """Notify ``recipients`` once the current transaction commits (at once outside one).

    Skips inactive users and the actor; a (recipient, ``key``) that exists already is not
    created again, so a repeated event or job run notifies nobody twice."""
    if not is_kind(kind):
        raise ValueError(f"unknown notification kind {kind!r}")
    ids = _ids(recipients)
    if actor is not None:
        ids.discard(actor.pk)
    if not ids:
        return
    if key is not None and len(key) > KEY_MAX:
        raise ValueError("notification key too long")
    params = dict(params or {})
    link = safe_link(link)
    actor_id = actor.pk if actor is not None else None

    def create() -> None:
        _create(recipient_ids=ids, kind=kind, params=params, link=link, actor_id=actor_id, key=key)

    transaction.on_commit(create, robust=True)


def _create(*, recipient_ids: set[int], kind: str, params: dict, link: str, actor_id: int | None,
            key: str | None) -> int:
    active = User.objects.filter(pk__in=recipient_ids, is_active=True).order_by("pk").values_list("pk", flat=True)
    now = timezone.now()
    rows = [Notification(recipient_id=uid, kind=kind, params=params, link=link, actor_id=actor_id, key=key,
                         created_at=now) for uid in active]
    # ON CONFLICT DO NOTHING (PostgreSQL) / INSERT OR IGNORE (SQLite): a duplicate key is skipped
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    if rows and delivery.enabled():
        # the rows this call created (a duplicate key kept the older row, with another time)
        created = Notification.objects.filter(recipient_id__in=list(active), kind=kind, created_at=now)
        if key is not None:
            created = created.filter(key=key)
        delivery.queue_deliveries(created.select_related("recipient"))
    return len(rows)


def _mine(actor: User, notification_id: int) -> Notification:
    n = Notification.objects.filter(pk=notification_id, recipient=actor).first()
    if n is None:
        raise NotFound(_("Notification not found."))
    return n


def notification_mark_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of ``actor``'s notifications read (someone else's: ``NotFound``). Idempotent."""
    n = _mine(actor, notification_id)
    if n.read_at is None:
        now = timezone.now()
        # conditional: a double click keeps the first time
        Notification.objects.filter(pk=n.pk, read_at__isnull=True).update(read_at=now)
        n.read_at = now
        _forget_count(actor)
    return n


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark all of ``actor``'s unread notifications read; returns how many."""
    count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    _forget_count(actor)
    return count


def _forget_count(actor: User) -> None:
    """The bell's number loaded with the session user is stale once this request marks some read."""
    actor.__dict__.pop("unread_notifications", None)
