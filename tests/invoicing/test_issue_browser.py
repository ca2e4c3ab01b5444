"""Browser: finance opens the issue screen from the customer's 发票 tab, selects one stored balance
whole and part of another, previews the totals, confirms, and lands on the invoice page; the
ledger shows what is left. Usable at 375 px."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pharmcrm.invoicing import services
from pharmcrm.invoicing.models import Invoice
from tests.factories import make_customer, make_share
from tests.invoicing.helpers import make_product, profile, sale

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.parametrize("width", [1440, 375])
def test_finance_issues_an_invoice_from_stored_balances(page_as, org, width):
    c = make_customer(org.rep_pd1, "浦东开票测试医药公司")
    make_share(c, user=org.finance)  # finance opens the customer page (its ledger it sees anyway)
    profile(c, title="浦东开票测试医药公司")
    a = sale(c, make_product("头孢克肟片"), "12.5", "10").entry
    b = sale(c, make_product("阿莫西林胶囊"), "3.3333", "3", amount="10.00").entry
    page = page_as(org.finance, width=width, height=900)
    page.goto_path(f"/customers/{c.pk}/?tab=invoices")
    assert page.locator("[data-testid=ledger-row]").count() == 2
    with page.expect_navigation():
        page.click("[data-testid=issue-invoice]")
    assert page.locator("#f-title").input_value() == "浦东开票测试医药公司"
    page.check(f"input[name=sel_{a.pk}]")
    page.check(f"input[name=sel_{b.pk}]")
    page.fill(f"input[name=qty_{b.pk}]", "1")
    page.fill("#f-no", "44556677")
    with page.expect_navigation():
        page.click("[data-testid=preview-btn]")
    assert page.locator("[data-testid=preview-total]").inner_text().strip() == "¥128.33"
    if width == 375:
        assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    with page.expect_navigation():
        page.click("[data-testid=confirm-btn]")
    page.wait_for_url(re.compile(r"/invoicing/invoices/\d+/$"))
    inv = Invoice.objects.get()
    assert inv.amount == Decimal("128.33") and inv.tax_invoice_number == "44556677"
    assert page.locator("[data-testid=invoice-number]").inner_text().startswith(inv.number)
    assert services.check_invariant() == []
    page.goto_path(f"/customers/{c.pk}/?tab=invoices")
    assert "¥6.67" in page.locator("[data-testid=ledger-open-total]").inner_text()
