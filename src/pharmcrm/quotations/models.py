"""Quotations (报价记录, issue 6 item 2) and, from their lines, the price history (报价历史).

A ``Quotation`` has a readable number (BJ-<year>-<000001>, from a per-year
``QuotationSequence`` incremented in the creating transaction), a customer, an optional contact
of that customer, lines (product, quantity, unit price with 4 decimals, valid until), terms and
a status: draft → sent → accepted / rejected; a sent quotation whose validity passed (every
line's ``valid_until`` before today) becomes expired in the daily job. ``valid_until`` on the
header is the latest of its lines (kept by the services). It may name the opportunity it
belongs to and the follow-up where the price was given (``followup``: the link from a
follow-up's free-text "price quoted" to the real quotation lives here, not in activities).
An accepted quotation can be converted into a sales-order draft (``order``).

Visible exactly when its customer is; written by those who may write the customer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.models import TimeStamped


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("quotation status", "Draft")
    SENT = "sent", pgettext_lazy("quotation status", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("quotation status", "Accepted")
    REJECTED = "rejected", pgettext_lazy("quotation status", "Rejected")
    EXPIRED = "expired", pgettext_lazy("quotation status", "Expired")


# what the customer has seen: these make the price history
QUOTED_STATUSES = (Status.SENT, Status.ACCEPTED, Status.REJECTED, Status.EXPIRED)
STATUS_TAGS = {Status.DRAFT: "tag-grey", Status.SENT: "tag-blue", Status.ACCEPTED: "tag-green",
               Status.REJECTED: "tag-red", Status.EXPIRED: "tag-amber"}


class QuotationSequence(models.Model):
    """The last number given in a year: BJ-<year>-<last:06d>."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Quotation(TimeStamped):
    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="quotations")
    contact = models.ForeignKey("contacts.Contact", verbose_name=_("contact"), on_delete=models.PROTECT,
                                related_name="quotations", null=True, blank=True)
    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"),
                                    on_delete=models.SET_NULL, related_name="quotations", null=True, blank=True)
    followup = models.ForeignKey("activities.FollowUp", verbose_name=_("follow-up"), on_delete=models.SET_NULL,
                                 related_name="quotations", null=True, blank=True)
    terms = models.TextField(_("terms"), max_length=5000, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    valid_until = models.DateField(_("valid until"))
    amount_total = models.DecimalField(_("total amount"), max_digits=14, decimal_places=2, default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=2000, blank=True)
    order = models.ForeignKey("sales.SalesOrder", verbose_name=_("order draft"), on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="quote_customer_idx"),
            models.Index(fields=["-created_at", "-id"], name="quote_recent_idx"),
            models.Index(fields=["valid_until"], name="quote_sent_valid_idx", condition=models.Q(status="sent")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_total__gte=0), name="quote_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS.get(self.status, "tag-grey")


class QuotationLine(models.Model):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    valid_until = models.DateField(_("valid until"))

    class Meta:
        verbose_name = _("quotation line")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["product", "quotation"], name="quote_line_product_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="quote_line_qty_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="quote_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity} @ {self.unit_price}"
