"""Win rate and won amount against a hand-computed fixture, by owner, product, province, type
and period; only what the actor sees."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest

from pharmcrm.tenders.models import Tender, TenderLine
from pharmcrm.tenders.stats import tender_stats, totals

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def _t(owner, status, province, type_, result, lines=(), won_amount=None):
    t = Tender.objects.create(number=f"S{next(_n)}", name="项目", province=province, type=type_, owner=owner,
                              created_by=owner, status=status, result_on=result, won_amount=won_amount)
    for product, qty, price, won in lines:
        TenderLine.objects.create(tender=t, product=product, quantity=qty and Decimal(qty),
                                  winning_price=price and Decimal(price), won=won)
    return t


@pytest.fixture
def fixture(org, tb):
    w, r = tb.weilin, org.rep_pd1
    nov, dec = datetime.date(2026, 11, 10), datetime.date(2026, 12, 5)
    # A weilin, won, SH, vbp, Nov: p1 1000 × 5.5 = 5500 (won), p2 200 × 3 lost line -> 5500
    _t(w, "won", "310000", "vbp", nov, [(tb.p1, "1000", "5.5", True), (tb.p2, "200", "3", False)])
    # B weilin, executing, GD, provincial, Dec: no quantities -> won_amount 8000
    _t(w, "executing", "440000", "provincial", dec, [(tb.p1, None, "6", True)], won_amount=Decimal("8000"))
    # C weilin, lost, SH, vbp, Dec
    _t(w, "lost", "310000", "vbp", dec, [(tb.p1, "500", None, False)])
    # D rep_pd1, expired, SH, hospital, Dec: p2 100 × 2.25 = 225
    _t(r, "expired", "310000", "hospital", dec, [(tb.p2, "100", "2.25", True)])
    # E rep_pd1, lost, SH, hospital, Nov
    _t(r, "lost", "310000", "hospital", nov)
    # F not decided: submitted, cancelled — not counted
    _t(w, "submitted", "310000", "vbp", None)
    _t(w, "cancelled", "310000", "vbp", None)
    return nov, dec


def _by(rows):
    return {r["key"]: (r["won"], r["lost"], r["win_rate"], r["won_amount"]) for r in rows}


def test_by_owner(org, tb, fixture):
    rows = tender_stats(actor=tb.weilin, by="owner")
    assert _by(rows) == {tb.weilin.pk: (2, 1, Decimal("66.7"), Decimal("13500.00")),
                         org.rep_pd1.pk: (1, 1, Decimal("50.0"), Decimal("225.00"))}
    assert totals(rows) == {"won": 3, "lost": 2, "total": 5, "win_rate": Decimal("60.0"),
                            "won_amount": Decimal("13725.00")}


def test_by_province_type_and_period(org, tb, fixture):
    assert _by(tender_stats(actor=tb.weilin, by="province")) == {
        "310000": (2, 2, Decimal("50.0"), Decimal("5725.00")), "440000": (1, 0, Decimal("100.0"), Decimal("8000.00"))}
    assert _by(tender_stats(actor=tb.weilin, by="type")) == {
        "vbp": (1, 1, Decimal("50.0"), Decimal("5500.00")), "provincial": (1, 0, Decimal("100.0"), Decimal("8000.00")),
        "hospital": (1, 1, Decimal("50.0"), Decimal("225.00"))}
    assert _by(tender_stats(actor=tb.weilin, by="month")) == {
        "2026-11-01": (1, 1, Decimal("50.0"), Decimal("5500.00")),
        "2026-12-01": (2, 1, Decimal("66.7"), Decimal("8225.00"))}
    nov, dec = fixture
    assert _by(tender_stats(actor=tb.weilin, by="owner", date_from=dec)) == {
        tb.weilin.pk: (1, 1, Decimal("50.0"), Decimal("8000.00")), org.rep_pd1.pk: (1, 0, Decimal("100.0"),
                                                                                 Decimal("225.00"))}


def test_by_product(org, tb, fixture):
    # p1: A won line (5500), B won line without quantity (0), C lost -> 2 won, 1 lost
    # p2: A line marked lost, D won (225) -> 1 won, 1 lost
    assert _by(tender_stats(actor=tb.weilin, by="product")) == {
        tb.p1.pk: (2, 1, Decimal("66.7"), Decimal("5500.00")), tb.p2.pk: (1, 1, Decimal("50.0"), Decimal("225.00"))}


def test_only_what_the_actor_sees(org, tb, fixture):
    assert _by(tender_stats(actor=org.rep_pd1, by="owner")) == {
        org.rep_pd1.pk: (1, 1, Decimal("50.0"), Decimal("225.00"))}
    assert tender_stats(actor=org.rep_gz, by="owner") == []
