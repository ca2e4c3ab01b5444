"""Send notifications by email and group robots (notifications/delivery.py): what is due now
(``--once``, e.g. from cron every minute) or continuously (a service next to the web server when
``NOTIFY_DELIVERY=worker``)."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from pharmcrm.notifications import delivery


class Command(BaseCommand):
    help = "Send the notifications due by email and WeCom/DingTalk group robots, with retries."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="send what is due now, then stop")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds (default 5)")

    def handle(self, *args, **options):
        while True:
            close_old_connections()  # a long-running worker: reconnect when the server dropped us
            counts = delivery.deliver_due()
            if options["once"] or options["verbosity"] > 1 or any(counts.values()):
                self.stdout.write(f"{counts['sent']} sent, {counts['retry']} to retry, {counts['failed']} failed")
            if options["once"]:
                return
            time.sleep(max(0.5, options["interval"]))
