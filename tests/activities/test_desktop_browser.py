"""Browser: a rep opens 我的桌面, sees today's plan with what was said last time, logs the
follow-up from the row (the last-ten panel beside the form), sets the next date and is back on
the desktop with the row under 未来 7 天; a head switches to 我的团队; usable at 375 px."""

from __future__ import annotations

import datetime
import os
import re

import pytest
from django.utils import timezone

from tests.activities.conftest import log
from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SHOTS = os.environ.get("FOLLOWUP_SCREENSHOTS")  # a directory: save screenshots there (for a look)


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _plan(actor, customer, due, said, plan):
    log(actor, customer, said, occurred_at=timezone.now() - datetime.timedelta(days=10), next_date=due, next_plan=plan)


@pytest.mark.parametrize("width", [1440, 375])
def test_log_from_the_desktop_row_and_it_moves_to_upcoming(page_as, org, book, width):
    today = timezone.localdate()
    _plan(org.rep_pd1, book.pd1, today, "拜访药剂科，主任要看临床文献", "带文献拜访主任")
    late = make_customer(org.rep_pd1, "浦东新区人民医院", type="hospital")
    _plan(org.rep_pd1, late, today - datetime.timedelta(days=2), "电话沟通进院", "确认药事会时间")
    page = page_as(org.rep_pd1, width=width, height=900)
    page.goto_path("/")
    due = page.locator("[data-testid=card-due] [data-testid=plan-row]")
    assert due.count() == 2
    assert "逾期 2 天" in due.first.inner_text() and "浦东新区人民医院" in due.first.inner_text()
    row = page.locator(f"[data-testid=plan-row][data-customer='{book.pd1.pk}']")
    assert "主任要看临床文献" in row.inner_text() and "带文献拜访主任" in row.inner_text()
    if width == 375:
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, f"desktop-{width}")
    row.locator("[data-testid=plan-log]").click()
    page.wait_for_url(re.compile(rf"/customers/{book.pd1.pk}/followups/new/"))
    assert page.locator("[data-testid=last-ten-item]").count() == 1
    page.fill("#id_content", "带文献拜访了主任，同意下周上药事会")
    page.fill("#id_next_date", (today + datetime.timedelta(days=5)).isoformat())
    page.fill("#id_next_plan", "电话确认药事会结果")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("[data-testid=card-due] [data-testid=plan-row]").count() == 1
    moved = page.locator(f"[data-testid=card-upcoming] [data-testid=plan-row][data-customer='{book.pd1.pk}']")
    assert "电话确认药事会结果" in moved.inner_text() and "同意下周上药事会" in moved.inner_text()
    _shot(page, f"desktop-after-{width}")


def test_a_head_switches_to_the_team(page_as, org, book):
    _plan(org.rep_pd1, book.pd1, timezone.localdate() - datetime.timedelta(days=1), "上次的拜访", "再去一次")
    page = page_as(org.pd_head)
    page.goto_path("/")
    assert page.locator("[data-testid=plan-row]").count() == 0
    page.click("[data-testid=scope-switch] >> text=我的团队")
    page.wait_for_url(re.compile(r"scope=team"))
    assert page.locator("[data-testid=plan-row]").count() == 1
    person = page.locator("[data-testid=team-person]")
    assert "张伟" in person.inner_text() and person.locator("[data-testid=person-overdue]").inner_text() == "1"
    _shot(page, "desktop-team")
