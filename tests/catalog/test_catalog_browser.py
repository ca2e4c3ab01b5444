"""Browser: the catalog pages open cleanly for every role at 375 px and 1440 px; a sales admin
creates a product (fixing an approval-number error inline), adds prices through the dialog and
ends one; a rep never sees a floor price."""

from __future__ import annotations

import datetime
import re

import pytest

from pharmcrm.catalog import services
from pharmcrm.catalog.models import Product, ProductPrice
from tests.catalog.conftest import product_data

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
D = datetime.date


@pytest.fixture
def shelf(cat):
    admin = cat.org.admin
    for kind, price in (("floor", "6.1234"), ("agency", "8.50"), ("supply", "10"), ("retail", "18.80")):
        services.price_create(actor=admin, product_id=cat.amox.pk, kind=kind, price=price, valid_from=D(2020, 1, 1))
    services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price="9.5", valid_from=D(2020, 1, 1),
                          region_code="310000")
    services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price="9.2", valid_from=D(2020, 1, 1),
                          customer_id=cat.cust_pd.pk)
    old = services.price_create(actor=admin, product_id=cat.met.pk, kind="agency", price="5",
                                valid_from=D(2019, 1, 1), valid_to=D(2019, 12, 31))
    services.price_void(actor=admin, price_id=old.pk, reason="录错")
    return cat


@pytest.mark.parametrize("width", [375, 1440])
@pytest.mark.parametrize("who", ["rep_pd1", "pd_head", "sales_admin", "admin"])
def test_every_catalog_page_opens_cleanly(page_as, shelf, who, width):
    user = shelf.sales_admin if who == "sales_admin" else getattr(shelf.org, who)
    page = page_as(user, width=width)
    amox, met = shelf.amox.pk, shelf.met.pk
    paths = ["/catalog/", "/catalog/?q=amxl&dosage_form=capsule&status=active&sort=-name&size=50",
             "/catalog/?q=没有", f"/catalog/{amox}/", f"/catalog/{amox}/?tab=prices", f"/catalog/{amox}/?tab=history",
             f"/catalog/{met}/?tab=prices"]
    if who in ("sales_admin", "admin"):
        retail = ProductPrice.objects.get(product_id=amox, kind="retail")
        paths += ["/catalog/new/", f"/catalog/{amox}/edit/", f"/catalog/prices/{retail.pk}/end/",
                  f"/catalog/prices/{retail.pk}/void/"]
    for path in paths:
        resp = page.goto_path(path)
        assert resp.status < 400, (path, resp.status)
        assert page.locator("main#main").count() == 1, path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {width}px viewport"
        if who == "rep_pd1":
            assert "6.1234" not in page.content(), path      # the floor price, anywhere
        elif path == f"/catalog/{amox}/?tab=prices":
            assert "6.1234" in page.content(), path
    # the navigation item
    nav = page.locator(".app-bottombar a" if width < 768 else ".app-sidebar a", has_text="产品")
    assert nav.count() == 1
    resp = page.goto_path("/catalog/999999/")
    assert resp.status == 404 and page.locator(".app-error").is_visible()


def test_sales_admin_creates_a_product_and_prices_it(page_as, shelf):
    page = page_as(shelf.sales_admin)
    page.goto_path("/catalog/")
    page.click("[data-testid=new-product]")
    data = product_data(generic_name="头孢克肟胶囊", trade_name="世福康", spec="0.1g x 6粒", approval_number="国药准字H2008351")
    for name in ("generic_name", "trade_name", "spec", "manufacturer", "approval_number"):
        page.fill(f"#id_{name}", data[name])
    page.select_option("#id_dosage_form", "capsule")
    page.select_option("#id_therapeutic_area", "anti_infective")
    page.click("[data-testid=save]")
    error = page.locator("[data-testid=error-approval_number]")
    assert "8位数字" in error.inner_text()
    assert page.input_value("#id_generic_name") == "头孢克肟胶囊"      # what was typed is kept
    page.fill("#id_approval_number", "国药准字 H20083519")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/catalog/\d+/\?tab=prices$"))
    product = Product.objects.get(generic_name="头孢克肟胶囊")
    assert product.spec == "0.1g×6粒" and product.approval_number == "国药准字H20083519"

    # add a price through the dialog: an error first (region missing), then fixed
    page.click("[data-testid=add-price]")
    dialog = page.locator("#price-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("select[name=kind]").select_option("supply")
    dialog.locator("input[name=price]").fill("19.8")
    dialog.locator("input[name=scope][value=region]").check()
    assert dialog.locator("[data-testid=region-region_code]").is_visible()
    assert not dialog.locator("[data-scope-field=customer]").is_visible()
    dialog.locator("input[name=valid_from]").fill("2025-01-01")
    dialog.locator("[data-testid=price-submit]").click()
    dialog = page.locator("#price-dialog")
    dialog.wait_for(state="visible")                                  # re-opened with the error
    assert dialog.locator("[data-testid=error-region_code]").is_visible()
    assert dialog.locator("input[name=price]").input_value() == "19.8"
    dialog.locator("select[name=region_code_0]").select_option("440000")  # 广东省
    dialog.locator("[data-testid=price-submit]").click()
    page.wait_for_url(re.compile(r"\?tab=prices$"))
    assert "¥19.80" in page.locator("[data-testid=prices-current]").inner_text()
    price = ProductPrice.objects.get(product=product)
    assert price.region_code == "440000"

    # end it
    page.click("[data-testid=end-price]")
    page.wait_for_url(re.compile(r"/catalog/prices/\d+/end/$"))
    page.fill("input[name=valid_to]", "2025-06-30")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"\?tab=prices$"))
    price.refresh_from_db()
    assert price.valid_to == D(2025, 6, 30)
    assert "¥19.80" in page.locator("[data-testid=prices-past]").inner_text()

    # discontinue asks first
    page.goto_path(f"/catalog/{product.pk}/")
    page.click("[data-testid=discontinue]")
    confirm = page.locator("#confirm-dialog")
    confirm.wait_for(state="visible")
    assert "停售" in confirm.inner_text()
    confirm.locator("[data-role=ok]").click()
    page.locator("[data-testid=reactivate]").wait_for()
    assert Product.objects.get(pk=product.pk).status == "discontinued"


def test_rep_searches_and_never_sees_the_floor_price(page_as, shelf):
    page = page_as(shelf.org.rep_pd1, width=375)
    page.goto_path("/catalog/")
    page.fill("#f-q", "amxl")
    page.locator("[data-testid=filters] button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=amxl"))
    rows = page.locator("[data-testid=product-table] tbody tr")
    assert rows.count() == 1
    rows.first.locator("td").first.click()
    page.wait_for_url(re.compile(r"/catalog/\d+/$"))
    page.click("[data-testid=tab-prices]")
    text = page.locator("[data-testid=prices-panel]").inner_text()
    assert "底价" not in page.locator("[data-testid=prices-current]").inner_text()
    assert "6.1234" not in page.content() and "¥9.20" in text and "上海浦东医药有限公司" in text
    assert page.locator("[data-testid=add-price]").count() == 0
