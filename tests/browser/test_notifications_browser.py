"""Browser: a customer shared with a rep rings the bell; the rep opens the notification centre,
opens the notification with the keyboard (it goes to the customer and is read), and the page
works at 375 px wide."""

import re

import pytest

from pharmcrm.customers import services
from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.parametrize("width", [1440, 375])
def test_bell_list_and_open(page_as, org, width):
    customer = make_customer(org.rep_pd1, "上海仁济医院")
    services.share_create(actor=org.rep_pd1, customer_id=customer.pk, user_id=org.rep_gz.pk)  # commits: notifies
    page = page_as(org.rep_gz, width=width, height=800)
    page.goto_path("/")
    bell = page.locator("[data-testid=notification-bell]")
    assert bell.is_visible()
    assert page.locator("[data-testid=notification-badge]").inner_text() == "1"
    bell.click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    item = page.locator("[data-testid=notification]")
    assert item.count() == 1
    assert "张伟 将客户“上海仁济医院”共享给了您（只读）。" in item.inner_text()
    assert "未读" in item.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/nt_notifications_{width}.png", full_page=True)
    item.locator("button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/customers/{customer.pk}/")
    assert page.locator("[data-testid=notification-badge]").count() == 0
    page.goto_path("/notifications/?show=unread")
    assert page.locator("[data-testid=notifications-empty]").is_visible()
