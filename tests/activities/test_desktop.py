"""我的桌面: the follow-up plan rows (今日待跟进 with the overdue first, 未来 7 天) for a rep and
for a head (mine / my team with per-person counts), local-day boundaries around midnight in
Asia/Shanghai, completing a plan by logging a follow-up from the row, constant queries."""

from __future__ import annotations

import datetime
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pharmcrm.activities import desktop
from pharmcrm.activities.models import FollowUp
from tests.activities.conftest import log
from tests.factories import make_customer, make_share

pytestmark = pytest.mark.django_db

DESKTOP = reverse("web:desktop")


def day(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def planned(owner, name: str, due: datetime.date, plan: str = "", said: str = "") -> object:
    """A customer of ``owner`` whose latest follow-up (logged 30 days ago) plans ``due``."""
    c = make_customer(owner, name)
    log(owner, c, said or f"{name}：上次沟通了进院流程", occurred_at=timezone.now() - datetime.timedelta(days=30),
        next_date=due, next_plan=plan or f"{name}：带样品拜访")
    return c


def ids(rows) -> list[int]:
    return [r.customer.pk for r in rows]


def page_rows(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-testid="plan-row" data-customer="(\d+)"', html)]


@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def rep_book(org):
    b = {}
    b["overdue"] = planned(org.rep_pd1, "逾期医院", day(-3), plan="补交资料")
    b["today"] = planned(org.rep_pd1, "今日医院", day(0), plan="约主任面谈")
    b["tomorrow"] = planned(org.rep_pd1, "明日药业", day(1))
    b["week"] = planned(org.rep_pd1, "七天药业", day(7))
    b["beyond"] = planned(org.rep_pd1, "八天药业", day(8))
    b["peer"] = planned(org.rep_pd2, "同事的医院", day(0))
    b["shared"] = planned(org.rep_pd2, "共享给我的医院", day(-1))
    make_share(b["shared"], user=org.rep_pd1, access="write")
    b["done"] = planned(org.rep_pd1, "已完成药店", day(-2))
    log(org.rep_pd1, b["done"], "今天已经拜访，暂无下一步")  # a newer follow-up supersedes the plan
    return b


def test_a_reps_desktop_shows_exactly_the_right_rows(org, rep_book, web):
    b = rep_book
    plans = desktop.followup_plans(actor=org.rep_pd1)
    assert ids(plans.due) == [b["overdue"].pk, b["today"].pk]  # the overdue first
    assert ids(plans.upcoming) == [b["tomorrow"].pk, b["week"].pk]
    assert (plans.overdue_count, plans.today_count, plans.upcoming_count) == (1, 1, 2)
    assert plans.due[0].overdue_days == 3 and plans.due[1].overdue_days == 0
    assert plans.due[0].next_plan == "补交资料" and plans.due[0].last_content == "逾期医院：上次沟通了进院流程"

    html = web(org.rep_pd1).get(DESKTOP).content.decode()
    assert page_rows(html) == [b["overdue"].pk, b["today"].pk, b["tomorrow"].pk, b["week"].pk]
    assert "逾期 3 天" in html and "补交资料" in html and "约主任面谈" in html and "逾期医院：上次沟通了进院流程" in html
    assert "今日待跟进" in html and "未来 7 天" in html
    assert f'{reverse("web:followup_create", args=[b["overdue"].pk])}?next=%2F' in html
    assert 'data-testid="scope-switch"' not in html  # a rep has no team
    # a rep asking for the team sees their own rows
    team = web(org.rep_pd1).get(DESKTOP + "?scope=team").content.decode()
    assert page_rows(team) == page_rows(html) and 'data-testid="card-team"' not in team


def test_the_empty_desktop_says_what_to_do(org, web):
    make_customer(org.rep_pd1, "还没有计划的医院")
    html = web(org.rep_pd1).get(DESKTOP).content.decode()
    assert 'data-testid="due-empty"' in html and "今天没有需要跟进的客户" in html
    assert 'data-testid="card-upcoming"' not in html and 'data-testid="card-pool"' not in html
    # finance owns no customers: no follow-up plan card at all
    html = web(org.finance).get(DESKTOP).content.decode()
    assert 'data-testid="card-due"' not in html and 'data-testid="scope-switch"' not in html


def _at(monkeypatch, on: datetime.date, hour: int, minute: int) -> None:
    """Stop the clock at ``hour:minute`` of the local day ``on`` (Asia/Shanghai)."""
    moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(hour, minute)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_today_and_overdue_follow_the_local_day_around_midnight(org, monkeypatch):
    d = timezone.localdate()
    yesterday = planned(org.rep_pd1, "昨天的计划", d - datetime.timedelta(days=1))
    due_today = planned(org.rep_pd1, "今天的计划", d)
    tomorrow = planned(org.rep_pd1, "明天的计划", d + datetime.timedelta(days=1))

    _at(monkeypatch, d, 0, 1)  # 00:01 in Shanghai is still the previous day in UTC
    assert timezone.now().astimezone(datetime.UTC).date() == d - datetime.timedelta(days=1)
    plans = desktop.followup_plans(actor=org.rep_pd1)
    assert ids(plans.due) == [yesterday.pk, due_today.pk] and ids(plans.upcoming) == [tomorrow.pk]
    assert [r.overdue_days for r in plans.due] == [1, 0]

    _at(monkeypatch, d, 23, 59)
    plans = desktop.followup_plans(actor=org.rep_pd1)
    assert ids(plans.due) == [yesterday.pk, due_today.pk] and ids(plans.upcoming) == [tomorrow.pk]

    _at(monkeypatch, d + datetime.timedelta(days=1), 0, 1)  # two minutes later: a new day
    plans = desktop.followup_plans(actor=org.rep_pd1)
    assert ids(plans.due) == [yesterday.pk, due_today.pk, tomorrow.pk] and not plans.upcoming
    assert [r.overdue_days for r in plans.due] == [2, 1, 0]


def test_logging_from_the_row_moves_it_to_upcoming(org, rep_book, web):
    b = rep_book
    client = web(org.rep_pd1)
    html = client.get(DESKTOP).content.decode()
    link = f'{reverse("web:followup_create", args=[b["today"].pk])}?next={quote("/", safe="")}'
    assert link in html
    form = client.get(link).content.decode()
    assert 'name="next" value="/"' in form and 'data-testid="last-ten"' in form
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    r = client.post(link, {"occurred_at": now, "channel": "phone", "content": "电话确认面谈时间",
                           "next_date": day(3).isoformat(), "next_plan": "面谈并报价", "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    plans = desktop.followup_plans(actor=org.rep_pd1)
    assert b["today"].pk not in ids(plans.due) and b["today"].pk in ids(plans.upcoming)
    row = next(r for r in plans.upcoming if r.customer.pk == b["today"].pk)
    assert (row.due, row.next_plan, row.last_content) == (day(3), "面谈并报价", "电话确认面谈时间")


def test_the_follow_up_form_ignores_an_unsafe_next(org, rep_book, web):
    url = reverse("web:followup_create", args=[rep_book["today"].pk])
    r = web(org.rep_pd1).post(url + "?next=https://evil.example/", {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "channel": "visit", "content": "拜访"})
    assert r.status_code == 302 and "evil" not in r["Location"]


@pytest.fixture
def team_book(org):
    return {
        "pd1_overdue": [planned(org.rep_pd1, f"张伟逾期{i}", day(-1 - i)) for i in range(2)],
        "pd1_today": planned(org.rep_pd1, "张伟今日", day(0)),
        "pd2_overdue": planned(org.rep_pd2, "李娜逾期", day(-4)),
        "pd2_later": planned(org.rep_pd2, "李娜下周", day(5)),
        "head_own": planned(org.pd_head, "组长自己的客户", day(0)),
        "px_today": planned(org.rep_px, "浦西今日", day(0)),  # 浦西组: not in 浦东组长's subtree
        "gz_overdue": planned(org.rep_gz, "广州逾期", day(-2)),
    }


def test_a_head_switches_between_mine_and_the_team(org, team_book, web):
    t = team_book
    mine = desktop.followup_plans(actor=org.pd_head)
    assert ids(mine.due) == [t["head_own"].pk] and not mine.people
    team = desktop.followup_plans(actor=org.pd_head, scope="team")
    expected = {c.pk for c in t["pd1_overdue"]} | {t["pd1_today"].pk, t["pd2_overdue"].pk, t["head_own"].pk}
    assert set(ids(team.due)) == expected and ids(team.upcoming) == [t["pd2_later"].pk]
    assert [r.overdue_days for r in team.due] == sorted((r.overdue_days for r in team.due), reverse=True)
    people = {p.user_id: (p.overdue, p.today) for p in team.people}
    assert people == {org.rep_pd1.pk: (2, 1), org.rep_pd2.pk: (1, 0), org.pd_head.pk: (0, 1)}
    assert sum(o + d for o, d in people.values()) == team.due_count == len(team.due)
    assert team.people[0].user_id == org.rep_pd1.pk  # the most overdue first

    # a head higher up sees the whole subtree, 浦西组 included, not 广州
    sh = desktop.followup_plans(actor=org.sh_head, scope="team")
    assert set(ids(sh.due)) == expected | {t["px_today"].pk}
    assert sum(p.overdue + p.today for p in sh.people) == sh.due_count

    # a big team shows its most overdue people and counts the rest
    import pharmcrm.activities.desktop as desktop_module

    desktop_module.PEOPLE_ROWS, saved = 2, desktop_module.PEOPLE_ROWS
    try:
        capped = desktop.followup_plans(actor=org.sh_head, scope="team")
    finally:
        desktop_module.PEOPLE_ROWS = saved
    assert [p.user_id for p in capped.people] == [p.user_id for p in sh.people][:2]
    assert capped.people_more == len(sh.people) - 2 and capped.due_count == sh.due_count

    client = web(org.pd_head)
    html = client.get(DESKTOP).content.decode()
    assert 'data-testid="scope-switch"' in html and page_rows(html) == [t["head_own"].pk]
    html = client.get(DESKTOP + "?scope=team").content.decode()
    assert set(page_rows(html)) == expected | {t["pd2_later"].pk}
    assert 'data-testid="card-team"' in html and "张伟" in html and "李娜" in html
    assert "?next=%2F%3Fscope%3Dteam" in html  # back to the team view after logging


def test_a_section_is_capped(org):
    for i in range(4):
        planned(org.rep_pd1, f"客户{i}", day(-i))
    plans = desktop.followup_plans(actor=org.rep_pd1, limit=3)
    assert len(plans.due) == 3 and plans.due_count == 4 and plans.due_more == 1


def _desktop_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("who", "url"), [("rep_pd1", DESKTOP), ("pd_head", DESKTOP + "?scope=team")])
def test_query_count_is_constant_in_the_number_of_rows(org, web, who, url):
    client = web(getattr(org, who))
    owners = [org.rep_pd1, org.rep_pd2]

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            planned(owners[i % 2] if who == "pd_head" else org.rep_pd1, f"客户{i}", day(i * 5 % 12 - 4))  # both sections from the first 3

    add(3, 0)
    client.get(url)  # warm the caches of the session and the request
    few = _desktop_queries(client, url)
    add(27, 3)
    assert FollowUp.objects.count() == 30
    html = client.get(url).content.decode()
    assert len(page_rows(html)) > 10
    assert _desktop_queries(client, url) == few


def test_finance_and_warehouse_see_no_one_elses_plans(org, web):
    """The plan rows are the customers one works on: a customer shared with finance (read-only)
    or visible to warehouse through a role never puts its owner's plan on their desktop."""
    from tests.factories import make_user

    warehouse = make_user("warehouse1", department=org.finance.department, roles=("warehouse",), full_name="仓管老周")
    shared = planned(org.rep_pd1, "共享给财务的医院", day(0))
    make_share(shared, user=org.finance)
    make_share(shared, user=warehouse)
    for user in (org.finance, warehouse):
        plans = desktop.followup_plans(actor=user, scope="team")  # asking for the team changes nothing
        assert plans.scope == "mine" and plans.empty and not plans.people
        html = web(user).get(DESKTOP + "?scope=team").content.decode()
        assert page_rows(html) == [] and 'data-testid="card-team"' not in html
        assert 'data-testid="scope-switch"' not in html
    # and the owner does see it
    assert ids(desktop.followup_plans(actor=org.rep_pd1).due) == [shared.pk]


def test_the_visible_count_is_kept_a_little_while(org, web):
    """A head's "customers I can see" is a count over their subtree: counted once, then kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_customer(org.rep_pd1, "浦东的医院")
    client = web(org.pd_head)
    with CaptureQueriesContext(connection) as first:
        html = client.get(DESKTOP).content.decode()
    assert 'data-testid="stat-visible"' in html
    with CaptureQueriesContext(connection) as second:
        client.get(DESKTOP)
    def visible_counts(ctx):  # capped counts through the visibility rule: "mine" and "I can see"
        return [q for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")
                and "owner_department_id" in q["sql"] and "customershare" in q["sql"]]

    assert len(visible_counts(first)) == 2 and len(visible_counts(second)) == 1  # "mine" is counted each time
