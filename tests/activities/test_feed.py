"""Supervision (activities.feed, web/views/supervision.py, api/supervision.py): the team feed
is exactly the follow-ups logged in the head's subtree AND visible to the head; filters only
narrow; local days around midnight; a subordinate's interactions; 404 for everyone else;
constant queries; the Excel export."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pharmcrm.activities import feed
from pharmcrm.core.errors import NotFound
from tests.activities.conftest import log
from tests.api.conftest import assert_error
from tests.factories import make_customer, make_share

pytestmark = pytest.mark.django_db


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _ago(days: int = 1, hour: int = 10) -> datetime.datetime:
    return _at(timezone.localdate() - datetime.timedelta(days=days), hour)


@pytest.fixture
def world(org, book):
    """Follow-ups across the org: 浦东组 (张伟 rep_pd1, 李娜 rep_pd2, the head pd_head), 浦西组
    (王芳 rep_px), 广州 (刘洋 rep_gz); plus one by 张伟 at 刘洋's customer shared with him
    read-write: 浦东组长 cannot see that customer, so that follow-up never shows to him."""
    w = type("W", (), {})()
    w.pd1 = log(org.rep_pd1, book.pd1, "张伟拜访仁济药剂科", occurred_at=_ago(1), channel="visit")
    w.pd2 = log(org.rep_pd2, book.pd2, "李娜电话国药", occurred_at=_ago(2), channel="phone")
    own = make_customer(org.pd_head, "浦东组长的客户")
    w.head = log(org.pd_head, own, "组长自己拜访", occurred_at=_ago(3), channel="meeting")
    w.px = log(org.rep_px, book.px, "王芳微信老百姓", occurred_at=_ago(1), channel="wechat")
    w.gz = log(org.rep_gz, book.gz, "刘洋拜访广州医药", occurred_at=_ago(1))
    make_share(book.gz, user=org.rep_pd1, access="write")
    w.shared = log(org.rep_pd1, book.gz, "张伟代为拜访广州医药", occurred_at=_ago(1, 15))
    w.old = log(org.rep_pd1, book.pd1, "二十五天前的拜访", occurred_at=_ago(25))
    return w


def _feed(actor, **kw):
    kw.setdefault("period", feed.Period.of(None, None))
    return list(feed.team_feed(actor=actor, filters=feed.FeedFilters(**kw)))


def test_head_sees_exactly_the_subtree_visible_followups(org, world):
    assert _feed(org.pd_head) == [world.pd1, world.pd2, world.head]  # newest first
    # not the peer group, not the other branch, not the customer he cannot see, not older than 7 days
    sh = {f.pk for f in _feed(org.sh_head)}
    assert sh == {world.pd1.pk, world.pd2.pk, world.head.pk, world.px.pk}
    # the regional head above sees the same as the office head plus nothing of 广州
    assert {f.pk for f in _feed(org.east_head)} == sh
    assert {f.pk for f in _feed(org.south_head)} == {world.gz.pk}
    # the CEO heads everything and sees every customer of the subtree, the shared one too
    assert {f.pk for f in _feed(org.ceo)} == sh | {world.gz.pk, world.shared.pk}


def test_the_period_and_filters_only_narrow(org, book, world):
    period = feed.Period.of(timezone.localdate() - datetime.timedelta(days=40), None)
    assert world.old in _feed(org.pd_head, period=period)
    assert _feed(org.sh_head, person_id=org.rep_pd1.pk) == [world.pd1]
    assert _feed(org.sh_head, department_id=org.px.pk) == [world.px]
    assert _feed(org.sh_head, channel="phone") == [world.pd2]
    # a person or department outside the subtree matches nothing: nothing leaks
    assert _feed(org.pd_head, person_id=org.rep_px.pk) == []
    assert _feed(org.pd_head, person_id=org.rep_gz.pk) == []
    assert _feed(org.pd_head, department_id=org.gz.pk) == []
    # a department above the subtree narrows to nothing more than the subtree itself
    assert _feed(org.pd_head, department_id=org.sh.pk) == _feed(org.pd_head)


@pytest.mark.parametrize("who", ["rep_pd1", "rep_gz", "finance", "admin"])
def test_non_heads_get_not_found(org, world, who):
    with pytest.raises(NotFound):
        _feed(getattr(org, who))
    with pytest.raises(NotFound):
        feed.member_get(actor=getattr(org, who), user_id=org.rep_pd1.pk)


def test_day_grouping_around_local_midnight(org, book):
    """23:30 and 00:30 Asia/Shanghai are two different days (15:30 and 16:30 UTC the same one)."""
    day = timezone.localdate() - datetime.timedelta(days=3)
    late = log(org.rep_pd1, book.pd1, "深夜电话", occurred_at=_at(day, 23, 30), channel="phone")
    early = log(org.rep_pd2, book.pd2, "凌晨微信", occurred_at=_at(day + datetime.timedelta(days=1), 0, 30),
                channel="wechat")
    assert late.occurred_at.astimezone(datetime.UTC).date() == early.occurred_at.astimezone(datetime.UTC).date()
    rows = _feed(org.pd_head)
    assert feed.group_by_day(rows) == [(day + datetime.timedelta(days=1), [early]), (day, [late])]
    summary = feed.feed_summary(feed.team_feed(actor=org.pd_head, filters=feed.FeedFilters(
        period=feed.Period.of(None, None))), feed.Period.of(None, None), {})
    assert summary.per_day == {day: 1, day + datetime.timedelta(days=1): 1}
    # a period of exactly that day holds the 23:30 one only
    only = _feed(org.pd_head, period=feed.Period.of(day, day))
    assert only == [late]


def test_summary_counts_per_person_day_and_channel(org, world):
    period = feed.Period.of(None, None)
    qs = feed.team_feed(actor=org.sh_head, filters=feed.FeedFilters(period=period))
    with CaptureQueriesContext(connection) as ctx:
        s = feed.feed_summary(qs, period, {org.rep_pd1.pk: "张伟"})
    assert len(ctx.captured_queries) == 1
    assert s.total == 4 and len(s.days) == 7
    by = {p.user_id: p for p in s.people}
    assert by[org.rep_pd1.pk].name == "张伟" and by[org.rep_pd1.pk].total == 1
    assert by[org.rep_pd1.pk].per_day == {timezone.localdate() - datetime.timedelta(days=1): 1}
    assert s.per_channel == {"visit": 1, "phone": 1, "meeting": 1, "wechat": 1}


def test_summary_shows_the_most_active_and_counts_the_rest(org, world, monkeypatch, web):
    monkeypatch.setattr(feed, "SUMMARY_PEOPLE", 2)
    period = feed.Period.of(None, None)
    qs = feed.team_feed(actor=org.sh_head, filters=feed.FeedFilters(period=period))
    full = feed.feed_summary(qs.all(), period, {})
    assert full.people_count == 4 and len(full.people) == 2 and full.people_more == 2
    assert full.total == 4  # the totals still cover everyone
    html = web(org.sh_head).get(reverse("web:team_feed")).content.decode()
    assert html.count('data-testid="summary-person"') == 2 and 'data-testid="summary-more"' in html


def test_period_defaults_and_bounds():
    today = datetime.date(2026, 3, 10)
    p = feed.Period.of(None, None, today=today)
    assert (p.day_from, p.day_to) == (datetime.date(2026, 3, 4), today)
    p = feed.Period.of(datetime.date(2026, 3, 9), datetime.date(2026, 3, 1), today=today)
    assert (p.day_from, p.day_to) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 9))
    p = feed.Period.of(datetime.date(2020, 1, 1), today, today=today)
    assert (p.day_to - p.day_from).days == feed.MAX_DAYS - 1


# --- web -----------------------------------------------------------------------------------

@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_feed_page(web, org, world):
    r = web(org.sh_head).get(reverse("web:team_feed"))
    assert r.status_code == 200
    html = r.content.decode()
    for text in ("张伟拜访仁济药剂科", "李娜电话国药", "组长自己拜访", "王芳微信老百姓"):
        assert text in html
    for text in ("刘洋拜访广州医药", "张伟代为拜访广州医药", "二十五天前的拜访"):
        assert text not in html
    assert f'data-user="{org.rep_pd1.pk}"' in html  # the per-person summary
    assert reverse("web:person_interactions", args=[org.rep_pd1.pk]) in html
    # a filter by person; an outsider id in the URL is ignored (the choice is not offered)
    r = web(org.sh_head).get(reverse("web:team_feed"), {"person": org.rep_px.pk})
    assert "王芳微信老百姓" in r.content.decode() and "张伟拜访仁济药剂科" not in r.content.decode()
    r = web(org.pd_head).get(reverse("web:team_feed"), {"person": org.rep_gz.pk, "day_from": "x"})
    assert r.status_code == 200 and "刘洋" not in r.content.decode()


@pytest.mark.parametrize("who", ["rep_pd1", "finance"])
def test_feed_page_is_404_for_non_heads(web, org, world, who):
    c = web(getattr(org, who))
    assert c.get(reverse("web:team_feed")).status_code == 404
    assert c.get(reverse("web:team_feed_export")).status_code == 404
    assert c.get(reverse("web:person_interactions", args=[org.rep_pd1.pk])).status_code == 404


def _add(org, book, n):
    for i in range(n):
        log(org.rep_pd1, book.pd1, f"第{i}次拜访", occurred_at=_ago(1 + i % 5, 9))


def test_feed_queries_are_constant(web, org, book):
    c = web(org.sh_head)
    _add(org, book, 2)
    c.get(reverse("web:team_feed"))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert c.get(reverse("web:team_feed")).status_code == 200
    _add(org, book, 30)
    with CaptureQueriesContext(connection) as many:
        r = c.get(reverse("web:team_feed"))
    assert r.content.decode().count('data-testid="feed-row"') == 32
    assert len(many.captured_queries) == len(few.captured_queries)
    with CaptureQueriesContext(connection) as person:
        r = c.get(reverse("web:person_interactions", args=[org.rep_pd1.pk]))
    assert r.status_code == 200 and r.content.decode().count('data-testid="feed-row"') == 32
    assert len(person.captured_queries) <= len(few.captured_queries) + 2


def test_person_interactions_page(web, org, world):
    c = web(org.sh_head)
    url = reverse("web:person_interactions", args=[org.rep_pd1.pk])
    r = c.get(url)
    html = r.content.decode()
    assert r.status_code == 200 and "张伟拜访仁济药剂科" in html and "二十五天前的拜访" in html  # 30 days by default
    assert "张伟代为拜访广州医药" not in html  # the customer the head cannot see
    r = c.get(url, {"day_from": (timezone.localdate() - datetime.timedelta(days=5)).isoformat()})
    assert "二十五天前的拜访" not in r.content.decode()
    # any person outside the subtree, or missing: 404
    assert c.get(reverse("web:person_interactions", args=[org.rep_gz.pk])).status_code == 404
    assert c.get(reverse("web:person_interactions", args=[999999])).status_code == 404
    assert web(org.pd_head).get(reverse("web:person_interactions", args=[org.rep_px.pk])).status_code == 404


def test_feed_export(web, org, world):
    r = web(org.sh_head).get(reverse("web:team_feed_export"), {"department": org.pd.pk})
    assert r.status_code == 200 and r["X-Export-Rows"] == "3"
    ws = load_workbook(io.BytesIO(r.content)).active
    contents = [row[5] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert contents == ["张伟拜访仁济药剂科", "李娜电话国药", "组长自己拜访"]


# --- API -----------------------------------------------------------------------------------

def test_api_feed_and_interactions(as_user, org, world):
    r = as_user(org.sh_head).get("/team/feed")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [i["id"] for i in body["items"]] == [world.pd1.pk, world.px.pk, world.pd2.pk, world.head.pk] or \
        {i["id"] for i in body["items"]} == {world.pd1.pk, world.px.pk, world.pd2.pk, world.head.pk}
    assert body["count"] == 4 and body["items"][0]["day"] == (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    r = as_user(org.sh_head).get(f"/team/feed?person_id={org.rep_gz.pk}")
    assert r.json()["items"] == []
    assert_error(as_user(org.rep_pd1).get("/team/feed"), 404, "not_found")
    r = as_user(org.sh_head).get(f"/team/people/{org.rep_pd1.pk}/interactions")
    assert r.status_code == 200
    body = r.json()
    assert body["person"]["id"] == org.rep_pd1.pk and {i["id"] for i in body["items"]} == {world.pd1.pk, world.old.pk}
    assert {c["channel"]: c["count"] for c in body["channel_counts"]}["visit"] == 2
    assert_error(as_user(org.pd_head).get(f"/team/people/{org.rep_px.pk}/interactions"), 404, "not_found")
    assert_error(as_user(org.rep_pd2).get(f"/team/people/{org.rep_pd1.pk}/interactions"), 404, "not_found")
