"""Browser: a warehouse clerk posts a stock-in receipt with two lines (product picker, an extra
line added and removed, the confirmation) and sees the batches in the stock list, nearest expiry
first; no horizontal scroll at 375 px on the stock list."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_user
from tests.inventory.helpers import days, make_product, make_warehouse

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _pick(row, page, name: str, product_id: int) -> None:
    sel = row.locator("select[name=line-product]")
    sel.focus()  # the search box is added on first use
    box = row.locator("input.select-search")
    box.focus()
    page.keyboard.type(name)
    handle = sel.element_handle()
    page.wait_for_function("([s, v]) => s.value === v", arg=[handle, str(product_id)])


def test_post_a_receipt_and_see_the_batches_nearest_expiry_first(page_as, org):
    keeper = make_user("keeper_b", department=org.hq, roles=("warehouse",), full_name="仓管老蒋")
    wh = make_warehouse("SH01", "上海总仓")
    far_p = make_product("阿莫西林胶囊")
    near_p = make_product("头孢克肟片")
    page = page_as(keeper)
    page.goto_path("/inventory/receipts/new/")
    assert page.locator("#id_received_on").input_value() == days(0).isoformat()
    page.select_option("#id_warehouse", str(wh.pk))
    page.fill("#id_supplier", "国药控股股份有限公司")
    rows = page.locator("[data-testid=receipt-line]")
    page.click("[data-testid=add-line]")
    assert rows.count() == 3
    rows.nth(2).locator("[data-remove-line]").click()
    assert rows.count() == 2
    first, second = rows.nth(0), rows.nth(1)
    _pick(first, page, "阿莫西林", far_p.pk)
    first.locator("[name=line-batch_no]").fill("F250101")
    first.locator("[name=line-expiry_date]").fill(days(700).isoformat())
    first.locator("[name=line-quantity]").fill("120")
    _pick(second, page, "头孢克肟", near_p.pk)
    second.locator("[name=line-batch_no]").fill("N240301")
    second.locator("[name=line-production_date]").fill(days(-600).isoformat())
    second.locator("[name=line-expiry_date]").fill(days(40).isoformat())
    second.locator("[name=line-quantity]").fill("12.5")
    page.click("[data-testid=save]")
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    with page.expect_navigation():
        dialog.locator("[data-role=ok]").click()
    assert re.search(r"/inventory/receipts/\d+/$", page.url)
    doc = page.locator("[data-testid=receipt-doc]").inner_text()
    assert "RK-" in doc and "F250101" in doc and "N240301" in doc
    with page.expect_navigation():
        page.locator("[data-nav=inventory]").first.click()
    batches = page.locator("[data-testid=stock-row]")
    assert [batches.nth(i).get_attribute("data-batch") for i in range(batches.count())] == ["N240301", "F250101"]
    assert "table-warning" in (batches.nth(0).get_attribute("class") or "")  # near expiry is highlighted
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
