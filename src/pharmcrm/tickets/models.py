"""Service tickets (服务记录, issue 4 item 4, DOMAIN.md "Service records").

A ``Ticket`` is one request or problem of a customer: a consultation, a complaint, a return, a
quality issue. It has a readable number (FW-2026-000123, from a per-year ``TicketSequence``
incremented in the creating transaction), a type and a priority that give its due time from
the SLA table (``tickets.sla``), an assignee who must be able to see the customer, and a state
machine (``tickets.services``): open → in progress → resolved → closed, with reopening.

It has no visibility of its own: it is visible exactly when its customer is
(``tickets.selectors``). Every change leaves a ``TicketEvent`` (the ticket's own timeline) and
an audit record; nothing is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.models import TimeStamped


class TicketType(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    COMPLAINT = "complaint", _("Complaint")
    RETURN = "return", _("Return")
    QUALITY = "quality", _("Quality issue")
    OTHER = "other", pgettext_lazy("ticket type", "Other")


class Priority(models.TextChoices):
    LOW = "low", pgettext_lazy("ticket priority", "Low")
    NORMAL = "normal", pgettext_lazy("ticket priority", "Normal")
    HIGH = "high", pgettext_lazy("ticket priority", "High")
    URGENT = "urgent", pgettext_lazy("ticket priority", "Urgent")


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("ticket status", "In progress")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


ACTIVE_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

TYPE_ICONS = {
    TicketType.CONSULTATION: "question-circle", TicketType.COMPLAINT: "emoji-frown",
    TicketType.RETURN: "arrow-return-left", TicketType.QUALITY: "shield-exclamation", TicketType.OTHER: "headset",
}
STATUS_TAGS = {Status.OPEN: "tag-blue", Status.IN_PROGRESS: "tag-amber", Status.RESOLVED: "tag-green",
               Status.CLOSED: "tag-grey"}
PRIORITY_TAGS = {Priority.LOW: "tag-grey", Priority.NORMAL: "tag-blue", Priority.HIGH: "tag-orange",
                 Priority.URGENT: "tag-red"}


class TicketSequence(models.Model):
    """The last number given in a year: FW-<year>-<last:06d>."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket number sequence")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Ticket(TimeStamped):
    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="tickets")
    contact = models.ForeignKey("contacts.Contact", verbose_name=_("contact"), on_delete=models.PROTECT,
                                related_name="tickets", null=True, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=TicketType.choices, default=TicketType.CONSULTATION)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="tickets", null=True, blank=True)
    batch_no = models.CharField(_("batch number"), max_length=50, blank=True)
    title = models.CharField(pgettext_lazy("ticket", "title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT,
                                 related_name="assigned_tickets")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), max_length=5000, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("customer satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    satisfaction_comment = models.TextField(_("satisfaction comment"), max_length=2000, blank=True)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        indexes = [
            models.Index(fields=["customer", "-opened_at", "-id"], name="ticket_customer_idx"),
            models.Index(fields=["assignee", "status", "due_at"], name="ticket_assignee_idx"),
            models.Index(fields=["-opened_at", "-id"], name="ticket_recent_idx"),
            models.Index(fields=["due_at"], name="ticket_active_due_idx",
                         condition=models.Q(status__in=["open", "in_progress"])),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True) | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="ticket_satisfaction_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def icon(self) -> str:
        return TYPE_ICONS.get(self.type, "headset")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.due_at < timezone.now()

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS.get(self.status, "tag-grey")

    @property
    def priority_tag(self) -> str:
        return PRIORITY_TAGS.get(self.priority, "tag-grey")


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("ticket event", "Opened")
    ASSIGNED = "assigned", pgettext_lazy("ticket event", "Assigned")
    STARTED = "started", pgettext_lazy("ticket event", "Work started")
    RESOLVED = "resolved", pgettext_lazy("ticket event", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket event", "Closed")
    REOPENED = "reopened", pgettext_lazy("ticket event", "Reopened")
    COMMENT = "comment", pgettext_lazy("ticket event", "Comment")
    EDITED = "edited", pgettext_lazy("ticket event", "Edited")


class TicketEvent(models.Model):
    """One line of a ticket's timeline. ``changes`` holds {field: [old, new]} for edits and
    assignments (names, not ids, so the line reads on its own)."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), max_length=5000, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at", "id"], name="ticket_event_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"
