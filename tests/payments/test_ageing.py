"""Receivables ageing (应收账龄): buckets by days since approval in Asia/Shanghai local dates,
checked against a hand-computed fixture with the boundaries 30/31, 60/61, 90/91 — including
approvals just after local midnight (the UTC date is the day before) and just before it; sums
per customer, owner and department (a head's subtree totals); what each user may see; and the
drill-down."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from pharmcrm.payments import selectors, services
from tests.payments.conftest import order_for

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
D = Decimal


def _at(today, days, hh, mm):
    day = today - datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hh, mm, tzinfo=SH)


@pytest.fixture
def aged(org, pay):
    today = timezone.localdate()
    # (customer, days ago, local time, amount) -> expected bucket
    plan = [
        (pay.c1, 0, (9, 0), "1", "b0"),
        (pay.c1, 30, (0, 5), "2", "b0"),      # 00:05 Beijing = 16:05 UTC the day before: still 30 days
        (pay.c1, 31, (23, 55), "4", "b31"),
        (pay.c1, 60, (0, 1), "8", "b31"),
        (pay.c2, 61, (23, 59), "16", "b61"),
        (pay.c2, 90, (0, 0), "32", "b61"),
        (pay.c2, 91, (12, 0), "64", "b91"),
        (pay.gz, 400, (8, 0), "128", "b91"),
    ]
    orders = []
    for customer, days, (hh, mm), amount, bucket in plan:
        o = order_for(customer.owner, customer, amount, approved_at=_at(today, days, hh, mm))
        o._expected = bucket
        orders.append(o)
    order_for(org.rep_pd1, pay.c1, "1000", status="submitted")  # not a receivable
    order_for(org.rep_pd1, pay.c1, "2000", status="cancelled")
    return today, orders


def test_bucket_of_each_order_in_python_and_sql(org, pay, aged):
    today, orders = aged
    for o in orders:
        assert selectors.bucket_of(o.approved_at, today) == o._expected, (o.approved_at, o._expected)
    rows, totals = selectors.ageing(actor=org.finance, group="customer", today=today)
    got = {r.key: (r.b0, r.b31, r.b61, r.b91, r.total) for r in rows}
    assert got == {
        pay.c1.pk: (D("3"), D("12"), D("0"), D("0"), D("15")),
        pay.c2.pk: (D("0"), D("0"), D("48"), D("64"), D("112")),
        pay.gz.pk: (D("0"), D("0"), D("0"), D("128"), D("128")),
    }
    assert (totals.b0, totals.b31, totals.b61, totals.b91, totals.total) == (D("3"), D("12"), D("48"), D("192"),
                                                                              D("255"))
    assert [r.key for r in rows] == [pay.gz.pk, pay.c2.pk, pay.c1.pk]  # largest first


def test_payments_reduce_the_ageing(org, pay, aged):
    today, _orders = aged
    services.payment_record(actor=org.finance, data={"customer_id": pay.c1.pk, "amount": "9"})  # oldest first
    rows, _t = selectors.ageing(actor=org.finance, group="customer", today=today)
    c1 = next(r for r in rows if r.key == pay.c1.pk)
    # oldest first: 8 (60 days) and 1 of the 4 (31 days)
    assert (c1.b0, c1.b31, c1.total) == (D("3"), D("3"), D("6"))


def test_by_owner_and_department_and_who_sees_what(org, pay, aged):
    today, _orders = aged
    rows, _t = selectors.ageing(actor=org.finance, group="owner", today=today)
    assert {r.key: r.total for r in rows} == {org.rep_pd1.pk: D("15"), org.rep_pd2.pk: D("112"),
                                              org.rep_gz.pk: D("128")}
    rows, _t = selectors.ageing(actor=org.finance, group="department", today=today)
    by = {r.label: r.total for r in rows}
    assert by["总部"] == D("255") and by["华东大区"] == D("127") and by["浦东组"] == D("127")
    assert by["华南大区"] == D("128") and "浦西组" not in by  # nothing outstanding there
    rows, t = selectors.ageing(actor=org.rep_pd1, group="customer", today=today)
    assert [r.key for r in rows] == [pay.c1.pk] and t.total == D("15")
    rows, _t = selectors.ageing(actor=org.pd_head, group="department", today=today)
    assert [(r.label, r.total, r.depth) for r in rows] == [("浦东组", D("127"), 0)]
    rows, _t = selectors.ageing(actor=org.east_head, group="department", today=today)
    assert [(r.label, r.depth) for r in rows][:3] == [("华东大区", 0), ("上海办事处", 1), ("浦东组", 2)]
    assert selectors.ageing(actor=org.rep_px, group="customer", today=today)[0] == []


def test_drill_down(org, pay, aged):
    today, _orders = aged
    got = selectors.ageing_orders(actor=org.finance, customer_id=pay.c2.pk, today=today)
    assert [(o.bucket, o.age_days) for o in got] == [("b91", 91), ("b61", 90), ("b61", 61)]
    assert selectors.ageing_orders(actor=org.rep_pd1, customer_id=pay.c2.pk, today=today) == []
    east = selectors.ageing_orders(actor=org.finance, department_id=org.east.pk, today=today)
    assert len(east) == 7
