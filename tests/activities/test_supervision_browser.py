"""Browser: a team head opens 团队动态 from the navigation, filters by a person and opens that
subordinate's interactions; a rep drags a planned follow-up to another day on the calendar
(real HTML5 drag and drop) and the desktop shows the new date; the date form (keyboard,
phone) moves another one; usable at 375 px."""

from __future__ import annotations

import datetime
import os
import re

import pytest
from django.utils import timezone

from pharmcrm.activities.calendar import week_of
from pharmcrm.customers.models import Customer
from tests.activities.conftest import log
from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SHOTS = os.environ.get("FOLLOWUP_SCREENSHOTS")
DAY = datetime.timedelta(days=1)


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _ago(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def test_head_opens_the_team_feed_filters_by_person_and_opens_their_interactions(page_as, org, book):
    log(org.rep_pd1, book.pd1, "拜访药剂科主任，介绍阿托伐他汀新规格", occurred_at=_ago(1), channel="visit",
        next_date=timezone.localdate() + 3 * DAY, next_plan="带临床文献再访")
    log(org.rep_pd1, book.pd1, "电话确认药事会时间", occurred_at=_ago(2, 15), channel="phone")
    log(org.rep_pd2, book.pd2, "微信发送招商政策给采购经理", occurred_at=_ago(1, 16), channel="wechat")
    log(org.rep_px, book.px, "浦西组的拜访（组长看不到）", occurred_at=_ago(1))
    page = page_as(org.pd_head)
    page.goto_path("/")
    with page.expect_navigation():
        page.click("[data-nav=team_feed]")
    assert page.url.endswith("/team/feed/")
    rows = page.locator("[data-testid=feed-row]")
    assert rows.count() == 3
    text = page.locator("[data-testid=feed]").inner_text()
    assert "浦西组的拜访" not in text and "微信发送招商政策" in text and "带临床文献再访" in text
    summary = page.locator(f"[data-testid=summary-person][data-user='{org.rep_pd1.pk}']")
    assert summary.locator("[data-testid=summary-total]").inner_text() == "2"
    _shot(page, "team-feed")
    page.select_option("[data-testid=filter-person]", str(org.rep_pd1.pk))
    with page.expect_navigation():
        page.click("[data-testid=feed-filter-submit]")
    assert f"person={org.rep_pd1.pk}" in page.url
    assert rows.count() == 2
    assert all(a == "张伟" for a in page.locator("[data-testid=feed-author]").all_inner_texts())
    with page.expect_navigation():
        page.locator("[data-testid=feed-author]").first.click()
    page.wait_for_url(re.compile(rf"/team/people/{org.rep_pd1.pk}/interactions/"))
    assert "张伟" in page.locator("h1").inner_text()
    assert page.locator("[data-testid=person-total]").inner_text() == "2"
    assert page.locator("[data-testid=channel-counts] [data-channel=phone] .stat-value").inner_text() == "1"
    assert page.locator("[data-testid=feed-row]").count() == 2
    _shot(page, "person-interactions")


def _plan(actor, customer, due, plan):
    log(actor, customer, "上次拜访药剂科", occurred_at=timezone.now() - datetime.timedelta(days=7),
        next_date=due, next_plan=plan)


def test_rep_drags_a_plan_to_another_day_and_the_desktop_follows(page_as, org, book):
    today = timezone.localdate()
    due = today + DAY
    target = next(d for d in week_of(due) if d >= today and d != due)
    _plan(org.rep_pd1, book.pd1, due, "带文献拜访主任")
    page = page_as(org.rep_pd1)
    page.goto_path(f"/calendar/?view=week&date={due.isoformat()}")
    entry = f"[data-testid=cal-entry][data-customer='{book.pd1.pk}']"
    assert page.locator(f"[data-testid=cal-day][data-date='{due.isoformat()}'] {entry}").count() == 1
    page.drag_and_drop(entry, f"[data-testid=cal-day][data-date='{target.isoformat()}']")
    page.locator(f"[data-testid=cal-day][data-date='{target.isoformat()}'] {entry}").wait_for()
    page.locator("[data-testid=cal-status].ok").wait_for()
    assert Customer.objects.get(pk=book.pd1.pk).next_followup_on == target
    _shot(page, "calendar-week-after-drag")
    page.goto_path("/")
    card = "card-due" if target == today else "card-upcoming"
    row = page.locator(f"[data-testid={card}] [data-testid=plan-row][data-customer='{book.pd1.pk}']")
    assert row.count() == 1 and "带文献拜访主任" in row.inner_text()
    if target != today:
        assert target.strftime("%m-%d") in row.inner_text()


def test_the_date_form_moves_an_overdue_plan_at_375px(page_as, org, book):
    today = timezone.localdate()
    late = make_customer(org.rep_pd1, "浦东新区人民医院", type="hospital")
    _plan(org.rep_pd1, late, today - 2 * DAY, "确认药事会时间")
    page = page_as(org.rep_pd1, width=375, height=800)
    page.goto_path("/calendar/")
    entry = page.locator(f"[data-testid=cal-day][data-date='{today.isoformat()}'] "
                         f"[data-testid=cal-entry][data-customer='{late.pk}']")
    assert "逾期 2 天" in entry.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "calendar-375")
    entry.locator("summary").click()
    new = today + 3 * DAY
    entry.locator("input[name=new_date]").fill(new.isoformat())
    with page.expect_navigation():
        entry.locator("input[name=new_date]").press("Enter")
    assert Customer.objects.get(pk=late.pk).next_followup_on == new
    assert "计划已改到" in page.locator(".alert, [role=alert], .app-messages").first.inner_text() or \
        new.isoformat() in page.content()
