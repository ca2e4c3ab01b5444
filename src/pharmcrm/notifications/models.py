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


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One notification to send outside the app (an email, a WeCom/DingTalk group robot): an
    outbox row written once the notification exists, sent later by a background thread or
    ``manage.py crm_deliver``, retried with back-off (notifications/delivery.py). (notification,
    channel, target) is unique, so nothing is sent twice for the same notification."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=20)  # "email" | "wecom" | "dingtalk"
    target = models.CharField(_("target"), max_length=200)  # an address, or the robot's name in settings
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel", "target"], name="delivery_unique"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due_idx",
                         condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.target} ({self.status})"
