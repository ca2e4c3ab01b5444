"""manage.py regions_load [--file PATH] [--dry-run]: load (upsert) the administrative divisions."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pharmcrm.core.models import Region
from pharmcrm.core.regions import regions_cache_clear
from pharmcrm.core.regions_load import DATA_FILE, RegionFileError, regions_read, regions_sync


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Load China's administrative divisions from a regions file (default: the bundled "
        "core/data/regions.csv) into core.Region: adds new codes, renames, moves, and marks codes "
        "missing from the file inactive (never deletes). Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DATA_FILE), help="a CSV with code,name,level,parent_code")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            rows = regions_read(file)
        except (OSError, RegionFileError) as exc:
            raise CommandError(str(exc)) from None
        try:
            with transaction.atomic():
                report = regions_sync(Region, rows)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        else:
            regions_cache_clear()
        verbose = options.get("verbosity", 1) > 1
        for code in report.added if verbose else report.added[:20]:
            self.stdout.write(f"  + {code} {next(r.name for r in rows if r.code == code)}")
        for code, old, new in report.renamed:
            self.stdout.write(f"  ~ {code} {old} -> {new}")
        for code, old, new in report.moved:
            self.stdout.write(f"  > {code} parent {old} -> {new}")
        for code in report.deactivated:
            self.stdout.write(f"  - {code} (inactive)")
        for code in report.reactivated:
            self.stdout.write(f"  * {code} (active again)")
        if len(report.added) > 20 and not verbose:
            self.stdout.write(f"  ... and {len(report.added) - 20} more added (-v 2 lists them all)")
        prefix = "Dry run, nothing changed: " if dry_run else ""
        self.stdout.write(f"{prefix}{report.summary()} ({len(rows)} regions in {file}).")
        if report.changed and not dry_run:
            self.stdout.write("Restart the application servers so every process reads the new regions.")
