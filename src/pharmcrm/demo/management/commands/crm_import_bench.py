"""Time the customer import at scale: ``manage.py crm_import_bench --rows 100000``.

Writes a workbook of N distinct customers (names, credit codes, phones, region codes), then times
``customer_import_preview`` and ``customer_import_commit`` as a given user (default: the first
administrator) on the configured database, the way the web flow runs them: the preview stores its
prepared rows next to the file and the commit reuses them (``--no-cache``: the commit prepares
again, as the API's one-step commit does). The commit is rolled back unless ``--keep`` is given,
so it can run on any database; nothing else is changed. See docs/benchmark.md.
"""

from __future__ import annotations

import io
import random
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from openpyxl import Workbook

from pharmcrm.core.regions import region_children
from pharmcrm.core.validators import credit_code_check_char
from pharmcrm.customers import importing
from pharmcrm.customers.models import Customer
from pharmcrm.org.models import User

CITIES = ["上海", "杭州", "南京", "苏州", "宁波", "合肥", "福州", "济南", "青岛", "武汉", "长沙", "成都", "重庆", "西安"]
WORDS = ["康泰", "仁和", "华康", "同济", "瑞康", "恒安", "济民", "正大", "天和", "博爱", "益民", "百草", "众康", "安泰"]
KINDS = [("医药有限公司", "代理商"), ("医药商业有限公司", "配送商"), ("大药房", "单体药店"), ("人民医院", "医院")]


class _Rollback(Exception):
    pass


def workbook(rows: int, seed: int = 1, offset: int = 0) -> bytes:
    """N customers numbered from ``offset`` (names, credit codes and phones differ between ranges)."""
    rnd = random.Random(seed)
    counties = [c.code for p in region_children(None) for city in region_children(p.code)
                for c in region_children(city.code)] or ["310101"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["客户名称", "客户类型", "统一社会信用代码", "地区", "地址", "电话"])
    for i in range(offset, offset + rows):
        suffix, kind = KINDS[i % len(KINDS)]
        name = f"{rnd.choice(CITIES)}{rnd.choice(WORDS)}{i:06d}{suffix}"
        body = f"91{rnd.randint(110000, 659000)}{i:09d}"[:17]
        code = body + credit_code_check_char(body)
        ws.append([name, kind, code, rnd.choice(counties), f"幸福路{i % 999 + 1}号", f"138{i:08d}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Command(BaseCommand):
    help = "Time the customer Excel import (preview and all-or-nothing commit) with N rows."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--user", default=None, help="username (default: the first administrator)")
        parser.add_argument("--keep", action="store_true", help="keep the imported customers (default: roll back)")
        parser.add_argument("--no-cache", action="store_true", help="the commit prepares the rows again")
        parser.add_argument("--offset", type=int, default=0,
                            help="number the customers from N (a second --keep run with --offset 100000 imports "
                                 "100,000 new customers into a table that holds 100,000)")

    def handle(self, *args, rows: int, user: str | None, keep: bool, no_cache: bool, offset: int, **options):
        with tempfile.TemporaryDirectory() as tmp:
            self._run(rows, user, keep, None if no_cache else Path(tmp) / "prepared", offset)

    def _run(self, rows: int, user: str | None, keep: bool, cache: Path | None, offset: int):
        actor = (User.objects.filter(username=user).first() if user
                 else User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
                 or User.objects.filter(is_active=True, roles__role="admin").order_by("pk").first())
        if actor is None:
            raise CommandError("no such user; pass --user USERNAME")
        t0 = time.perf_counter()
        data = workbook(rows, offset=offset)
        existing = Customer.objects.count()
        t1 = time.perf_counter()
        self.stdout.write(f"workbook: {rows:,} rows, {len(data) / 1e6:.1f} MB, written in {t1 - t0:.1f} s; "
                          f"customers in the database: {existing:,}")
        t1 = time.perf_counter()
        preview = importing.customer_import_preview(actor=actor, data=data, cache=cache)
        took_preview = time.perf_counter() - t1
        kept = f", prepared rows kept: {cache.stat().st_size / 1e6:.0f} MB" if cache else ""
        self.stdout.write(f"preview: {took_preview:.1f} s  {preview.counts}{kept}")
        try:
            with transaction.atomic():
                t2 = time.perf_counter()
                importing.customer_import_commit(actor=actor, data=data, cache=cache)
                took_commit = time.perf_counter() - t2
                what = "re-check + write" if cache else "parse + check + write"
                self.stdout.write(f"commit ({what}, one transaction): {took_commit:.1f} s")
                self.stdout.write(f"preview + commit: {took_preview + took_commit:.1f} s")
                if not keep:
                    raise _Rollback
        except _Rollback:
            self.stdout.write("rolled back (use --keep to keep the customers)")
