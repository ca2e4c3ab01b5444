"""Sales opportunities (销售机会, issue 6 item 1).

An ``Opportunity`` is a deal being worked on with a customer: products and expected amounts
(``OpportunityLine``; the header's ``expected_amount`` is their total, or entered by hand when
there are no lines), a ``Stage`` from a configurable table (name, default probability, order,
kind open / won / lost, active; seeded by migration 0002 with 初步接洽 10 % → 需求确认 30 % →
方案报价 50 % → 商务谈判 70 % → 赢单 100 % / 输单 0 %), an expected close date, an owner and
the next step. Moving it to a lost stage needs a loss reason (and may name a competitor); a
won one can become a sales-order draft (``order`` is that draft).

It has no visibility of its own: visible exactly when its customer is, written by those who may
write the customer (``opportunities.selectors`` / ``services``). Each stage move leaves a
``StageChange`` (who, when, from → to).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.models import TimeStamped


class StageKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("stage kind", "Open")
    WON = "won", pgettext_lazy("stage kind", "Won")
    LOST = "lost", pgettext_lazy("stage kind", "Lost")


class Stage(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=[MaxValueValidator(100)])
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=StageKind.choices, default=StageKind.OPEN)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("opportunity stage")
        verbose_name_plural = _("opportunity stages")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="opp_stage_probability_100"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tag(self) -> str:
        return {StageKind.WON: "tag-green", StageKind.LOST: "tag-red"}.get(self.kind, "tag-blue")


class Opportunity(TimeStamped):
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="opportunities")
    name = models.CharField(pgettext_lazy("opportunity", "name"), max_length=200)
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities")
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=[MaxValueValidator(100)])
    expected_amount = models.DecimalField(_("expected amount"), max_digits=14, decimal_places=2, default=0)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="opportunities")
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    loss_reason = models.TextField(_("loss reason"), max_length=2000, blank=True)
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    order = models.ForeignKey("sales.SalesOrder", verbose_name=_("order draft"), on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["customer", "-updated_at"], name="opp_customer_idx"),
            models.Index(fields=["owner", "expected_close_date"], name="opp_owner_close_idx"),
            models.Index(fields=["stage", "-updated_at"], name="opp_stage_idx"),
            models.Index(fields=["expected_close_date", "probability"], name="opp_close_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="opp_probability_100"),
            models.CheckConstraint(condition=models.Q(expected_amount__gte=0), name="opp_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage.kind == StageKind.OPEN

    @property
    def weighted_amount(self):
        return (self.expected_amount * self.probability / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class OpportunityLine(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    amount = models.DecimalField(_("expected amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("opportunity line")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="opp_line_qty_positive"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="opp_line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class StageChange(models.Model):
    """One move of an opportunity between stages (``from_stage`` is empty for the creation)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    note = models.CharField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("stage change")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["opportunity", "at", "id"], name="opp_stage_change_idx")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} -> {self.to_stage_id}"
