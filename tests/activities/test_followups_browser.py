"""Browser: a rep opens a customer, logs a follow-up from the 跟进记录 tab with the last-ten panel
beside the form (an error first: what was typed stays), sees it on the tab, and a head comments;
the form and the list are usable at 375 px."""

from __future__ import annotations

import datetime
import os
import re

import pytest
from django.utils import timezone

from pharmcrm.activities.models import FollowUp
from tests.activities.conftest import log

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
SHOTS = os.environ.get("FOLLOWUP_SCREENSHOTS")  # a directory: save screenshots there (for a look)


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_log_a_follow_up_with_the_last_ten_beside_it(page_as, org, book):
    for i in range(3):
        log(org.rep_pd1, book.pd1, f"第{i + 1}次拜访药剂科", occurred_at=timezone.now() - datetime.timedelta(days=9 - i),
            contact_ids=[book.wang.pk], result="主任感兴趣", next_date=timezone.localdate(), next_plan="送样品")
    page = page_as(org.rep_pd1)
    page.goto_path(f"/customers/{book.pd1.pk}/")
    page.click("[data-testid=tab-followups]")
    page.wait_for_url(re.compile(r"tab=followups"))
    assert page.locator("[data-testid=followup]").count() == 3
    page.click("[data-testid=new-followup]")
    page.wait_for_url(re.compile(rf"/customers/{book.pd1.pk}/followups/new/"))
    assert page.locator("[data-testid=last-ten-item]").count() == 3
    _shot(page, "form")

    page.select_option("#id_channel", "phone")
    page.check(f"input[name=contacts][value='{book.wang.pk}']")
    page.fill("#id_result", "同意提交药事会")
    page.fill("#id_next_plan", "带样品拜访主任")
    page.click("[data-testid=save]")  # no content, a plan without a date: errors in Chinese
    assert "请填写沟通内容" in page.locator("[data-testid=error-content]").inner_text()
    assert "下次跟进日期" in page.locator("[data-testid=error-next_date]").inner_text()
    assert page.input_value("#id_result") == "同意提交药事会"
    _shot(page, "form-errors")
    page.fill("#id_content", "电话沟通阿托伐他汀进院，主任同意提交药事会")
    page.fill("#id_next_date", (timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"tab=followups"))
    fu = FollowUp.objects.get(channel="phone")
    assert fu.result == "同意提交药事会" and list(fu.contacts.all()) == [book.wang]
    first = page.locator("[data-testid=followup]").first
    assert "电话沟通阿托伐他汀进院" in first.inner_text() and "王建华" in first.inner_text()
    _shot(page, "tab")

    head = page_as(org.pd_head)
    head.goto_path(f"/customers/{book.pd1.pk}/?tab=followups")
    item = head.locator(f"#followup-{fu.pk}")
    assert item.locator("[data-testid=followup-edit]").count() == 0
    item.locator("summary").click()
    item.locator("textarea[name=text]").fill("下周我一起去")
    item.locator("button[type=submit]").click()
    head.wait_for_url(re.compile(r"tab=followups"))
    assert "下周我一起去" in head.locator(f"#followup-{fu.pk}").inner_text()


def test_the_form_at_375px(page_as, org, book):
    log(org.rep_pd1, book.pd1, "上次的沟通")
    page = page_as(org.rep_pd1, width=375, height=800)
    page.goto_path(f"/customers/{book.pd1.pk}/followups/new/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("[data-testid=last-ten-item]").count() == 1
    _shot(page, "mobile")
    page.goto_path("/followups/")
    assert page.locator("[data-testid=followup]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, "list-mobile")
