"""撞单申诉: a rep blocked by the duplicate check claims the existing customer (customers/conflicts.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.models import TimeStamped


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Awaiting decision")
    KEPT = "kept", _("Kept by the owner")
    TRANSFERRED = "transferred", _("Transferred to the claimant")
    MERGED = "merged", _("Merged into the existing customer")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConflictDecision(models.TextChoices):
    KEEP = "keep", _("Keep with the owner")
    TRANSFER = "transfer", _("Transfer to the claimant")
    MERGE = "merge", _("Merge the claimant's record into it")


class CustomerConflict(TimeStamped):
    """A claim on an existing customer that the claimant cannot see.

    ``arbiter_department`` is fixed when the conflict is raised: the deepest department above
    (or equal to) both the claimant's and the owner's departments with an active head other than
    the two of them (``conflicts.arbiter_department_for``); empty means the administrators.
    """

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("existing customer"), on_delete=models.PROTECT,
        related_name="conflicts",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner when raised"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimant"), on_delete=models.PROTECT,
        related_name="customer_conflicts",
    )
    claimant_customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("claimant's own record"), on_delete=models.PROTECT,
        related_name="claimed_conflicts", null=True, blank=True,
    )
    data = models.JSONField(_("submitted data"), default=dict, blank=True)
    matched_on = models.JSONField(_("matched on"), default=list, blank=True)
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=ConflictStatus.choices,
                              default=ConflictStatus.OPEN)
    arbiter_department = models.ForeignKey(
        "org.Department", verbose_name=_("arbitrating department"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("duplicate conflict")
        verbose_name_plural = _("duplicate conflicts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "claimant"], condition=Q(status="open"),
                                    name="conflict_one_open_per_claimant"),
        ]
        indexes = [
            models.Index(fields=["status", "arbiter_department", "-created_at"], name="conflict_arbiter_idx"),
            models.Index(fields=["claimant", "-created_at"], name="conflict_claimant_idx"),
        ]

    def __str__(self) -> str:
        return f"撞单申诉 #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == ConflictStatus.OPEN
