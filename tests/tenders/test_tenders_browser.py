"""Browser: the tender specialist (韦琳) sees the deadline reminder on My Desktop, opens the
tender, advances it registered → preparing → submitted (confirming each step) and records the
win with a winning price; the tender page is usable at 375 px."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from pharmcrm.tenders import services
from pharmcrm.tenders.models import Tender
from tests.tenders.conftest import new_tender

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _confirm(page, selector):
    page.click(selector)
    page.locator("#confirm-dialog").wait_for(state="visible")
    with page.expect_navigation():
        page.locator("#confirm-dialog [data-role=ok]").click()


def test_specialist_advances_a_tender_to_won(page_as, org, tb):
    t = new_tender(tb.weilin, name="浙江省第十批集采", province="330000", type="vbp",
                   registration_deadline=timezone.now() + datetime.timedelta(days=3))
    services.tender_line_add(actor=tb.weilin, tender_id=t.pk,
                             data={"product_id": tb.p2.pk, "quantity": "10000", "bid_price": "6.5"})
    page = page_as(tb.weilin)
    page.goto_path("/")
    card = page.locator("[data-testid=card-tender-deadlines]")
    assert "浙江省第十批集采" in card.inner_text()
    with page.expect_navigation():
        card.locator("a.stretched-link").first.click()
    page.wait_for_url(re.compile(rf"/tenders/{t.pk}/$"))
    assert "跟踪中" in page.inner_text("[data-testid=tender-status]")
    for action in ("register", "prepare", "submit"):
        _confirm(page, f"[data-testid=action-{action}]")
    assert "已投标" in page.inner_text("[data-testid=tender-status]")
    page.fill("[data-testid=win-price]", "6.3")
    _confirm(page, "[data-testid=action-win]")
    t.refresh_from_db()
    assert t.status == "won"
    assert "¥6.3" in page.inner_text("[data-testid=tender-lines]")
    assert "中标" in page.inner_text("[data-testid=tender-status]")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, width
    assert Tender.objects.get(pk=t.pk).lines.get().won is True
