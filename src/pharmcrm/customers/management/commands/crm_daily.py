"""``manage.py crm_daily [--date YYYY-MM-DD] [--only STEP ...] [--list]``: the daily job.

Runs every step registered with ``pharmcrm.core.daily.daily_step`` (public pool recycling and
warnings; reminders and value scores as those areas land), each in its own transaction, for
today (Asia/Shanghai) or the given day, and prints one line per step. Idempotent: run it again
for the same day and nothing changes twice. Exit status 1 if any step failed. Run it once a
day from cron or a systemd timer (docs/deploy.md).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from pharmcrm.core.daily import StepOutcome, daily_steps, run_daily


class Command(BaseCommand):
    help = "Run the daily job: public pool recycling and warnings, and every other registered daily step."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for, YYYY-MM-DD (default: today in the company's time "
                                           "zone).")
        parser.add_argument("--only", nargs="+", metavar="STEP", help="Run only these steps (see --list).")
        parser.add_argument("--list", action="store_true", dest="list_steps", help="List the steps and exit.")

    def handle(self, *args, date: str | None, only: list[str] | None, list_steps: bool, **options):
        with translation.override(settings.LANGUAGE_CODE):
            steps = daily_steps()
            if list_steps:
                for step in steps:
                    self.stdout.write(f"{step.key}\t{step.label}")
                return
            known = {s.key for s in steps}
            unknown = sorted(set(only or ()) - known)
            if unknown:
                raise CommandError(f"Unknown step(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}.")
            day = self._day(date)
            self.stdout.write(f"crm_daily {day.isoformat()}")
            outcomes = run_daily(day, only=only, on_done=self._report)
            failed = [o for o in outcomes if not o.ok]
            if failed:
                raise CommandError(f"{len(failed)} step(s) failed: {', '.join(o.step.key for o in failed)}")
            self.stdout.write(self.style.SUCCESS(f"done: {len(outcomes)} step(s)"))

    def _day(self, value: str | None) -> datetime.date:
        if not value:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}.") from None

    def _report(self, outcome: StepOutcome) -> None:
        line = f"  {outcome.step.key}: {outcome.summary} ({outcome.seconds:.1f} s)"
        self.stdout.write(self.style.SUCCESS(line) if outcome.ok else self.style.ERROR(line + " [FAILED]"))
