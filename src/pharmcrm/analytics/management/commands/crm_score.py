"""``manage.py crm_score [--months N] [--end YYYY-MM-DD]``: score every customer now (the same
computation as the daily job's ``scoring`` step, with the default weights and cut-offs) and
print the run's summary: the period, how many customers, how long, and the count per class."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from pharmcrm.analytics.models import CLASSES
from pharmcrm.analytics.services import score_customers
from pharmcrm.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Compute the customer value scores and classes now (docs/analytics.md)."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=12, help="Length of the period in months (default 12).")
        parser.add_argument("--end", help="Last day of the period, YYYY-MM-DD (default: today, Asia/Shanghai).")

    def handle(self, *args, months: int, end: str | None, **options):
        period_end = None
        if end:
            try:
                period_end = datetime.date.fromisoformat(end)
            except ValueError as exc:
                raise CommandError(f"--end: not a date (YYYY-MM-DD): {end}") from exc
        try:
            run = score_customers(actor=None, period_end=period_end, months=months)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        counts = dict.fromkeys(CLASSES, 0)
        counts.update(run.scores.values_list("klass").annotate(n=Count("id")).order_by())
        self.stdout.write(f"run {run.pk}: {run.period_start} .. {run.period_end}, "
                          f"{run.customers_scored} customers in {run.duration_ms} ms")
        self.stdout.write("  " + "  ".join(f"{k}: {counts[k]}" for k in CLASSES))
