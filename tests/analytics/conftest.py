"""A hand-computed scoring fixture (the expected numbers are worked out in test_scoring.py).

Period: 12 months ending 2026-06-30, i.e. [2025-07-01 00:00, 2026-07-01 00:00) Asia/Shanghai.
Orders are written straight to the tables (the scoring reads only stored orders, lines and
returns; the order services are tested in tests/sales)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from pharmcrm.customers.profile_models import ShippingAddress
from pharmcrm.inventory.models import Batch
from pharmcrm.sales.models import OrderLineAllocation, ReturnLine, ReturnOrder, SalesOrder, SalesOrderLine
from tests.factories import make_customer
from tests.inventory.helpers import make_product, make_warehouse

SH = ZoneInfo("Asia/Shanghai")
PERIOD_END = datetime.date(2026, 6, 30)
_n = itertools.count(1)


def at(y, m, d, hh=10, mm=0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=SH)


def order(customer, *, approved_at, lines, status="approved", returned="0"):
    """An order with ``lines`` = [(quantity, amount, floor_price or None)]."""
    addr = customer.shipping_addresses.first() or ShippingAddress.objects.create(
        customer=customer, receiver="收货人", phone="13800000000", region_code="310115", address="张江路1号",
        is_default=True)
    total = sum(Decimal(a) for _q, a, _f in lines)
    o = SalesOrder.objects.create(
        number=f"XS-T-{next(_n):06d}", customer=customer, shipping_address=addr, terminal_type="public_hospital",
        status=status, created_by=customer.owner, approved_at=approved_at, amount_total=total,
        returned_total=Decimal(returned))
    o.test_lines = [SalesOrderLine.objects.create(
        order=o, position=i, product=_product(), quantity=Decimal(q), unit_price=Decimal(a) / Decimal(q),
        amount=Decimal(a), tax_rate=Decimal("13"), floor_price=None if f is None else Decimal(f))
        for i, (q, a, f) in enumerate(lines)]
    return o


_cache: dict = {}


def _product():
    if "p" not in _cache or not type(_cache["p"]).objects.filter(pk=_cache["p"].pk).exists():
        _cache["p"] = make_product("评分测试药")
        _cache["wh"] = make_warehouse()
    return _cache["p"]


def give_back(o, line, *, quantity, amount, status="approved"):
    """A return of ``quantity`` units of ``line`` worth ``amount``."""
    batch = Batch.objects.create(product=line.product, warehouse=_cache["wh"], batch_no=f"B{next(_n)}",
                                 expiry_date=timezone.localdate() + datetime.timedelta(days=400))
    alloc = OrderLineAllocation.objects.create(line=line, batch=batch, batch_no=batch.batch_no,
                                               expiry_date=batch.expiry_date, quantity=line.quantity)
    r = ReturnOrder.objects.create(number=f"TH-T-{next(_n):06d}", order=o, status=status, reason="破损",
                                   amount_total=Decimal(amount), requested_by=o.created_by)
    ReturnLine.objects.create(ret=r, line=line, allocation=alloc, quantity=Decimal(quantity), amount=Decimal(amount))
    return r


@pytest.fixture
def shop(org):
    s = SimpleNamespace()
    s.c1 = make_customer(org.rep_pd1, "甲医院")
    s.c2 = make_customer(org.rep_pd1, "乙医院")
    s.c3 = make_customer(org.rep_pd2, "丙药房")
    s.c4 = make_customer(org.rep_px, "丁诊所")
    s.c5 = make_customer(org.rep_gz, "戊医院")
    s.c6 = make_customer(org.rep_gz, "己医院")
    s.gone = make_customer(org.rep_gz, "已删除医院", deleted_at=timezone.now())
    # c1: approved at 00:30 Shanghai on the period's first day (16:30 UTC the day before): counts
    order(s.c1, approved_at=at(2025, 7, 1, 0, 30), lines=[("10", "1000", "60")])
    o = order(s.c1, approved_at=at(2026, 3, 5), status="received", lines=[("5", "500", "80")], returned="100")
    give_back(o, o.test_lines[0], quantity="1", amount="100", status="received")
    # a return still awaiting review changes nothing
    give_back(o, o.test_lines[0], quantity="1", amount="100", status="requested")
    # c2: no floor price (cost 0); an order approved at 23:59 the day before the period: excluded
    order(s.c2, approved_at=at(2026, 6, 30, 23, 59), lines=[("10", "2000", None)])
    order(s.c2, approved_at=at(2025, 6, 30, 23, 59), lines=[("10", "9999", "1")])
    # c3: three small orders; a cancelled one (approved, then cancelled) and a submitted one: excluded
    for month in (8, 9, 10):
        order(s.c3, approved_at=at(2025, month, 15), status="closed", lines=[("1", "100", "90")])
    order(s.c3, approved_at=at(2025, 11, 1), status="cancelled", lines=[("50", "5000", "10")])
    order(s.c3, approved_at=None, status="submitted", lines=[("50", "5000", "10")])
    # c4: sold below floor: a loss
    order(s.c4, approved_at=at(2026, 1, 10), status="shipped", lines=[("3", "300", "120")])
    # c5: nothing; c6: only a draft
    order(s.c6, approved_at=None, status="draft", lines=[("1", "800", "1")])
    # the deleted customer's order is ignored with it
    order(s.gone, approved_at=at(2026, 1, 1), lines=[("1", "99999", "1")])
    return s
