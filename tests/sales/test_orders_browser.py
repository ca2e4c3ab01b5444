"""Browser: a rep drafts an order (product search, the list price filled in, live total) and
submits it; finance approves it on the review page; warehouse sees the FEFO batch on the outbound
page, issues it, ships it and opens the delivery note with the batch and expiry; the rep sees the
whole timeline."""

from __future__ import annotations

import re

import pytest

from pharmcrm.sales.models import SalesOrder

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_rep_finance_warehouse_flow(page_as, org, book, stocked):
    page = page_as(org.rep_pd1)
    page.goto_path(f"/customers/{book.pd1.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=tab-orders]")
    assert page.locator("[data-testid=orders-empty]").count() == 1
    with page.expect_navigation():
        page.click("[data-testid=orders-tab] [data-testid=new-order]")
    page.focus("select.line-product")
    page.fill(".order-line .select-search", "阿托伐")
    page.locator(f"select.line-product option[value='{book.product.pk}']").wait_for(state="attached")
    page.select_option("select.line-product", str(book.product.pk))
    page.wait_for_function("document.querySelector('.line-price').value !== ''")
    assert page.input_value(".line-price") == "12.5"
    page.fill(".line-qty", "40")
    assert page.inner_text("[data-testid=order-total]") == "¥500.00"
    with page.expect_navigation():
        page.click("[data-testid=save-submit]")
    order = SalesOrder.objects.get()
    page.wait_for_url(re.compile(rf"/orders/{order.pk}/$"))
    assert order.status == "submitted" and str(order.amount_total) == "500.00"
    assert page.locator("[data-testid=action-submit]").count() == 0  # only the legal actions

    fin = page_as(org.finance)
    fin.goto_path(f"/orders/{order.pk}/review/")
    assert fin.locator("[data-testid=check][data-passed='1']").count() == 6
    with fin.expect_navigation():
        fin.click("[data-testid=action-approve]")
    order.refresh_from_db()
    assert order.status == "approved"

    wh = page_as(book.keeper)
    wh.goto_path("/orders/warehouse/")
    with wh.expect_navigation():
        wh.click("[data-testid=queue-outbound] a.btn")
    proposal = wh.locator("[data-testid=proposal]").all_inner_texts()
    assert "B2401" in proposal[0] and "B2402" in proposal[1]  # nearest expiry first
    with wh.expect_navigation():
        wh.click("[data-testid=confirm-outbound]")
    assert wh.locator(f"a[href='/customers/{book.pd1.pk}/']").count() == 0  # no link to a page they cannot open
    with wh.expect_navigation():
        wh.click("[data-testid=action-ship]")
    wh.fill("#s-carrier", "顺丰速运")
    wh.fill("#s-tracking", "SF1234567890")
    with wh.expect_navigation():
        wh.click("[data-testid=confirm-ship]")
    order.refresh_from_db()
    assert order.status == "shipped" and order.tracking_no == "SF1234567890"
    wh.goto_path(f"/orders/{order.pk}/delivery-note/")
    batches = wh.locator("[data-testid=note-batch]").all_inner_texts()
    assert batches == ["B2401", "B2402"]

    page.reload()
    kinds = page.locator("[data-testid=order-timeline] li").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["created", "submitted", "approved", "outbound", "shipped"]
    assert "顺丰速运" in page.inner_text("[data-testid=shipment]")
