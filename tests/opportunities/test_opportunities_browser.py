"""Browser: a rep drags an opportunity across the kanban (the card moves, the counts and the
probability follow, and it is saved), then creates a quotation from the customer's page (an
error first: what was typed stays; product search and the list price), marks it sent and opens
the printable quotation in Chinese; the board is usable at 375 px."""

from __future__ import annotations

import re

import pytest

from pharmcrm.opportunities.models import Opportunity
from pharmcrm.quotations.models import Quotation
from tests.opportunities.helpers import make_book, new_opp, stage

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_rep_moves_on_the_kanban_then_quotes_and_prints(page_as, org):
    book = make_book(org)
    opp = new_opp(org.rep_pd1, book.pd1, name="阿托伐他汀进院",
                  lines=[{"product_id": book.product.pk, "quantity": "100", "amount": "1250"}])
    target = stage("方案报价")
    page = page_as(org.rep_pd1)
    page.goto_path("/opportunities/board/")
    card = page.locator(f"[data-testid=card-{opp.pk}]")
    column = page.locator(f"[data-testid=column-{target.pk}]")
    assert column.locator("[data-count]").inner_text() == "0"
    card.drag_to(column.locator(".kanban-cards"))
    page.locator("[data-testid=board-status].alert-success").wait_for()
    assert column.locator(f"[data-testid=card-{opp.pk}]").count() == 1
    assert column.locator("[data-count]").inner_text() == "1"
    assert "50%" in card.inner_text()
    opp.refresh_from_db()
    assert (opp.stage_id, opp.probability) == (target.pk, 50)
    assert [c.to_stage.name for c in opp.stage_changes.order_by("id")] == ["初步接洽", "方案报价"]

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    page.set_viewport_size({"width": 1440, "height": 900})

    page.goto_path(f"/customers/{book.pd1.pk}/?tab=quotations")
    with page.expect_navigation():
        page.click("[data-testid=quotations-tab] [data-testid=new-quotation]")
    page.select_option("#q-opp", str(opp.pk))
    page.fill("#q-terms", "以上价格含税含运费")
    page.focus("select.line-product")
    page.fill(".order-line .select-search", "阿托伐")
    page.locator(f"select.line-product option[value='{book.product.pk}']").wait_for(state="attached")
    page.select_option("select.line-product", str(book.product.pk))
    page.wait_for_function("document.querySelector('.line-price').value !== ''")
    assert page.input_value(".line-price") == "12.5"
    page.fill(".line-qty", "-5")
    with page.expect_navigation():
        page.click("[data-testid=save]")  # a negative quantity: the message, the rest kept
    assert page.locator("[data-testid=line-error]").count() == 1
    assert page.input_value("#q-terms") == "以上价格含税含运费"
    assert not Quotation.objects.exists()
    page.fill(".line-qty", "200")
    page.fill(".line-price", "11.8")
    assert page.inner_text("[data-testid=quotation-total]") == "¥2,360.00"
    with page.expect_navigation():
        page.click("[data-testid=save]")
    q = Quotation.objects.get()
    page.wait_for_url(re.compile(rf"/quotations/{q.pk}/$"))
    assert q.number in page.inner_text("[data-testid=quotation-number]")
    page.click("[data-testid=action-send]")
    page.locator("#confirm-dialog").wait_for(state="visible")
    with page.expect_navigation():
        page.locator("#confirm-dialog [data-role=ok]").click()
    q.refresh_from_db()
    assert q.status == "sent" and q.opportunity_id == opp.pk

    with page.context.expect_page() as popup:
        page.click("[data-testid=print]")
    printable = popup.value
    printable.wait_for_load_state()
    text = printable.inner_text("body")
    assert "报 价 单" in text and q.number in text and "上海仁济医院" in text and "王建华" not in text
    assert "2360.00" in printable.inner_text("[data-testid=print-total]").replace(",", "")
    assert printable.locator("[data-testid=print-row]").count() == 1
    assert Opportunity.objects.get(pk=opp.pk).quotations.count() == 1
