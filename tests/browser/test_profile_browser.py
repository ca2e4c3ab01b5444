"""Browser: a rep opens a customer, adds shipping addresses (dialog, region picker), makes the second
the default, fills the invoicing data (prefilled from the customer); the profile pages open cleanly
at 375 px and 1440 px."""

from __future__ import annotations

import pytest

from pharmcrm.customers.models import InvoiceProfile, ShippingAddress
from tests.factories import VALID_CREDIT_CODE, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]



@pytest.fixture
def agent(org, regions):
    return make_customer(org.rep_pd1, "浦东新药代理有限公司", type="agent", credit_code=VALID_CREDIT_CODE,
                         address="上海市浦东新区张江路1号", phone="021-50001234")


def _pick_region(page, base: str, province: str, city_or_district: str, district: str | None = None):
    page.select_option(f"#{base}", province)
    page.wait_for_selector(f"#{base}_1:not([hidden]) option[value='{city_or_district}']", state="attached")
    page.select_option(f"#{base}_1", city_or_district)
    if district:
        page.wait_for_selector(f"#{base}_2:not([hidden]) option[value='{district}']", state="attached")
        page.select_option(f"#{base}_2", district)


def _add_address(page, receiver: str, phone: str, district: str, address: str):
    page.click("[data-testid=add-address]")
    dialog = page.locator("#profile-addresses-slot dialog[open]")
    dialog.wait_for(state="visible")
    dialog.locator("[name=receiver]").fill(receiver)
    dialog.locator("[name=phone]").fill(phone)
    _pick_region(page, "id_addresses_region_code", "310000", district)
    dialog.locator("[name=address]").fill(address)
    dialog.locator("[data-testid=profile-save]").click()
    page.locator("#profile-addresses [data-testid=address]", has_text=receiver).wait_for()


def test_rep_adds_addresses_switches_default_and_fills_invoicing_data(page_as, org, agent):
    page = page_as(org.rep_pd1)
    page.goto_path(f"/customers/{agent.pk}/")
    assert "尚未添加发货地址" in page.locator("#profile-addresses").inner_text()
    assert "0 / 7" in page.locator("[data-testid=completeness-count]").inner_text()

    # a bad phone number: the dialog stays open with the error under the field, input kept
    page.click("[data-testid=add-address]")
    dialog = page.locator("#profile-addresses-slot dialog[open]")
    dialog.wait_for(state="visible")
    dialog.locator("[name=receiver]").fill("王仓管")
    dialog.locator("[name=phone]").fill("12345")
    _pick_region(page, "id_addresses_region_code", "310000", "310115")
    dialog.locator("[name=address]").fill("上海市浦东新区张江路1号")
    dialog.locator("[data-testid=profile-save]").click()
    error = page.locator("#profile-addresses-slot dialog[open] [data-testid=error-phone]")
    error.wait_for()
    assert "手机号" in error.inner_text()
    dialog = page.locator("#profile-addresses-slot dialog[open]")
    assert dialog.locator("[name=receiver]").input_value() == "王仓管"
    dialog.locator("[name=phone]").fill("13812345678")
    dialog.locator("[data-testid=profile-save]").click()
    page.locator("#profile-addresses [data-testid=address]", has_text="王仓管").wait_for()
    assert not page.locator("dialog[open]").count()
    first = ShippingAddress.objects.get(receiver="王仓管")
    assert first.is_default and first.region_code == "310115"
    assert "1 / 7" in page.locator("[data-testid=completeness-count]").inner_text()  # updated out of band

    # a second address, then make it the default
    _add_address(page, "李四", "021-68881234", "310104", "上海市徐汇区肇嘉浜路100号")
    row = page.locator("#profile-addresses [data-testid=address]", has_text="李四")
    row.locator("[data-testid=make-default]").click()
    page.locator("#profile-addresses [data-testid=address]", has_text="李四").locator(
        "[data-testid=default-tag]").wait_for()
    second = ShippingAddress.objects.get(receiver="李四")
    assert second.is_default and not ShippingAddress.objects.get(pk=first.pk).is_default

    # invoicing data: the form starts from the customer's name and credit code
    page.click("[data-testid=edit-invoice]")
    dialog = page.locator("#profile-invoice-slot dialog[open]")
    dialog.wait_for(state="visible")
    assert dialog.locator("[name=title]").input_value() == agent.name
    assert dialog.locator("[name=taxpayer_id]").input_value() == VALID_CREDIT_CODE
    dialog.locator("[name=bank]").fill("招商银行上海张江支行")
    dialog.locator("[name=account]").fill("6214 8301 2345 6789")
    dialog.locator("[name=invoice_type]").select_option("vat_special")
    dialog.locator("[data-testid=profile-save]").click()
    page.locator("#profile-invoice [data-testid=invoice-title]").wait_for()
    profile = InvoiceProfile.objects.get(customer=agent)
    assert (profile.taxpayer_id, profile.account, profile.invoice_type) == (
        VALID_CREDIT_CODE, "6214830123456789", "vat_special")
    assert "招商银行上海张江支行" in page.locator("#profile-invoice").inner_text()

    # deactivating asks first
    row = page.locator("#profile-addresses [data-testid=address]", has_text="王仓管")
    row.locator("[data-testid=deactivate-address]").click()
    page.locator("#confirm-dialog [data-role=ok]").click()
    page.locator("#profile-addresses [data-testid=inactive-address]").wait_for(state="attached")
    assert not ShippingAddress.objects.get(pk=first.pk).is_active


@pytest.mark.parametrize("width", [375, 1440])
def test_profile_pages_open_cleanly(page_as, org, agent, width):
    from tests.customers.profile_helpers import fill_profile

    fill_profile(org.rep_pd1, agent)
    hospital = make_customer(org.rep_pd1, "浦东人民医院", type="hospital", hospital_grade="3A", beds=900,
                             ownership="public")
    chain = make_customer(org.rep_pd1, "老百姓大药房连锁", type="chain")
    store = make_customer(org.rep_pd1, "老百姓大药房（张江店）", type="pharmacy", parent_chain=chain)
    page = page_as(org.rep_pd1, width=width)
    paths = [f"/customers/{agent.pk}/", f"/customers/{hospital.pk}/", f"/customers/{chain.pk}/",
             f"/customers/{store.pk}/", f"/customers/{agent.pk}/profile/invoice/",
             f"/customers/{agent.pk}/profile/addresses/new/", f"/customers/{agent.pk}/profile/key-accounts/new/",
             f"/customers/{store.pk}/profile/head-office/", f"/customers/{hospital.pk}/edit/"]
    for path in paths:
        resp = page.goto_path(path)
        assert resp.status < 400, (path, resp.status)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {width}px viewport"
    # the dialogs fit a phone too
    page.goto_path(f"/customers/{agent.pk}/")
    page.click("[data-testid=add-key-account]")
    dialog = page.locator("#profile-key_accounts-slot dialog[open]")
    dialog.wait_for(state="visible")
    box = dialog.bounding_box()
    assert box["width"] <= width
    # the hospital fields show only for hospitals and clinics in the customer form
    page.goto_path(f"/customers/{hospital.pk}/edit/")
    assert page.locator("[data-field=beds]").is_visible()
    page.select_option("#id_type", "agent")
    assert not page.locator("[data-field=beds]").is_visible()
