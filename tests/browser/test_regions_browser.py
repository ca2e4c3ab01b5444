"""Browser: the cascading region picker on the customer form (浙江省 → 杭州市 → 西湖区), the
municipality and leaf quirks, the search box, the keyboard, and the region filter of the list."""

import re

import pytest

from pharmcrm.customers.models import Customer
from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

P0, P1, P2 = "#id_region_code", "#id_region_code_1", "#id_region_code_2"



def _wait_options(page, selector, code):
    page.wait_for_selector(f"{selector}:not([hidden]) option[value='{code}']", state="attached")


def test_choose_zhejiang_hangzhou_xihu_in_the_customer_form(page_as, org, regions):
    page = page_as(org.rep_pd1)
    page.goto_path("/customers/new/")
    page.fill("#id_name", "杭州西湖医药有限公司")
    page.select_option("#id_type", "agent")
    assert page.locator(P1).is_hidden() and page.locator(P2).is_hidden()
    page.select_option(P0, "330000")
    _wait_options(page, P1, "330100")
    assert page.locator(P2).is_hidden()
    page.select_option(P1, "330100")
    _wait_options(page, P2, "330106")
    page.select_option(P2, "330106")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get(name="杭州西湖医药有限公司")
    assert customer.region_code == "330106"
    assert "浙江省 杭州市 西湖区" in page.locator("[data-testid=overview]").inner_text()

    # editing shows the path; changing the province resets the levels below it
    page.click("[data-testid=edit]")
    page.wait_for_url(re.compile(r"/edit/$"))
    assert [page.input_value(s) for s in (P0, P1, P2)] == ["330000", "330100", "330106"]
    page.select_option(P0, "110000")  # a municipality: its districts come next, no 市辖区 step
    _wait_options(page, P1, "110101")
    assert page.locator(P2).is_hidden()
    assert page.locator(f"{P1} option").first.inner_text() == "区/县"
    page.select_option(P1, "110101")
    assert page.locator(P2).is_hidden()
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer.refresh_from_db()
    assert customer.region_code == "110101"

    # a city without counties is a leaf; a province-level choice is fine too
    page.click("[data-testid=edit]")
    page.select_option(P0, "440000")
    _wait_options(page, P1, "441900")
    page.select_option(P1, "441900")
    assert page.locator(P2).is_hidden()
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer.refresh_from_db()
    assert customer.region_code == "441900"
    page.click("[data-testid=edit]")
    page.select_option(P0, "420000")
    _wait_options(page, P1, "429004")  # 仙桃: under the province, in its own group
    assert page.locator(f"{P1} optgroup option[value='429004']").count() == 1
    page.select_option(P0, "810000")
    page.wait_for_timeout(200)
    assert page.locator(P1).is_hidden()
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer.refresh_from_db()
    assert customer.region_code == "810000"


def test_search_box_and_keyboard(page_as, org, regions):
    page = page_as(org.rep_pd1)
    page.goto_path("/customers/new/")
    search = page.locator("[data-region-search]")
    assert search.is_visible()
    search.fill("浙江省 杭州市 西湖区")
    _wait_options(page, P2, "330106")
    page.wait_for_function("document.querySelector('#id_region_code_2').value === '330106'")
    assert [page.input_value(s) for s in (P0, P1, P2)] == ["330000", "330100", "330106"]
    # the keyboard: a focused select changes with the arrow keys and the next level follows
    page.focus(P0)
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    _wait_options(page, P1, "110101")
    assert page.input_value(P0) == "110000" and page.locator(P2).is_hidden()


def test_region_filter_on_the_list(page_as, org, regions):
    make_customer(org.rep_pd1, "西湖客户", region_code="330106")
    make_customer(org.rep_pd1, "宁波客户", region_code="330203")
    make_customer(org.rep_pd1, "北京客户", region_code="110101")
    page = page_as(org.rep_pd1)
    page.goto_path("/customers/")
    page.select_option("#id_region", "330000")
    _wait_options(page, "#id_region_1", "330100")
    page.select_option("#id_region_1", "330100")
    page.locator("[data-testid=filters] button[type=submit]").click()
    page.wait_for_url(re.compile(r"region=330100"))
    assert "region_0" not in page.url  # one clean parameter
    names = set(page.locator("[data-testid=customer-table] td.col-name a").all_inner_texts())
    assert names == {"西湖客户"}
    assert page.input_value("#id_region") == "330000" and page.input_value("#id_region_1") == "330100"
    page.select_option("#id_region", "330000")  # back to the whole province
    page.locator("[data-testid=filters] button[type=submit]").click()
    page.wait_for_url(re.compile(r"region=330000"))
    names = set(page.locator("[data-testid=customer-table] td.col-name a").all_inner_texts())
    assert names == {"西湖客户", "宁波客户"}
