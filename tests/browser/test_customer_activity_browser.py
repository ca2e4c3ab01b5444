"""Browser: the customer header's key figures and the 动态 (activity) tab at 375 px and 1440 px."""

import re

import pytest

from pharmcrm.customers import services

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.parametrize("width", [375, 1440])
def test_key_figures_and_activity_tab(page_as, org, width):
    from tests.contacts.conftest import new_contact

    c = services.customer_create(actor=org.rep_pd1, data={"name": "浦东康健医药有限公司", "type": "agent"})
    services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"phone": "021-58881234"})
    share = services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_gz.pk)
    services.share_delete(actor=org.rep_pd1, customer_id=c.pk, share_id=share.pk)
    new_contact(org.rep_pd1, c, "王建华")
    page = page_as(org.rep_pd1, width=width)
    page.goto_path(f"/customers/{c.pk}/")
    figures = page.locator("[data-testid=key-figures]")
    assert figures.is_visible()
    assert page.locator("[data-testid=figure-contacts] dd").inner_text() == "1"
    value_class = page.locator("[data-testid=figure-value_class]")
    assert value_class.locator("dd").inner_text().startswith("—")
    assert value_class.get_attribute("title") == "有订单后自动计算"
    assert page.locator("[data-testid=figure-qualifications] dd").inner_text() == "缺失"
    # the figures stay inside the header on a phone (three a row) and on a desktop (one row)
    head = page.locator(".detail-head").bounding_box()
    box = figures.bounding_box()
    assert box["x"] >= head["x"] and box["x"] + box["width"] <= head["x"] + head["width"] + 1
    tops = {round(b["y"]) for b in (page.locator(".key-figure").nth(i).bounding_box() for i in range(3))}
    assert len(tops) == 1  # the first three sit side by side at either width

    page.locator("[data-testid=tab-activity]").click()
    page.wait_for_url(re.compile(r"tab=activity"))
    items = page.locator("[data-testid=activity] .activity-item")
    kinds = [items.nth(i).get_attribute("data-kind") for i in range(items.count())]
    assert kinds == ["contacts.join", "sharing.unshare", "sharing.share", "record.update", "record.create"]
    assert "王建华 入职" in items.first.inner_text()
    page.locator("[data-testid=activity-filter-sharing]").click()
    page.wait_for_url(re.compile(r"src=sharing"))
    assert page.locator("[data-testid=activity] .activity-item").count() == 2
    page.locator("[data-testid=activity-filter-agreements]").click()
    page.wait_for_url(re.compile(r"src=agreements"))
    assert page.locator("[data-testid=activity-empty]").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px wider than the {width}px viewport"


def test_older_entries_load_in_place(page_as, org):
    c = services.customer_create(actor=org.rep_pd1, data={"name": "浦东分页医药有限公司", "type": "agent"})
    for i in range(34):
        services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"phone": f"021-5888{i:04d}"})
    page = page_as(org.rep_pd1, width=375)
    page.goto_path(f"/customers/{c.pk}/?tab=activity")
    items = page.locator("#activity-list .activity-item")
    assert items.count() == 30
    page.locator("[data-testid=activity-older]").click()
    page.wait_for_function("document.querySelectorAll('#activity-list .activity-item').length === 35")
    assert "tab=activity" in page.url and "page=2" not in page.url  # loaded in place (htmx)
    assert page.locator("[data-testid=activity-older]").count() == 0
    assert items.last.get_attribute("data-kind") == "record.create"
