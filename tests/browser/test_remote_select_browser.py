"""Browser: the remote user selects (owner filter, transfer successor) at 375 px, by keyboard."""

import re

import pytest

from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.parametrize("width", [375, 1440])
def test_owner_filter_loads_matches_as_you_type(page_as, org, width):
    make_customer(org.rep_pd1, "上海仁济医院")
    make_customer(org.rep_px, "老百姓大药房")
    page = page_as(org.sh_head, width=width)
    page.goto_path("/customers/")
    sel = page.locator("#f-owner")
    # only the blank option is rendered; the first matches arrive from /lookup/users/
    box = page.locator("input.select-search[aria-controls=f-owner]")
    box.focus()
    page.keyboard.type("王芳")
    page.wait_for_function(
        "v => document.querySelector('#f-owner').value === v", arg=str(org.rep_px.pk))
    assert sel.locator("option[value]:not([value=''])").count() == 1
    page.keyboard.press("ArrowDown")  # into the select itself
    assert page.evaluate("document.activeElement.id") == "f-owner"
    page.locator("[data-testid=filters] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"owner={org.rep_px.pk}"))
    names = set(page.locator("[data-testid=customer-table] td.col-name a").all_inner_texts())
    assert names == {"老百姓大药房"}
    # after the reload the chosen owner is still selected, and a new search keeps it
    assert sel.input_value() == str(org.rep_px.pk)
    box = page.locator("input.select-search[aria-controls=f-owner]")
    box.fill("张")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#f-owner option')).some(o => o.text.indexOf('张伟') === 0)")
    assert sel.input_value() == str(org.rep_px.pk)


def test_transfer_all_with_remote_selects(page_as, org):
    make_customer(org.rep_pd1, "上海仁济医院")
    page = page_as(org.pd_head, width=375)
    page.goto_path("/customers/transfer/")
    page.locator("#id_from_user").select_option(str(org.rep_pd1.pk))
    page.locator("#id_to_user").select_option(str(org.rep_pd2.pk))
    box = page.locator("input.select-search[aria-controls=id_to_user]")
    box.fill("李")
    page.wait_for_function("() => document.querySelectorAll('#id_to_user option').length <= 2")
    assert page.locator("#id_to_user").input_value() == str(org.rep_pd2.pk)
