"""Payments and receivables (回款与应收, issue 5 item 4; DOMAIN.md "The sales flow").

* ``Payment``: money a customer paid (a bank transfer, an acceptance bill, cash …), with a
  readable number HK-<year>-<000001> from a per-year ``PaymentSequence``. Active or cancelled
  (with a reason); never deleted.
* ``PaymentAllocation``: part of a payment applied to one order (approved or later). Never
  deleted: releasing sets ``released_at``; an *active* allocation has ``released_at`` null. The
  order's ``paid_total`` is the sum of its active allocations, the payment's ``allocated_total``
  the sum of its own; ``amount - allocated_total`` of an active payment is the customer's credit
  (预收/余款) from it.
* ``PaymentPlan``: an order's instalments (due date, amount). Their state (paid / partly paid /
  due / overdue) is derived: the order's paid total is applied to the plans in due-date order.

Payments have no visibility of their own: one is visible when its customer is, plus the role
scope of area ``payments`` (finance: all; ``payments.selectors``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.models import TimeStamped

ZERO = Decimal("0.00")


class Method(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    BANK_ACCEPTANCE = "bank_acceptance", _("Bank acceptance bill")
    COMMERCIAL_ACCEPTANCE = "commercial_acceptance", _("Commercial acceptance bill")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    OTHER = "other", pgettext_lazy("payment method", "Other")


class PaymentStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("payment status", "Active")
    CANCELLED = "cancelled", pgettext_lazy("payment status", "Cancelled")


class PaymentSequence(models.Model):
    """The last number given in a year: HK-<year>-<last:06d>."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Payment(TimeStamped):
    number = models.CharField(_("payment number"), max_length=20, unique=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="payments")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    allocated_total = models.DecimalField(_("allocated"), max_digits=14, decimal_places=2, default=ZERO)
    received_on = models.DateField(_("received on"))
    method = models.CharField(_("method"), max_length=24, choices=Method.choices, default=Method.BANK_TRANSFER)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    payer_name = models.CharField(_("payer"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.ACTIVE)
    cancel_reason = models.TextField(_("reason for cancelling"), max_length=2000, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["customer", "-received_on", "-id"], name="payment_customer_idx"),
            models.Index(fields=["-received_on", "-id"], name="payment_recent_idx"),
            models.Index(fields=["customer", "status"], name="payment_credit_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(allocated_total__gte=0) & Q(allocated_total__lte=F("amount")),
                                   name="payment_allocated_within_amount"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def unallocated(self) -> Decimal:
        """The customer's credit from this payment (nothing once cancelled)."""
        return self.amount - self.allocated_total if self.status == PaymentStatus.ACTIVE else ZERO

    @property
    def status_tag(self) -> str:
        return "tag-red" if self.status == PaymentStatus.CANCELLED else "tag-green"


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    order = models.ForeignKey("sales.SalesOrder", verbose_name=_("order"), on_delete=models.PROTECT,
                              related_name="payment_allocations")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("allocated at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("released by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    release_reason = models.CharField(_("reason for releasing"), max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["order", "released_at"], name="pay_alloc_order_idx"),
            models.Index(fields=["payment", "released_at"], name="pay_alloc_payment_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pay_alloc_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}->{self.order_id}: {self.amount}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class PlanState(models.TextChoices):
    PAID = "paid", pgettext_lazy("payment plan", "Paid")
    PARTLY = "partly", pgettext_lazy("payment plan", "Partly paid")
    DUE = "due", pgettext_lazy("payment plan", "Due")
    OVERDUE = "overdue", pgettext_lazy("payment plan", "Overdue")


PLAN_TAGS = {PlanState.PAID: "tag-green", PlanState.PARTLY: "tag-blue", PlanState.DUE: "tag-grey",
             PlanState.OVERDUE: "tag-red"}


class PaymentPlan(models.Model):
    """One instalment of an order's payment plan (回款计划)."""

    order = models.ForeignKey("sales.SalesOrder", on_delete=models.CASCADE, related_name="payment_plans")
    due_on = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["order", "due_on", "id"], name="pay_plan_order_idx"),
            models.Index(fields=["due_on"], name="pay_plan_due_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="pay_plan_amount_positive")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.due_on} {self.amount}"
