"""Agency agreements (代理协议): an agent's term, products with prices, territory, targets, deposit.

An agreement hangs off its agent customer: it has no owner of its own and is visible, writable
and manageable exactly when the agent customer is (``org.visibility``). Its audit events carry
the agent's ``customer_id`` so they show in the customer's history.

THE rule (``agency.overlap``): two ACTIVE EXCLUSIVE agreements never overlap on product ×
territory × dates. Territory is a set of region codes (a region covers every region whose code
starts with its prefix, ``core.regions.region_prefix``) and/or named hospitals (a region covers
a hospital whose customer region lies inside it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.models import TimeStamped


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("In force")
    EXPIRED = "expired", pgettext_lazy("agreement", "Expired")
    TERMINATED = "terminated", _("Terminated")


class DepositStatus(models.TextChoices):
    UNPAID = "unpaid", _("Not paid")
    PAID = "paid", _("Paid")
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")
    FORFEITED = "forfeited", _("Forfeited")


# Customer types that may be the agent of an agreement, and that may be named in a territory.
AGENT_TYPES = ("agent", "distributor")
TERMINAL_TYPES = ("hospital", "clinic", "chain", "pharmacy")


class AgencyAgreement(TimeStamped):
    number = models.CharField(_("agreement number"), max_length=40, unique=True)
    agent = models.ForeignKey(
        "customers.Customer", verbose_name=_("agent"), on_delete=models.PROTECT, related_name="agency_agreements"
    )
    status = models.CharField(
        pgettext_lazy("agreement", "status"), max_length=20, choices=AgreementStatus.choices,
        default=AgreementStatus.DRAFT,
    )
    exclusive = models.BooleanField(_("exclusive"), default=False)
    start_date = models.DateField(pgettext_lazy("agreement", "start date"))
    end_date = models.DateField(pgettext_lazy("agreement", "end date"))
    signed_date = models.DateField(_("signed on"), null=True, blank=True)
    # 任务量: amounts of the whole agreement (per line quantities are on the lines)
    monthly_target = models.DecimalField(_("monthly target (¥)"), max_digits=14, decimal_places=2, null=True,
                                         blank=True)
    yearly_target = models.DecimalField(_("yearly target (¥)"), max_digits=14, decimal_places=2, null=True,
                                        blank=True)
    # 保证金
    deposit_amount = models.DecimalField(_("deposit (¥)"), max_digits=14, decimal_places=2, default=0)
    deposit_status = models.CharField(
        _("deposit status"), max_length=20, choices=DepositStatus.choices, default=DepositStatus.UNPAID
    )
    deposit_paid_on = models.DateField(_("deposit paid on"), null=True, blank=True)
    deposit_refunded_amount = models.DecimalField(_("deposit refunded (¥)"), max_digits=14, decimal_places=2,
                                                  default=0)
    deposit_refunded_on = models.DateField(_("deposit refunded on"), null=True, blank=True)
    deposit_forfeited_on = models.DateField(_("deposit forfeited on"), null=True, blank=True)
    rebate_terms = models.TextField(_("rebate terms"), blank=True, max_length=2000)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    activated_at = models.DateTimeField(_("put in force at"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("put in force by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.CharField(_("termination reason"), max_length=300, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )

    # audit keys that are not fields (web.views.customers labels the history with these)
    AUDIT_LABELS = {"line": _("Product"), "region": _("Region"), "hospital": _("Hospital"),
                    "replaced": _("Replaced regions")}

    class Meta:
        verbose_name = _("agency agreement")
        verbose_name_plural = _("agency agreements")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="agreement_dates_ordered"),
            models.CheckConstraint(condition=Q(deposit_amount__gte=0), name="agreement_deposit_positive"),
            models.CheckConstraint(
                condition=Q(deposit_refunded_amount__gte=0, deposit_refunded_amount__lte=F("deposit_amount")),
                name="agreement_refund_within_deposit",
            ),
        ]
        indexes = [
            # the overlap check and the daily expiry walk active exclusive agreements by date
            models.Index(fields=["status", "exclusive", "end_date"], name="agreement_active_idx"),
            models.Index(fields=["agent", "-start_date", "-id"], name="agreement_agent_idx"),
            models.Index(fields=["-updated_at", "-id"], name="agreement_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_draft(self) -> bool:
        return self.status == AgreementStatus.DRAFT

    @property
    def is_active(self) -> bool:
        return self.status == AgreementStatus.ACTIVE

    @property
    def is_final(self) -> bool:
        return self.status in (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED)


class AgreementLine(models.Model):
    """A product of the agreement with its prices and (optional) quantity targets."""

    agreement = models.ForeignKey(AgencyAgreement, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="agency_lines")
    agency_price = models.DecimalField(_("agency price"), max_digits=14, decimal_places=4)
    supply_price = models.DecimalField(_("supply price"), max_digits=14, decimal_places=4, null=True, blank=True)
    monthly_quantity = models.PositiveIntegerField(_("monthly target (units)"), null=True, blank=True)
    yearly_quantity = models.PositiveIntegerField(_("yearly target (units)"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("agreement line")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "product"], name="agreement_line_unique_product"),
            models.CheckConstraint(condition=Q(agency_price__gte=0), name="agreement_line_price_positive"),
        ]
        indexes = [models.Index(fields=["product", "agreement"], name="agreement_line_product_idx")]

    def __str__(self) -> str:
        return str(self.product)


class AgreementRegion(models.Model):
    """A region of the territory. ``region_prefix`` (derived from the code) makes containment a
    prefix test: a region covers every code that starts with its prefix."""

    agreement = models.ForeignKey(AgencyAgreement, on_delete=models.CASCADE, related_name="regions")
    region_code = models.CharField(_("region"), max_length=12)
    region_prefix = models.CharField(max_length=12, editable=False, db_index=True)

    class Meta:
        verbose_name = _("agreement region")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "region_code"], name="agreement_region_unique"),
        ]

    def __str__(self) -> str:
        return self.region_code


class AgreementHospital(models.Model):
    """A named terminal (hospital, clinic, pharmacy) of the territory."""

    agreement = models.ForeignKey(AgencyAgreement, on_delete=models.CASCADE, related_name="hospitals")
    hospital = models.ForeignKey("customers.Customer", verbose_name=_("hospital"), on_delete=models.PROTECT,
                                 related_name="agency_territory_entries")

    class Meta:
        verbose_name = _("agreement hospital")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "hospital"], name="agreement_hospital_unique"),
        ]

    def __str__(self) -> str:
        return str(self.hospital)
