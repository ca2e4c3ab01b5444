"""Scoring on the hand-computed fixture of conftest.py (12 months ending 2026-06-30).

Measures (transactions, volume, avg size, profit):
  c1: 2, 1000 + (500 − 100 returned) = 1400, 700, (1000 − 10×60) + (500 − 5×80) − (100 − 1×80) = 480
  c2: 1, 2000, 2000, 2000 (no floor price: cost 0; the order of 2025-06-30 23:59 is outside)
  c3: 3, 300, 100, 3 × (100 − 90) = 30 (cancelled and submitted orders excluded)
  c4: 1, 300, 300, 300 − 3×120 = −60
  c5, c6: 0 (c6 has only a draft); the deleted customer is not scored.
PERCENT_RANK (ascending, n = 6, (rank − 1) / 5):
  transactions: c5 c6 0; c2 c4 .4; c1 .8; c3 1
  avg size:     c5 c6 0; c3 .4; c4 .6; c1 .8; c2 1
  volume:       c5 c6 0; c3 c4 .4; c1 .8; c2 1
  profit:       c4 0; c5 c6 .2; c3 .6; c1 .8; c2 1
Scores (equal weights): c1 .8, c2 .85, c3 .6, c4 .35, c5 .05, c6 .05.
Order: c2, c1, c3, c4, c5, c6 → position p is A when (p−1)×100 < 6×5, B < 6×20, C < 6×50:
  c2 A, c1 B, c3 C, c4 D, c5 D, c6 D.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from pharmcrm.analytics import selectors
from pharmcrm.analytics.daily_steps import daily_score
from pharmcrm.analytics.models import CustomerScore, ScoreRun
from pharmcrm.analytics.services import months_back, period_for, score_customers
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from tests.analytics.conftest import PERIOD_END

D = Decimal


def scores(run) -> dict[int, CustomerScore]:
    return {s.customer_id: s for s in CustomerScore.objects.filter(run=run)}


def test_measures_ranks_scores_and_classes(shop):
    run = score_customers(period_end=PERIOD_END)
    assert (run.period_start, run.period_end) == (datetime.date(2025, 7, 1), PERIOD_END)
    assert run.customers_scored == 6
    assert run.weights == {"transactions": "1", "avg_size": "1", "volume": "1", "profit": "1"}
    assert run.cutoffs == {"A": "5", "B": "15", "C": "30"}
    got = scores(run)
    assert shop.gone.pk not in got
    expected = {  # tx, avg, volume, profit, ranks (tx, avg, vol, profit), score, class
        shop.c1: (2, "700", "1400", "480", ".8", ".8", ".8", ".8", ".8", "B"),
        shop.c2: (1, "2000", "2000", "2000", ".4", "1", "1", "1", ".85", "A"),
        shop.c3: (3, "100", "300", "30", "1", ".4", ".4", ".6", ".6", "C"),
        shop.c4: (1, "300", "300", "-60", ".4", ".6", ".4", "0", ".35", "D"),
        shop.c5: (0, "0", "0", "0", "0", "0", "0", ".2", ".05", "D"),
        shop.c6: (0, "0", "0", "0", "0", "0", "0", ".2", ".05", "D"),
    }
    for customer, (tx, avg, vol, profit, r_tx, r_avg, r_vol, r_profit, score, klass) in expected.items():
        s = got[customer.pk]
        assert (s.transactions, s.avg_size, s.volume, s.profit) == (tx, D(avg), D(vol), D(profit)), customer.name
        assert (s.rank_transactions, s.rank_avg_size, s.rank_volume, s.rank_profit) == (
            D(r_tx), D(r_avg), D(r_vol), D(r_profit)), customer.name
        assert (s.score, s.klass) == (D(score), klass), customer.name


def test_weights_and_cutoffs(shop):
    # volume only; A = top half: c2 (1), c1 (.8), then the tie c3/c4 (.4) broken by customer id
    run = score_customers(period_end=PERIOD_END, weights={"volume": 2}, cutoffs={"A": 50, "B": 0, "C": 0})
    got = scores(run)
    assert {c.name for c in (shop.c1, shop.c2, shop.c3, shop.c4, shop.c5, shop.c6)
            if got[c.pk].klass == "A"} == {"甲医院", "乙医院", "丙药房"}
    assert got[shop.c4.pk].klass == "D" and got[shop.c2.pk].score == D(1)
    assert run.weights == {"transactions": "0", "avg_size": "0", "volume": "2", "profit": "0"}


def test_no_orders_in_period_everyone_is_d(shop):
    run = score_customers(period_end=datetime.date(2020, 1, 31), months=1)
    assert set(CustomerScore.objects.filter(run=run).values_list("klass", flat=True)) == {"D"}


@pytest.mark.parametrize(("kw", "field"), [
    ({"weights": {"volume": -1}}, "weights"),
    ({"weights": {"volume": 0, "profit": 0}}, "weights"),
    ({"weights": {"speed": 1}}, "weights"),
    ({"weights": {"volume": "abc"}}, "weights"),
    ({"weights": {"volume": "NaN"}}, "weights"),
    ({"cutoffs": {"A": 101}}, "cutoffs"),
    ({"cutoffs": {"A": -1}}, "cutoffs"),
    ({"cutoffs": {"A": 50, "B": 40, "C": 20}}, "cutoffs"),
    ({"cutoffs": {"D": 10}}, "cutoffs"),
    ({"months": 0}, "months"),
    ({"months": 121}, "months"),
])
def test_validation(db, kw, field):
    with pytest.raises(ApplicationError) as err:
        score_customers(**kw)
    assert field in err.value.fields
    assert not ScoreRun.objects.exists()


def test_only_admins_score_on_demand(org):
    with pytest.raises(PermissionDenied):
        score_customers(actor=org.ceo)
    run = score_customers(actor=org.admin)
    assert run.triggered_by == org.admin


def test_months_back():
    assert months_back(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert months_back(datetime.date(2026, 1, 15), 12) == datetime.date(2025, 1, 15)
    assert period_for(period_end=datetime.date(2026, 11, 29), months=12) == (
        datetime.date(2025, 11, 30), datetime.date(2026, 11, 29))
    assert period_for(period_end=datetime.date(2026, 2, 28), months=1) == (
        datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))


def test_history_and_movements(org, shop):
    first = score_customers(period_end=PERIOD_END)
    # transactions only: c3 A, c1 B, c2 C (tie with c4 at .4, lower id), c4 D
    second = score_customers(period_end=PERIOD_END, weights={"transactions": 1})
    assert selectors.current_run() == second
    assert selectors.previous_run(second) == first
    assert [(s.run_id, s.klass) for s in selectors.class_history(actor=org.admin, customer_id=shop.c2.pk)] == [
        (first.pk, "A"), (second.pk, "C")]
    moved = selectors.movements(actor=org.admin)
    assert [s.customer_id for s in moved["upgraded"]] == [shop.c3.pk]
    assert [(s.customer_id, s.previous_klass, s.klass) for s in moved["downgraded"]] == [(shop.c2.pk, "A", "C")]
    # a rep sees only the movements of their own customers
    mine = selectors.movements(actor=org.rep_pd1)
    assert mine["upgraded"] == [] and [s.customer_id for s in mine["downgraded"]] == [shop.c2.pk]
    assert selectors.movements(actor=org.admin, run=first) == {"upgraded": [], "downgraded": []}


def test_visibility(org, shop):
    run = score_customers(period_end=PERIOD_END)
    assert selectors.class_counts(actor=org.rep_pd1) == {"A": 1, "B": 1, "C": 0, "D": 0}
    assert selectors.class_counts(actor=org.rep_gz, run=run) == {"A": 0, "B": 0, "C": 0, "D": 2}
    assert selectors.class_counts(actor=org.pd_head) == {"A": 1, "B": 1, "C": 1, "D": 0}
    assert selectors.class_counts(actor=org.admin) == {"A": 1, "B": 1, "C": 1, "D": 3}
    assert selectors.score_of(actor=org.rep_pd1, customer_id=shop.c1.pk).klass == "B"
    with pytest.raises(NotFound):
        selectors.score_of(actor=org.rep_pd1, customer_id=shop.c3.pk)
    with pytest.raises(NotFound):
        selectors.class_history(actor=org.rep_pd1, customer_id=shop.c3.pk)
    with pytest.raises(NotFound):
        selectors.score_of(actor=org.admin, customer_id=shop.gone.pk)


def test_class_counts_is_one_counting_query(org, shop, django_assert_max_num_queries):
    """The counting is one GROUP BY query (the rest is the visibility engine's look-ups of the
    actor's roles and departments and its size estimate), however many customers there are."""
    run = score_customers(period_end=PERIOD_END)
    with django_assert_max_num_queries(4) as ctx:
        selectors.class_counts(actor=org.pd_head, run=run)
    assert sum("GROUP BY" in q["sql"] for q in ctx.captured_queries) == 1


def test_daily_step_is_idempotent_and_command_prints(shop, capsys):
    day = datetime.date(2026, 7, 1)
    run = daily_score(day=day)
    assert run.period_end == PERIOD_END and run.triggered_by is None
    assert daily_score(day=day) is None
    assert ScoreRun.objects.count() == 1
    call_command("crm_score", "--end", "2026-06-30", "--months", "12")
    out = capsys.readouterr().out
    assert "2025-07-01 .. 2026-06-30, 6 customers" in out
    assert "A: 1  B: 1  C: 1  D: 3" in out


def test_crm_daily_runs_the_scoring_step(shop):
    from pharmcrm.core.daily import daily_steps

    assert "scoring" in [s.key for s in daily_steps()]
    call_command("crm_daily", "--date", "2026-07-01", "--only", "scoring")
    call_command("crm_daily", "--date", "2026-07-01", "--only", "scoring")
    run = ScoreRun.objects.get()
    assert (run.period_end, run.customers_scored, run.triggered_by) == (PERIOD_END, 6, None)


def test_crm_score_bad_input(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("crm_score", "--end", "30/06/2026")
    with pytest.raises(CommandError):
        call_command("crm_score", "--months", "0")
    assert not ScoreRun.objects.exists()
