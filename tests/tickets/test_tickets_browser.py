"""Browser: a rep opens a service ticket from a customer page (an error first: what was typed
stays), resolves it and closes it with the customer's satisfaction after confirming; the ticket
page is usable at 375 px."""

from __future__ import annotations

import re

import pytest

from pharmcrm.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_open_resolve_and_close_a_ticket(page_as, org, book):
    page = page_as(org.rep_pd1)
    page.goto_path(f"/customers/{book.pd1.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=tab-tickets]")
    assert page.locator("[data-testid=tickets-empty]").count() == 1
    with page.expect_navigation():
        page.click("[data-testid=new-ticket]")
    page.wait_for_url(re.compile(rf"/customers/{book.pd1.pk}/tickets/new/"))
    page.select_option("#id_type", "complaint")
    page.select_option("#id_priority", "high")
    page.fill("#id_description", "到货外包装破损6盒")
    with page.expect_navigation():
        page.click("[data-testid=save]")  # no title: an error in Chinese, the description kept
    assert "标题" in page.locator("[data-testid=error-title]").inner_text()
    assert page.input_value("#id_description") == "到货外包装破损6盒"
    page.fill("#id_title", "外包装破损要求换货")
    with page.expect_navigation():
        page.click("[data-testid=save]")
    ticket = Ticket.objects.get()
    page.wait_for_url(re.compile(rf"/tickets/{ticket.pk}/$"))
    assert ticket.number in page.inner_text("[data-testid=ticket-number]")
    assert page.locator("[data-testid=close-form]").count() == 0  # only the legal actions

    page.fill("#resolve-resolution", "已安排换货，新货已签收")
    with page.expect_navigation():
        page.click("[data-testid=action-resolve]")
    assert page.locator("[data-testid=resolve-form]").count() == 0
    assert "已安排换货" in page.inner_text("[data-testid=resolution]")

    page.select_option("#close-satisfaction", "4")
    page.fill("#close-comment", "处理及时")
    page.click("[data-testid=action-close]")
    page.locator("#confirm-dialog").wait_for(state="visible")
    with page.expect_navigation():
        page.locator("#confirm-dialog [data-role=ok]").click()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction, ticket.satisfaction_comment) == ("closed", 4, "处理及时")
    assert "4/5" in page.inner_text("[data-testid=satisfaction]")
    kinds = page.locator("[data-testid=ticket-timeline] li").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds == ["created", "resolved", "closed"]
    assert page.locator("[data-testid=reopen-form]").count() == 1

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, width
