"""``manage.py demo_logins``: print the demo logins as a table."""

import os
import unicodedata

from django.core.management.base import BaseCommand

from pharmcrm.demo.generator import DEMO_PASSWORD, LOGINS
from pharmcrm.org.models import User


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Print the demo logins (username, name, role, department) and the URL to open."

    def add_arguments(self, parser):
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        parser.add_argument(
            "--url", default=f"http://{host}:{port}", help="The URL to print (default %(default)s)."
        )

    def handle(self, *args, url: str, **options):
        users = {
            u.username: u
            for u in User.objects.filter(
                username__in=[name for name, _ in LOGINS], is_active=True
            ).select_related("department")
        }
        rows = [
            (u.username, u.full_name, role, u.department.name if u.department else "")
            for name, role in LOGINS
            if (u := users.get(name))
        ]
        if not rows:
            self.stdout.write(f"pharmcrm is at {url} (no demo users in this database).")
            return
        header = ("username", "name", "role", "department")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(4)]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"pharmcrm demo: open {url}"))
        self.stdout.write(f"Every demo user's password is: {DEMO_PASSWORD}")
        self.stdout.write("")
        self.stdout.write("  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip())
        self.stdout.write(line)
        for row in rows:
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
        self.stdout.write("")
