"""The follow-up calendar (activities.calendar, web/views/calendar.py, GET /api/v1/calendar):
mine vs my team (the desktop's scope rules), overdue plans on today, the month and week grids,
constant queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pharmcrm.activities.calendar import calendar_plans, month_grid, week_of
from tests.activities.conftest import log
from tests.factories import make_customer, make_share

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _plan(actor, customer, due, plan="带文献拜访主任"):
    return log(actor, customer, "上次拜访药剂科", occurred_at=timezone.now() - datetime.timedelta(days=20),
               next_date=due, next_plan=plan)


@pytest.fixture
def plans(org, book):
    today = timezone.localdate()
    _plan(org.rep_pd1, book.pd1, today + 2 * DAY)
    late = make_customer(org.rep_pd1, "浦东新区人民医院")
    _plan(org.rep_pd1, late, today - 3 * DAY, "确认药事会时间")
    _plan(org.rep_pd2, book.pd2, today + 4 * DAY)
    _plan(org.rep_px, book.px, today + 1 * DAY)
    _plan(org.rep_gz, book.gz, today + 1 * DAY)
    make_share(book.gz, user=org.rep_pd1, access="write")  # shared: not "mine" on the calendar
    return late


def _ids(p):
    return {e.customer_id: e for e in p.entries}


def test_mine_and_team(org, book, plans):
    today = timezone.localdate()
    start, end = today - 10 * DAY, today + 10 * DAY
    mine = _ids(calendar_plans(actor=org.rep_pd1, start=start, end=end, today=today))
    assert set(mine) == {book.pd1.pk, plans.pk}
    assert mine[plans.pk].overdue_days == 3 and mine[plans.pk].shown_on == today and mine[plans.pk].due == today - 3 * DAY
    assert mine[plans.pk].next_plan == "确认药事会时间" and mine[plans.pk].last_content == "上次拜访药剂科"
    assert mine[book.pd1.pk].shown_on == today + 2 * DAY and mine[book.pd1.pk].overdue_days == 0
    # a rep asking for the team gets their own
    assert set(_ids(calendar_plans(actor=org.rep_pd1, start=start, end=end, scope="team"))) == set(mine)
    team = calendar_plans(actor=org.pd_head, start=start, end=end, scope="team", today=today)
    assert team.scope == "team" and set(_ids(team)) == {book.pd1.pk, plans.pk, book.pd2.pk}
    assert set(_ids(calendar_plans(actor=org.sh_head, start=start, end=end, scope="team"))) == {
        book.pd1.pk, plans.pk, book.pd2.pk, book.px.pk}
    assert set(_ids(calendar_plans(actor=org.pd_head, start=start, end=end, scope="mine"))) == set()


def test_range_and_overdue_only_when_today_is_in_view(org, book, plans):
    today = timezone.localdate()
    later = calendar_plans(actor=org.rep_pd1, start=today + DAY, end=today + 3 * DAY, today=today)
    assert [e.customer_id for e in later.entries] == [book.pd1.pk]
    past = calendar_plans(actor=org.rep_pd1, start=today - 30 * DAY, end=today - DAY, today=today)
    assert [e.customer_id for e in past.entries] == [plans.pk]  # shown on its own day when today is not in view
    swapped = calendar_plans(actor=org.rep_pd1, start=today + 3 * DAY, end=today + DAY, today=today)
    assert [e.customer_id for e in swapped.entries] == [book.pd1.pk]


def test_the_cap_counts_the_rest(org, book, plans):
    today = timezone.localdate()
    p = calendar_plans(actor=org.rep_pd1, start=today - DAY, end=today + 9 * DAY, today=today, limit=1)
    assert len(p.entries) == 1 and p.more == 1


def test_grids():
    weeks = month_grid(2026, 2)
    assert weeks[0][0] == datetime.date(2026, 1, 26) and weeks[0][0].weekday() == 0
    assert all(len(w) == 7 for w in weeks) and datetime.date(2026, 2, 28) in weeks[-1]
    assert week_of(datetime.date(2026, 3, 1)) == [datetime.date(2026, 2, 23) + i * DAY for i in range(7)]


# --- web -----------------------------------------------------------------------------------

@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_calendar_page_month_and_week(web, org, book, plans):
    today = timezone.localdate()
    c = web(org.rep_pd1)
    r = c.get(reverse("web:calendar"))
    html = r.content.decode()
    assert r.status_code == 200
    assert f'data-date="{today.isoformat()}"' in html and "浦东新区人民医院" in html
    assert 'data-testid="cal-overdue"' in html
    assert reverse("web:followup_create", args=[plans.pk]) in html  # a click logs the follow-up
    assert reverse("web:plan_reschedule", args=[plans.pk]) in html  # the date form
    assert "国药控股" not in html and "广州医药" not in html
    r = c.get(reverse("web:calendar"), {"view": "week"})
    assert r.status_code == 200 and r.content.decode().count('data-testid="cal-day"') == 7
    # a bad date or view falls back to today's month
    assert c.get(reverse("web:calendar"), {"date": "2026-13-40", "view": "x"}).status_code == 200
    assert c.get(reverse("web:calendar"), {"date": "9999-01-01"}).status_code == 200
    # team scope for heads only: a rep's ?scope=team is their own calendar
    assert "国药控股" not in c.get(reverse("web:calendar"), {"scope": "team"}).content.decode()
    head = web(org.pd_head).get(reverse("web:calendar"), {"scope": "team", "date": today.isoformat()})
    assert "国药控股" in head.content.decode() or today.month != (today + 4 * DAY).month


def test_calendar_queries_are_constant(web, org, book):
    today = timezone.localdate()
    c = web(org.rep_pd1)
    _plan(org.rep_pd1, book.pd1, today)
    c.get(reverse("web:calendar"), {"view": "week"})
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("web:calendar"), {"view": "week"})
    for i in range(12):
        _plan(org.rep_pd1, make_customer(org.rep_pd1, f"客户{i}"), today + (i % 6) * DAY)
    with CaptureQueriesContext(connection) as many:
        r = c.get(reverse("web:calendar"), {"view": "week"})
    assert r.content.decode().count('data-testid="cal-entry"') >= 1
    assert len(many.captured_queries) == len(few.captured_queries)


def test_calendar_api(as_user, org, book, plans):
    today = timezone.localdate()
    r = as_user(org.rep_pd1).get(f"/calendar?start={(today - DAY).isoformat()}&end={(today + 9 * DAY).isoformat()}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["scope"] == "mine"
    items = {i["customer"]["id"]: i for i in body["items"]}
    assert set(items) == {book.pd1.pk, plans.pk} and items[plans.pk]["overdue_days"] == 3
    r = as_user(org.pd_head).get("/calendar?scope=team")
    assert {i["customer"]["id"] for i in r.json()["items"]} == {book.pd1.pk, plans.pk, book.pd2.pk}
    r = as_user(org.rep_pd1).get(f"/calendar?start={today.isoformat()}&end={(today - DAY).isoformat()}")
    assert r.status_code == 400
