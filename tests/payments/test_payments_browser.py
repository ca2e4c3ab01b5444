"""Browser: finance opens an approved order, records a payment from its 回款 card: typing the
amount proposes the allocations oldest order first (the rest shown as credit), finance keeps the
proposal and saves; the payment page lists the allocations and the order page shows what it
received and what is still outstanding. At 375 px the form and the ageing table stay usable."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from pharmcrm.payments.models import Payment
from pharmcrm.sales.models import SalesOrder
from tests.payments.conftest import order_for

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_finance_records_a_payment_with_the_proposal(page_as, org, pay):
    old = order_for(org.rep_pd1, pay.c1, "300", days_ago=50)
    new = order_for(org.rep_pd1, pay.c1, "200", days_ago=5)
    page = page_as(org.finance)
    page.goto_path(f"/orders/{new.pk}/")
    assert page.inner_text("[data-testid=order-outstanding]") == "¥200.00"
    with page.expect_navigation():
        page.click("[data-testid=record-payment]")
    rows = page.locator("[data-testid=open-order]").evaluate_all("els => els.map(e => e.dataset.number)")
    assert rows == [old.number, new.number]  # oldest approval first
    page.fill("[data-testid=amount]", "450")
    assert page.input_value(f"[name=alloc_{old.pk}]") == "300.00"
    assert page.input_value(f"[name=alloc_{new.pk}]") == "150.00"
    assert page.inner_text("[data-testid=credit-left]") == "¥0.00"
    page.fill("[data-testid=amount]", "520")  # more than owed: the rest is credit
    assert page.input_value(f"[name=alloc_{new.pk}]") == "200.00"
    assert page.inner_text("[data-testid=credit-left]") == "¥20.00"
    page.fill("#p-ref", "工行流水 2026112900001")
    with page.expect_navigation():
        page.click("[data-testid=save]")
    p = Payment.objects.get()
    page.wait_for_url(re.compile(rf"/payments/{p.pk}/$"))
    assert p.amount == Decimal("520") and p.unallocated == Decimal("20")
    assert page.locator("[data-testid=allocation-row]").count() == 2
    assert "¥20.00" in page.inner_text("[data-testid=payment-unallocated]")
    page.goto_path(f"/orders/{new.pk}/")
    assert page.inner_text("[data-testid=order-paid]") == "¥200.00"
    assert page.inner_text("[data-testid=order-outstanding]") == "¥0.00"
    assert p.number in page.inner_text("[data-testid=order-payments]")
    assert SalesOrder.objects.get(pk=old.pk).outstanding == 0

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto_path(f"/payments/new/?customer={pay.c1.pk}")
    assert page.locator("[data-testid=amount]").is_visible()
    page.goto_path("/receivables/")
    assert page.locator("[data-testid=ageing-empty]").count() == 1
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 380
