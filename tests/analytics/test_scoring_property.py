"""Property: on random small books, the SQL computation equals a plain Python reading of the
rules of docs/analytics.md (measures and ranks exactly, the score to its last decimal, the
classes by the cut-off rule over the stored scores)."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pharmcrm.analytics.models import CustomerScore
from pharmcrm.analytics.services import score_customers
from pharmcrm.customers.models import Customer
from pharmcrm.sales.models import SalesOrder
from tests.analytics.conftest import PERIOD_END, at, order
from tests.factories import make_customer

CENT, MICRO = Decimal("0.01"), Decimal("0.000001")
orders_st = st.lists(st.tuples(st.integers(1, 5000), st.integers(1, 10), st.one_of(st.none(), st.integers(0, 600)),
                               st.sampled_from(["approved", "closed", "cancelled"]), st.booleans()),
                     max_size=3)


def percent_rank(values: list[Decimal]) -> list[Decimal]:
    n = len(values)
    return [Decimal(0) if n == 1 else (Decimal(sum(1 for w in values if w < v)) / (n - 1)).quantize(MICRO, ROUND_HALF_UP)
            for v in values]


@settings(max_examples=30)
@given(book=st.lists(orders_st, min_size=1, max_size=8),
       weights=st.fixed_dictionaries({m: st.integers(0, 3) for m in ("transactions", "avg_size", "volume", "profit")})
       .filter(lambda w: any(w.values())),
       cuts=st.tuples(st.integers(0, 40), st.integers(0, 30), st.integers(0, 30)))
def test_sql_equals_the_rules(org, book, weights, cuts):
    SalesOrder.objects.all().delete()
    Customer.objects.all().delete()
    customers = []
    for orders in book:
        c = make_customer(org.rep_pd1)
        customers.append(c)
        for amount, qty, floor, status, inside in orders:
            when = at(2026, 1, 15) if inside else at(2025, 6, 30, 23, 59)
            order(c, approved_at=when, status=status, lines=[(str(qty), str(amount), floor)])
    run = score_customers(period_end=PERIOD_END, weights=weights,
                          cutoffs={"A": cuts[0], "B": cuts[1], "C": cuts[2]})

    measures = []
    for orders in book:
        counted = [o for o in orders if o[4] and o[3] != "cancelled"]
        tx = len(counted)
        vol = Decimal(sum(o[0] for o in counted))
        profit = Decimal(sum(o[0] - o[1] * (o[2] or 0) for o in counted))
        avg = (vol / tx).quantize(CENT, ROUND_HALF_UP) if tx else Decimal(0)
        measures.append((tx, avg, vol, profit))
    ranks = [percent_rank([Decimal(m[i]) for m in measures]) for i in range(4)]
    w = [Decimal(weights[m]) for m in ("transactions", "avg_size", "volume", "profit")]
    got = {s.customer_id: s for s in CustomerScore.objects.filter(run=run)}
    assert len(got) == len(customers)
    for i, c in enumerate(customers):
        s = got[c.pk]
        assert (s.transactions, s.avg_size, s.volume, s.profit) == measures[i]
        assert [s.rank_transactions, s.rank_avg_size, s.rank_volume, s.rank_profit] == [r[i] for r in ranks]
        exact = sum(wi * r[i] for wi, r in zip(w, ranks, strict=True)) / sum(w)
        assert abs(s.score - exact) <= MICRO
        assert 0 <= s.score <= 1
    ordered = sorted(got.values(), key=lambda s: (-s.score, s.customer_id))
    n, (a, b, c3) = len(ordered), cuts
    for p, s in enumerate(ordered, start=1):
        share = Decimal((p - 1) * 100) / n
        want = ("D" if s.transactions == 0 else "A" if share < a else "B" if share < a + b
                else "C" if share < a + b + c3 else "D")
        assert s.klass == want, (p, n, cuts)
    assert datetime.date(2025, 7, 1) == run.period_start
