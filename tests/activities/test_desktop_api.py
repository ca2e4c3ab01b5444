"""GET /api/v1/desktop: the same rows as the page, mine or my team's, visibility-checked, and a
constant number of queries whatever the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pharmcrm.activities import desktop
from tests.activities.test_desktop import day, planned
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org):
    return {
        "pd1": [planned(org.rep_pd1, f"张伟客户{i}", day(i - 3), plan=f"计划{i}") for i in range(6)],
        "pd2": planned(org.rep_pd2, "李娜的客户", day(-1)),
        "gz": planned(org.rep_gz, "广州客户", day(0)),
    }


def _ids(rows) -> list[int]:
    return [r["customer_id"] for r in rows]


def test_a_rep_gets_their_own_plan(org, book, as_user):
    body = as_user(org.rep_pd1).get("/desktop").json()
    assert body["scope"] == "mine" and body["can_team"] is False
    plans = body["plans"]
    expected = desktop.followup_plans(actor=org.rep_pd1)
    assert _ids(plans["due"]) == [r.customer.pk for r in expected.due]
    assert _ids(plans["upcoming"]) == [r.customer.pk for r in expected.upcoming]
    assert (plans["overdue_count"], plans["today_count"], plans["upcoming_count"]) == (3, 1, 2)
    first = plans["due"][0]
    assert first["overdue_days"] == 3 and first["next_plan"] == "计划0" and "进院流程" in first["last_content"]
    assert not ({book["pd2"].pk, book["gz"].pk} & set(_ids(plans["due"] + plans["upcoming"])))
    # asking for the team as a rep gives mine
    assert as_user(org.rep_pd1).get("/desktop", scope="team").json()["scope"] == "mine"


def test_a_head_switches_to_the_team(org, book, as_user):
    client = as_user(org.pd_head)
    assert client.get("/desktop").json()["plans"]["due"] == []
    body = client.get("/desktop", scope="team").json()
    assert body["scope"] == "team" and body["can_team"] is True
    due = set(_ids(body["plans"]["due"]))
    assert due == {c.pk for c in book["pd1"][:4]} | {book["pd2"].pk}  # not 广州 (another branch)
    people = {p["user_id"]: (p["overdue"], p["today"]) for p in body["plans"]["people"]}
    assert people == {org.rep_pd1.pk: (3, 1), org.rep_pd2.pk: (1, 0)}


def test_bad_scope_is_a_clear_400(org, as_user):
    assert_error(as_user(org.rep_pd1).get("/desktop", scope="everyone"), 400)
    assert_error(as_user(org.rep_pd1).get("/desktop", rows=0), 400)


def test_constant_queries_whatever_the_rows(org, as_user):
    client = as_user(org.pd_head)

    def count() -> int:
        with CaptureQueriesContext(connection) as q:
            assert client.get("/desktop", scope="team").status_code == 200
        return len(q.captured_queries)

    planned(org.rep_pd1, "一个", day(-1))
    planned(org.rep_pd2, "下周的", day(3))  # both sections present: a section with no rows costs nothing
    count()  # warm: the token's last use, the pool policy and other per-process caches
    few = count()
    for i in range(12):
        planned(org.rep_pd1 if i % 2 else org.rep_pd2, f"更多{i}", day(i % 5 - 2))
    assert count() == few
