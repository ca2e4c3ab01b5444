"""Customer value scores (客户价值分级, issue 7 item 1; rules in docs/analytics.md).

A ``ScoreRun`` is one computation: its period (Asia/Shanghai dates, both inclusive), the weights
and class cut-offs it used, when and by whom (null: the daily job). It holds one
``CustomerScore`` per live customer. Runs are never deleted: the latest run is the current one,
the earlier ones are each customer's class history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MEASURES = ("transactions", "avg_size", "volume", "profit")
CLASSES = ("A", "B", "C", "D")
DEFAULT_WEIGHTS = {"transactions": "1", "avg_size": "1", "volume": "1", "profit": "1"}
# share of customers (per cent) in A, B and C, from the top of the score order; D is the rest
DEFAULT_CUTOFFS = {"A": "5", "B": "15", "C": "30"}
MONEY = {"max_digits": 14, "decimal_places": 2}
RANK = {"max_digits": 7, "decimal_places": 6}


class ScoreRun(models.Model):
    computed_at = models.DateTimeField(_("computed at"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    weights = models.JSONField(_("weights"))
    cutoffs = models.JSONField(_("class cut-offs"))
    customers_scored = models.PositiveIntegerField(_("customers scored"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("triggered by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["-computed_at", "-id"], name="score_run_recent_idx")]

    def __str__(self) -> str:
        return f"{self.period_start}..{self.period_end} @ {self.computed_at:%Y-%m-%d %H:%M}"


class CustomerScore(models.Model):
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="scores")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="value_scores")
    transactions = models.PositiveIntegerField(_("transactions"), default=0)
    avg_size = models.DecimalField(_("average transaction size"), default=0, **MONEY)
    volume = models.DecimalField(_("volume"), default=0, **MONEY)
    profit = models.DecimalField(_("profit"), default=0, **MONEY)
    rank_transactions = models.DecimalField(_("transactions rank"), default=0, **RANK)
    rank_avg_size = models.DecimalField(_("average size rank"), default=0, **RANK)
    rank_volume = models.DecimalField(_("volume rank"), default=0, **RANK)
    rank_profit = models.DecimalField(_("profit rank"), default=0, **RANK)
    score = models.DecimalField(_("score"), default=0, **RANK)
    klass = models.CharField(_("class"), max_length=1, choices=[(c, c) for c in CLASSES])

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        indexes = [
            models.Index(fields=["customer", "run"], name="score_customer_run_idx"),
            models.Index(fields=["run", "klass"], name="score_run_class_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["run", "customer"], name="score_one_per_run")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.customer_id} {self.klass}"
