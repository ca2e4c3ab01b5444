"""Browser: a rep creates an agreement from the agent's page, adds a product (remote search) and a
region (cascading picker), tries to put it in force and sees the overlap refusal (without the
other agreement's details), moves the territory and puts it in force; the agreement pages open
cleanly at 375 px and 1440 px."""

from __future__ import annotations

import datetime
import re

import pytest

from pharmcrm.agency.models import AgencyAgreement
from tests.agency.helpers import make_agreement, make_product
from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def scene(org):
    class S:
        pass

    s = S()
    s.org = org
    s.agent = make_customer(org.rep_pd1, "浙江康源医药有限公司", type="agent", region_code="330100")
    s.other = make_customer(org.rep_gz, "广州南方医药有限公司", type="agent", region_code="440100")
    s.product = make_product("阿托伐他汀钙片", "20mg*7片")
    s.blocker = make_agreement(s.other, products=[s.product], regions=["330000"], number="GZ-SECRET-1",
                               activate=True)
    return s


def test_create_and_activate_with_the_overlap_refusal(page_as, scene):
    page = page_as(scene.org.rep_pd1)
    page.goto_path(f"/customers/{scene.agent.pk}/?tab=agreements")
    page.click("[data-testid=new-agreement]")
    page.wait_for_url(re.compile(r"/agreements/new/\?agent="))
    year = datetime.date.today().year + 1
    page.fill("#id_start_date", f"{year}-01-01")
    page.fill("#id_end_date", f"{year}-12-31")
    page.check("#id_exclusive")
    page.fill("#id_deposit_amount", "50000")
    page.fill("#id_rebate_terms", "年度完成任务量返利2%")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/agreements/\d+/$"))
    agreement = AgencyAgreement.objects.get(agent=scene.agent)
    assert agreement.exclusive and agreement.status == "draft"

    # a product, found with the remote search of the product select
    page.click("[data-testid=add-line]")
    dialog = page.locator("#line-dialog")
    dialog.wait_for(state="visible")
    dialog.locator(f"select[name=product] option[value='{scene.product.pk}']").wait_for(state="attached")
    dialog.locator("select[name=product]").select_option(str(scene.product.pk))
    dialog.locator("input[name=agency_price]").fill("12.5")
    dialog.locator("input[name=supply_price]").fill("15.8")
    dialog.locator("[data-testid=line-submit]").click()
    page.locator("[data-testid=lines]").get_by_text("阿托伐他汀钙片").wait_for()

    # a region with the cascading picker: 浙江省 → 杭州市
    page.click("[data-testid=add-region]")
    dialog = page.locator("#region-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("select[name=region_code_0]").select_option("330000")
    dialog.locator("select[name=region_code_1] option[value='330100']").wait_for(state="attached")
    dialog.locator("select[name=region_code_1]").select_option("330100")
    dialog.locator("[data-testid=region-submit]").click()
    page.locator("[data-testid=territory]").get_by_text("浙江省 杭州市").wait_for()
    assert page.locator("[data-testid=conflicts]").is_visible()  # the pre-check already warns

    # put in force: confirmation, then the refusal names nothing of the other agreement
    page.click("[data-testid=activate]")
    page.locator("#confirm-dialog").wait_for(state="visible")
    with page.expect_navigation():  # the form posts; the old page also shows the pre-check warning
        page.locator("#confirm-dialog [data-role=ok]").click()
    page.wait_for_load_state()
    conflicts = page.locator("[data-testid=conflicts]")
    conflicts.wait_for()
    text = conflicts.inner_text()
    assert "与另一份独家协议冲突（无权查看详情）" in text and "浙江省 杭州市" in text
    assert "GZ-SECRET-1" not in page.content() and "广州南方医药" not in page.content()
    agreement.refresh_from_db()
    assert agreement.status == "draft"

    # move the territory to 江苏省 and put it in force
    page.goto_path(f"/agreements/{agreement.pk}/")
    page.locator("[data-testid=territory] form button").click()
    with page.expect_navigation():
        page.locator("#confirm-dialog [data-role=ok]").click()
    page.wait_for_load_state()
    page.click("[data-testid=add-region]")
    dialog = page.locator("#region-dialog")
    dialog.locator("select[name=region_code_0]").select_option("320000")
    dialog.locator("[data-testid=region-submit]").click()
    page.locator("[data-testid=territory]").get_by_text("江苏省").wait_for()
    page.click("[data-testid=activate]")
    page.locator("#confirm-dialog [data-role=ok]").click()
    page.locator("[data-testid=agreement-status]").get_by_text("生效中").wait_for()
    agreement.refresh_from_db()
    assert agreement.status == "active"

    # terminate asks for a reason in a dialog
    page.click("[data-testid=terminate]")
    dialog = page.locator("#terminate-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("textarea[name=reason]").fill("代理商转型")
    dialog.locator("[data-testid=terminate-submit]").click()
    page.locator("[data-testid=agreement-status]").get_by_text("已终止").wait_for()


@pytest.mark.parametrize("width", [375, 1440])
def test_agreement_pages_open_cleanly(page_as, scene, width):
    mine = make_agreement(scene.agent, products=[scene.product], regions=["320100"], deposit_amount="1000")
    page = page_as(scene.org.rep_pd1, width=width)
    for path in ("/agreements/", "/agreements/?status=active&region=330000&exclusive=1&expiring=30",
                 "/agreements/new/", f"/agreements/new/?agent={scene.agent.pk}", f"/agreements/{mine.pk}/",
                 f"/agreements/{mine.pk}/edit/", f"/agreements/{mine.pk}/lines/{mine.lines.get().pk}/edit/",
                 f"/customers/{scene.agent.pk}/?tab=agreements"):
        resp = page.goto_path(path)
        assert resp.status < 400, (path, resp.status)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {width}px viewport"
    assert page.goto_path(f"/agreements/{scene.blocker.pk}/").status == 404
