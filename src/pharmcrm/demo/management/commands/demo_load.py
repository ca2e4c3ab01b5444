"""``manage.py demo_load [--if-empty] [--seed N]``: load the demo company."""

from django.core.management.base import BaseCommand, CommandError

from pharmcrm.demo.generator import DEFAULT_SEED, demo_load, demo_settle_notifications
from pharmcrm.org.models import User


class Command(BaseCommand):
    help = (
        "Load the demo company (departments, users, share groups, customers, shares) into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has users.",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Random seed; the same seed gives the same company (default %(default)s).",
        )

    def handle(self, *args, if_empty: bool, seed: int, **options):
        if User.objects.exists():
            if if_empty:
                self.stdout.write("The database already has users: the demo company was not loaded.")
                return
            raise CommandError(
                "The database is not empty (it has users). The demo company loads only into an "
                "empty database; use a fresh database or --if-empty."
            )
        self.stdout.write("Loading the demo company...")
        counts = demo_load(seed)
        counts["unread_notifications"] = demo_settle_notifications()  # written after the load's commit
        # this morning's reminders of the daily job (follow-ups due, birthdays), fresh in the bell
        from django.utils import timezone

        from pharmcrm.notifications.daily_steps import followups_due_reminders, occasion_reminders

        today = timezone.localdate()
        counts["reminders"] = followups_due_reminders(today) + occasion_reminders(today)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo company loaded: "
                + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items())
            )
        )
