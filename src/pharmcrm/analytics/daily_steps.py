"""The daily job's scoring step: score every customer over the 12 months ending the day before
``day`` (the last complete Shanghai day). Idempotent: if the daily job already scored that
period (a run with no ``triggered_by`` for the same period end), it does nothing."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext, gettext_lazy

from pharmcrm.analytics.models import ScoreRun
from pharmcrm.analytics.services import score_customers
from pharmcrm.core.daily import daily_step


def daily_score(*, day: datetime.date) -> ScoreRun | None:
    """The run made for ``day`` (None if the daily job had already made it)."""
    end = day - datetime.timedelta(days=1)
    if ScoreRun.objects.filter(triggered_by__isnull=True, period_end=end).exists():
        return None
    return score_customers(actor=None, period_end=end)


@daily_step("scoring", order=60, label=gettext_lazy("Customer value: scores and A/B/C/D classes of every customer"))
def scoring_step(day: datetime.date) -> str:
    run = daily_score(day=day)
    if run is None:
        return gettext("already scored")
    return gettext("%(n)d customer(s) scored in %(ms)d ms") % {"n": run.customers_scored, "ms": run.duration_ms}
