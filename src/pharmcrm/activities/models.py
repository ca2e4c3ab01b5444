"""Follow-up records (跟进记录, DOMAIN.md "Follow-ups").

A ``FollowUp`` is one interaction with a customer: when, how (channel), with whom (contacts
employed at that customer), what was said, products discussed, materials sent, price quoted
(free text until quotations exist), the result, and the next date and plan. It has no
visibility of its own: it is visible exactly when its customer is (``activities.selectors``).

Records are to be trusted: the author may edit one for ``FOLLOWUP_EDIT_HOURS`` (a setting,
default 24) after creating it; afterwards only ``FollowUpComment`` additions. Nothing is
deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.models import TimeStamped
from pharmcrm.qualifications.models import StoredFile


class Channel(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", pgettext_lazy("follow-up channel", "Email")
    MEETING = "meeting", _("Meeting")
    EXHIBITION = "exhibition", _("Exhibition")
    OTHER = "other", _("Other")


CHANNEL_ICONS = {
    Channel.VISIT: "geo-alt", Channel.PHONE: "telephone", Channel.WECHAT: "chat-dots",
    Channel.EMAIL: "envelope", Channel.MEETING: "people", Channel.EXHIBITION: "easel", Channel.OTHER: "journal-text",
}


class FollowUp(TimeStamped):
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="followups")
    contacts = models.ManyToManyField("contacts.Contact", verbose_name=_("contacts"), related_name="followups",
                                      blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="followups")
    occurred_at = models.DateTimeField(_("time of the follow-up"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.VISIT)
    content = models.TextField(_("content"), max_length=5000)
    products = models.ManyToManyField("catalog.Product", verbose_name=_("products discussed"),
                                      related_name="followups", blank=True)
    materials_sent = models.TextField(_("materials sent"), max_length=2000, blank=True)
    price_quoted = models.TextField(_("price quoted"), max_length=2000, blank=True)
    result = models.TextField(_("result"), max_length=2000, blank=True)
    next_date = models.DateField(_("next follow-up date"), null=True, blank=True)
    next_plan = models.TextField(_("next follow-up plan"), max_length=2000, blank=True)
    # the plan moved on the calendar (services.plan_reschedule): the record's content is untouched
    rescheduled_to = models.DateField(_("rescheduled to"), null=True, blank=True)
    rescheduled_at = models.DateTimeField(_("rescheduled at"), null=True, blank=True)
    rescheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rescheduled by"),
                                       on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="followup_customer_idx"),
            models.Index(fields=["author", "-occurred_at", "-id"], name="followup_author_idx"),
            models.Index(fields=["-occurred_at", "-id"], name="followup_recent_idx"),
            models.Index(fields=["next_date"], name="followup_next_idx", condition=models.Q(next_date__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {timezone.localtime(self.occurred_at):%Y-%m-%d %H:%M}"

    @property
    def plan_date(self):
        """The date the plan is due: moved on the calendar, else the next date logged."""
        return self.rescheduled_to or self.next_date

    @property
    def icon(self) -> str:
        return CHANNEL_ICONS.get(self.channel, "journal-text")


class FollowUpComment(models.Model):
    """An addition to a follow-up once its edit window has passed (or at any time)."""

    follow_up = models.ForeignKey(FollowUp, verbose_name=_("follow-up"), on_delete=models.CASCADE,
                                  related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up comment")
        verbose_name_plural = _("follow-up comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["follow_up", "created_at"], name="followup_comment_idx")]

    def __str__(self) -> str:
        return self.text[:50]


class FollowUpAttachment(StoredFile):
    """A file sent or shown (a brochure, a quotation scan, a photo of the shelf): checked and
    stored like qualification scans (qualifications/uploads.py: PDF, JPEG, PNG, WebP recognised
    by content, size-limited, a random name under MEDIA_ROOT/followups/), served only through
    the permission-checked views."""

    follow_up = models.ForeignKey(FollowUp, verbose_name=_("follow-up"), on_delete=models.CASCADE,
                                  related_name="attachments")
    file = models.FileField(_("file"), upload_to="followups/%Y/%m/", max_length=200)

    class Meta(StoredFile.Meta):
        verbose_name = _("follow-up attachment")
        verbose_name_plural = _("follow-up attachments")
