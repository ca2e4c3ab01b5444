"""The public pool (公海, DOMAIN.md "Ownership, visibility, sharing"): its rules and its history.

Imported at the bottom of ``customers.models``. A pool customer is a ``Customer`` with no
owner and a ``pool_department`` (the department whose pool it is in); the fields live on
``Customer`` itself. Written only by ``customers.pool_services``, read through
``customers.pool_selectors`` (and so through ``org.visibility``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PoolPolicy(models.Model):
    """The pool's rules: one row (pk=1), edited by administrators in 设置 → 公海规则.

    Read through ``customers.pool.policy_get()`` (cached). A number of days of 0 switches that
    rule off (e.g. ``deal_days = 0``: never recycle for lack of deals).
    """

    SINGLETON_PK = 1

    auto_recycle = models.BooleanField(
        _("recycle automatically"), default=True,
        help_text=_("The daily job returns neglected customers to the pool and warns their owners beforehand."),
    )
    followup_days = models.PositiveSmallIntegerField(
        _("days without a follow-up"), default=30, validators=[MaxValueValidator(3650)],
        help_text=_("A customer with no follow-up for this many days returns to the pool (0: never)."),
    )
    deal_days = models.PositiveSmallIntegerField(
        _("days without a deal"), default=90, validators=[MaxValueValidator(3650)],
        help_text=_("A customer with no deal for this many days returns to the pool (0: never)."),
    )
    warning_days = models.PositiveSmallIntegerField(
        _("warning days"), default=3, validators=[MaxValueValidator(365)],
        help_text=_("The owner is warned this many days before the customer returns to the pool."),
    )
    claims_per_day = models.PositiveSmallIntegerField(
        _("claims per day"), default=5, validators=[MaxValueValidator(10000)],
        help_text=_("How many customers one person may claim from the pool per day."),
    )
    max_owned = models.PositiveIntegerField(
        _("maximum customers owned"), default=500, validators=[MaxValueValidator(1_000_000)],
        help_text=_("Nobody may claim (or be assigned) a customer from the pool beyond this many customers."),
    )
    reclaim_days = models.PositiveSmallIntegerField(
        _("no reclaim for (days)"), default=30, validators=[MaxValueValidator(3650)],
        help_text=_("The previous owner may not claim a customer back for this many days after it left them."),
    )
    pool_level = models.PositiveSmallIntegerField(
        _("pool level"), default=0, validators=[MaxValueValidator(20)],
        help_text=_(
            "Whose pool a released customer goes to: 0 = the pool of the owner's own department; "
            "1 = of the top-level department above the owner, 2 = of the department on the second level, …"
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pool rules")
        verbose_name_plural = _("pool rules")

    def __str__(self) -> str:
        return str(_("pool rules"))


class PoolEvent(models.Model):
    """One thing that happened to a customer in relation to the pool (its pool history)."""

    class Kind(models.TextChoices):
        RELEASE = "release", _("Released to the pool")
        AUTO_RECYCLE = "auto_recycle", _("Returned to the pool automatically")
        CLAIM = "claim", _("Claimed from the pool")
        ASSIGN = "assign", _("Assigned from the pool")
        WARNING = "warning", _("Warned: returns to the pool soon")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="pool_events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("previous owner"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("new owner"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )  # None: the daily job
    department = models.ForeignKey(
        "org.Department", verbose_name=_("pool"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    due_on = models.DateField(_("returns to the pool on"), null=True, blank=True)  # warnings
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at"], name="poolevent_customer_idx"),
            models.Index(fields=["to_user", "kind", "at"], name="poolevent_to_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.customer_id}"
