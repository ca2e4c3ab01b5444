"""In-app notifications (the bell): one row per recipient and event.

The sentence is not stored: a row keeps its ``kind``, the ``params`` the sentence needs and a
``link``; ``notifications.render`` builds the sentence at display time with gettext, so it
follows the reader's language. ``key`` makes an event idempotent: (recipient, key) is unique,
so the same event (or the daily job run twice) never notifies anyone twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """The kinds this app itself raises. Other areas register theirs with
    ``notifications.kinds.register_kind`` (the column has no choices, so a new kind needs no
    migration here)."""

    CUSTOMER_SHARED = "customer_shared", _("Customer shared with me")
    CUSTOMER_TRANSFERRED = "customer_transferred", _("Customers transferred to me")
    CONFLICT_RAISED = "conflict_raised", _("Duplicate conflict to decide")
    CONFLICT_DECIDED = "conflict_decided", _("Duplicate conflict decided")


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    key = models.CharField(_("idempotency key"), max_length=200, null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # NULL keys never collide (both databases): only keyed events are deduplicated
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_recipient_key_unique"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_idx"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def text(self) -> str:
        from pharmcrm.notifications.render import notification_text

        return notification_text(self)
