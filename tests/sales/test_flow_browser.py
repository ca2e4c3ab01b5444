"""Browser, the whole flow with four users (issue 5 acceptance): the rep drafts and submits an
order; finance approves it; the warehouse sees the FEFO batch, issues the outbound and ships;
finance records the customer's payment (oldest-first proposal) and issues the invoice from the
stored balance — the order closes by itself; then finance pre-invoices, the rep's second order is
approved and consumes the pre-invoice automatically, which its page shows."""

from __future__ import annotations

import re

import pytest

from pharmcrm.invoicing import services as invoicing
from pharmcrm.payments.models import Payment
from pharmcrm.sales.models import SalesOrder
from tests.invoicing.helpers import HEADER, profile

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _draft_and_submit(page, book, qty: str) -> SalesOrder:
    page.goto_path(f"/orders/new/?customer={book.pd1.pk}")
    page.focus("select.line-product")
    page.fill(".order-line .select-search", "阿托伐")
    page.locator(f"select.line-product option[value='{book.product.pk}']").wait_for(state="attached")
    page.select_option("select.line-product", str(book.product.pk))
    page.wait_for_function("document.querySelector('.line-price').value !== ''")
    page.fill(".line-qty", qty)
    with page.expect_navigation():
        page.click("[data-testid=save-submit]")
    return SalesOrder.objects.order_by("-pk").first()


def _approve(fin, order) -> None:
    fin.goto_path(f"/orders/{order.pk}/review/")
    with fin.expect_navigation():
        fin.click("[data-testid=action-approve]")


def test_four_users_take_an_order_to_closed_and_a_pre_invoice_is_consumed(page_as, org, book, stocked):
    from pharmcrm.org.models import RoleScope

    RoleScope.objects.get_or_create(role="finance", area="payments", defaults={"scope": "all"})
    profile(book.pd1)
    rep, fin, wh = page_as(org.rep_pd1), page_as(org.finance), page_as(book.keeper)

    order = _draft_and_submit(rep, book, "40")  # 40 × 12.50 = 500.00
    assert order.status == "submitted" and str(order.amount_total) == "500.00"
    _approve(fin, order)

    wh.goto_path(f"/orders/{order.pk}/outbound/")
    assert "B2401" in wh.locator("[data-testid=proposal]").first.inner_text()  # nearest expiry first
    with wh.expect_navigation():
        wh.click("[data-testid=confirm-outbound]")
    with wh.expect_navigation():
        wh.click("[data-testid=action-ship]")
    wh.fill("#s-carrier", "顺丰速运")
    wh.fill("#s-tracking", "SF0001")
    with wh.expect_navigation():
        wh.click("[data-testid=confirm-ship]")
    order.refresh_from_db()
    assert order.status == "shipped"

    # finance: the payment, allocated oldest first by the proposal
    fin.goto_path(f"/payments/new/?customer={book.pd1.pk}")
    fin.fill("[data-testid=amount]", "600.00")
    fin.click("[data-testid=propose]")
    assert fin.input_value(f"input[name=alloc_{order.pk}]") == "500.00"
    assert "100.00" in fin.inner_text("[data-testid=credit-left]")
    with fin.expect_navigation():
        fin.click("[data-testid=save]")
    pay = Payment.objects.get()
    assert pay.allocated_total == 500 and pay.amount == 600
    order.refresh_from_db()
    assert order.outstanding == 0 and order.status == "shipped"  # paid, not yet invoiced

    # finance: the invoice from the stored balance
    fin.goto_path(f"/invoicing/customers/{book.pd1.pk}/issue/")
    row = fin.locator("[data-testid=balance-row]")
    assert row.count() == 1 and order.number in row.inner_text()
    fin.locator("[data-testid=balance-row] input[type=checkbox]").check()
    fin.fill("#f-no", "12345678")
    fin.fill("#f-chain", "生产企业发票 87654321")
    with fin.expect_navigation():
        fin.click("[data-testid=preview-btn]")
    assert fin.locator("[data-testid=preview-total]").inner_text().strip() == "¥500.00"
    with fin.expect_navigation():
        fin.click("[data-testid=confirm-btn]")
    order.refresh_from_db()
    assert order.status == "closed"
    rep.goto_path(f"/orders/{order.pk}/")
    kinds = rep.locator("[data-testid=order-timeline] li").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds[-1] == "closed" and "payment" in kinds  # the payment's line, then closed

    # a pre-invoice; the rep's next order of that product consumes it when finance approves
    pre = invoicing.pre_invoice_issue(actor=org.finance, customer_id=book.pd1.pk,
                                      header={**HEADER, "invoice_chain": "生产企业发票 1"},
                                      lines=[{"product_id": book.product.pk, "unit_price": "12.5", "quantity": "50",
                                              "tax_rate": "13"}])
    second = _draft_and_submit(rep, book, "20")
    assert second.pk != order.pk
    _approve(fin, second)
    rep.goto_path(f"/orders/{second.pk}/")
    rep.wait_for_url(re.compile(rf"/orders/{second.pk}/$"))
    assert pre.number in rep.locator("main").inner_text()
