"""``manage.py crm_bench``: the performance benchmark (``make bench``). See docs/benchmark.md."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pharmcrm.demo import bench_data, bench_run
from pharmcrm.org import visibility
from pharmcrm.org.models import User


class Command(BaseCommand):
    help = (
        "Build (or reuse) a synthetic company on the configured database and measure p50/p95 of the customer "
        "pages and API through the full Django stack next to the raw SQL floor. Refuses to run on a database "
        "that holds anything but benchmark data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=100_000, help="default %(default)s")
        parser.add_argument("--users", type=int, default=1_000, help="default %(default)s")
        parser.add_argument("--repeat", type=int, default=50, help="timed requests per scenario (default 50)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--rebuild", action="store_true", help="rebuild even if a build of this scale exists"
        )
        parser.add_argument(
            "--build-only", action="store_true", help="build (or reuse) the company, measure nothing"
        )
        parser.add_argument("--only", default="", help="comma-separated scenario names to run (default: all)")
        parser.add_argument("--sql", action="store_true", help="also write each scenario's SQL into the JSON")
        parser.add_argument(
            "--json",
            default=str(Path(settings.BASE_DIR) / "var" / "bench" / "latest.json"),
            help="where to write the results (default %(default)s)",
        )

    def handle(self, *args, **o):
        app_db = Path(settings.BASE_DIR) / "var" / "pharmcrm.sqlite3"
        if (
            connection.vendor == "sqlite"
            and Path(str(connection.settings_dict["NAME"])).resolve() == app_db.resolve()
        ):
            raise CommandError(
                "Refusing to run on the app's own database (var/pharmcrm.sqlite3): the benchmark wipes it. Use "
                "PHARMCRM_VAR_DIR=var/bench make bench (SQLite) or DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
                "pharmcrm_bench make bench."
            )
        why = bench_data.foreign_data()
        if why:
            raise CommandError(
                f"Refusing to run: the configured database ({connection.settings_dict.get('NAME')}) holds data "
                f"that is not from the benchmark: {why}. crm_bench wipes and rebuilds the company tables; point "
                "it at a database of its own, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/pharmcrm_bench "
                "make bench, or PHARMCRM_VAR_DIR=var/bench make bench for SQLite."
            )
        self.stdout.write(f"Database: {bench_run.database_label()}")
        call_command("migrate", interactive=False, verbosity=0)
        company = bench_data.read_meta()
        wanted = (o["customers"], o["users"], o["seed"], bench_data.BUILD_VERSION)
        have = company and (company.customers, company.users_requested, company.seed, company.version)
        if (
            o["rebuild"]
            or have != wanted
            or not User.objects.filter(username=company.personas["rep"]).exists()
        ):
            company = bench_data.bench_build(
                customers=o["customers"], users=o["users"], seed=o["seed"], log=self.stdout.write
            )
            self.stdout.write(f"Built in {company.seconds:.0f} s.")
        else:
            self.stdout.write(
                f"Reusing the existing build ({company.customers:,} customers, {company.users:,} "
                "users; --rebuild to start over)."
            )
        self.stdout.write("ANALYZE ...")
        bench_data.analyze()
        summary = bench_data.customers_per_owner_summary()
        self.stdout.write(f"Customers per owner: {summary}")
        personas = {}
        for persona, username in company.personas.items():
            user = User.objects.get(username=username)
            n = visibility.visible_customers(user).count()
            personas[persona] = {"username": username, "visible": n, "heads": user.headed_department_ids}
            self.stdout.write(f"  {persona:<14} {username}  sees {n:,} customers")
        if o["build_only"]:
            return
        only = {s.strip() for s in o["only"].split(",") if s.strip()} or None
        self.stdout.write(f"Measuring ({o['repeat']} requests per scenario) ...")
        results = bench_run.measure(
            company.personas, repeat=o["repeat"], only=only, log=self.stdout.write, keep_sql=o["sql"]
        )
        self.stdout.write("")
        self.stdout.write(bench_run.format_table(results))
        report = {
            "date": datetime.datetime.now(datetime.UTC).astimezone().isoformat(timespec="seconds"),
            "database": bench_run.database_label(),
            "vendor": connection.vendor,
            "machine": bench_run.machine_label(),
            "customers": company.customers,
            "users": company.users,
            "repeat": o["repeat"],
            "large_volume_threshold": visibility.LARGE_VOLUME,
            "customers_per_owner": summary,
            "personas": personas,
            "scenarios": [r.as_json() for r in results],
        }
        path = Path(o["json"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        self.stdout.write(f"\nWrote {path}")
