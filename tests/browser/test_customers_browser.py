"""Browser acceptance: log in as rep and head, see the right customers, create with an inline
validation error fixed, share, transfer; every page at 375 px and 1440 px as each role."""

import re

import pytest

from pharmcrm.customers.models import Customer, CustomerShare
from tests.factories import VALID_CREDIT_CODE, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def book(org):
    class Book:
        pass

    b = Book()
    b.pd1 = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active", grade="A")
    b.pd1b = make_customer(org.rep_pd1, "张江中医药有限公司", type="agent")
    b.pd2 = make_customer(org.rep_pd2, "国药控股上海有限公司", type="distributor")
    b.px = make_customer(org.rep_px, "老百姓大药房", type="pharmacy")
    b.gz = make_customer(org.rep_gz, "广州医药有限公司", type="distributor")
    return b


def _names_in_table(page):
    return set(page.locator("[data-testid=customer-table] td.col-name a").all_inner_texts())


def test_rep_and_head_see_the_right_customers(page_as, org, book):
    page = page_as(org.rep_pd1)
    page.goto_path("/customers/")
    assert _names_in_table(page) == {"上海仁济医院", "张江中医药有限公司"}
    # search by pinyin initials from the filter bar
    page.fill("#f-q", "zjzyy")
    page.locator("[data-testid=filters] button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=zjzyy"))
    assert _names_in_table(page) == {"张江中医药有限公司"}

    page = page_as(org.sh_head)
    page.goto_path("/customers/")
    assert _names_in_table(page) == {"上海仁济医院", "张江中医药有限公司", "国药控股上海有限公司", "老百姓大药房"}
    # row click opens the detail
    page.locator("[data-testid=customer-table] tr[data-href] td").nth(4).click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert page.locator("[data-testid=customer-name]").inner_text() in {
        "上海仁济医院", "张江中医药有限公司", "国药控股上海有限公司", "老百姓大药房"}


def test_create_with_inline_error_share_and_transfer(page_as, org, book):
    page = page_as(org.rep_pd1)
    page.goto_path("/customers/")
    page.click("[data-testid=new-customer]")
    page.fill("#id_name", "浦东新药代理有限公司")
    page.select_option("#id_type", "agent")
    page.fill("#id_address", "上海市浦东新区张江路1号")
    bad = VALID_CREDIT_CODE[:-1] + ("0" if VALID_CREDIT_CODE[-1] != "0" else "1")
    page.fill("#id_credit_code", bad)
    page.click("[data-testid=save]")
    error = page.locator("[data-testid=error-credit_code]")
    assert "统一社会信用代码应为18位，校验位不正确" in error.inner_text()
    assert page.locator("[data-testid=error-summary]").is_visible()
    assert page.input_value("#id_name") == "浦东新药代理有限公司"       # what was typed is kept
    assert page.input_value("#id_address") == "上海市浦东新区张江路1号"
    assert not Customer.objects.filter(name="浦东新药代理有限公司").exists()
    page.fill("#id_credit_code", VALID_CREDIT_CODE)
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get(name="浦东新药代理有限公司")
    assert customer.credit_code == VALID_CREDIT_CODE and customer.owner == org.rep_pd1

    # share it with 王芳 (read-write) through the dialog
    page.click("[data-testid=share]")
    dialog = page.locator("#share-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("select[name=target]").select_option(f"u:{org.rep_px.pk}")
    dialog.locator("input[name=access][value=write]").check()
    dialog.locator("[data-testid=share-submit]").click()
    page.locator("#shares-panel table").get_by_text("王芳").wait_for()
    assert not page.locator("#share-dialog").is_visible()
    assert CustomerShare.objects.filter(customer=customer, user=org.rep_px, access="write").exists()

    # the head transfers it to 李娜
    page = page_as(org.pd_head)
    page.goto_path(f"/customers/{customer.pk}/")
    page.click("[data-testid=transfer]")
    page.wait_for_url(re.compile(r"/customers/transfer/"))
    page.select_option("#to-all", str(org.rep_pd2.pk))
    page.click("[data-testid=transfer-next]")
    summary = page.locator("[data-testid=transfer-summary]")
    assert "将 1 个客户及其全部跟进记录转移给 李娜" in summary.inner_text()
    customer.refresh_from_db()
    assert customer.owner == org.rep_pd1
    page.click("[data-testid=confirm-transfer]")
    page.wait_for_url(re.compile(r"/customers/$"))
    assert "已转移 1 个客户" in page.content()
    customer.refresh_from_db()
    assert customer.owner == org.rep_pd2


def test_delete_asks_for_confirmation_and_restore(page_as, org, book):
    page = page_as(org.rep_pd1)
    page.goto_path(f"/customers/{book.pd1b.pk}/")
    page.click("[data-testid=delete]")
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "回收站" in dialog.inner_text()
    page.keyboard.press("Escape")                     # Esc closes, nothing happens
    dialog.wait_for(state="hidden")
    assert Customer.objects.get(pk=book.pd1b.pk).deleted_at is None
    page.click("[data-testid=delete]")
    dialog.locator("[data-role=ok]").click()
    page.wait_for_url(re.compile(r"/customers/$"))
    assert Customer.objects.get(pk=book.pd1b.pk).deleted_at is not None
    page.goto_path("/customers/recycle-bin/")
    page.click("[data-testid=restore]")
    page.locator("#confirm-dialog [data-role=ok]").click()
    page.wait_for_url(re.compile(rf"/customers/{book.pd1b.pk}/$"))
    assert Customer.objects.get(pk=book.pd1b.pk).deleted_at is None


def test_bulk_select_goes_to_transfer(page_as, org, book):
    page = page_as(org.sh_head)
    page.goto_path("/customers/?sort=name")
    boxes = page.locator("input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert page.locator("[data-bulk-count]").inner_text() == "2"
    page.click("[data-testid=bulk-transfer]")
    page.wait_for_url(re.compile(r"/customers/transfer/\?mode=selected"))
    assert page.locator("select[data-successor]").count() == 2


PAGES_ALL = ["/", "/customers/", "/customers/?q=shanghai&status=active&sort=-name&size=50", "/customers/new/",
             "/customers/recycle-bin/", "/search/?q=仁济", "/search/",
             "/catalog/", "/catalog/?q=amxl&status=active&sort=-name",  # products: tests/catalog/test_catalog_browser.py
             "/agreements/", "/agreements/?status=active&region=330000&expiring=30",
             "/agreements/new/",  # agreement pages with data: tests/agency/test_agency_browser.py
             "/customers/conflicts/", "/customers/duplicate-check/?name=上海仁济医院",  # conflict pages with data:
             ]  # tests/browser/test_conflicts_browser.py


@pytest.mark.parametrize("width", [375, 1440])
@pytest.mark.parametrize("who", ["rep_pd1", "sh_head", "admin"])
def test_every_page_opens_cleanly(page_as, org, book, who, width):
    user = getattr(org, who)
    page = page_as(user, width=width)
    paths = list(PAGES_ALL)
    paths += [f"/customers/{book.pd1.pk}/", f"/customers/{book.pd1.pk}/?tab=shares",
              f"/customers/{book.pd1.pk}/?tab=shares&add=1", f"/customers/{book.pd1.pk}/?tab=history",
              f"/customers/{book.pd1.pk}/edit/", f"/customers/{book.pd1b.pk}/?tab=agreements",
              # the 360° profile's forms (without JavaScript they are pages of their own)
              f"/customers/{book.pd1.pk}/profile/invoice/", f"/customers/{book.pd1b.pk}/profile/addresses/new/",
              f"/customers/{book.pd1b.pk}/profile/key-accounts/new/"]
    # qualifications (首营资料): tests/qualifications/test_browser.py opens the document pages
    paths += [f"/customers/{book.pd1.pk}/?tab=qualifications", "/qualifications/expiring/",
              f"/customers/{book.pd1.pk}/qualifications/new/?type=practice_licence"]
    # contacts (联系人): tests/contacts/test_contacts_browser.py opens every contact page too
    from tests.contacts.conftest import new_contact

    contact = new_contact(org.rep_pd1, book.pd1, "王建华", mobile="13800138000")
    paths += ["/contacts/", "/contacts/new/", "/contacts/recycle-bin/", f"/contacts/{contact.pk}/",
              f"/contacts/{contact.pk}/edit/", f"/customers/{book.pd1.pk}/?tab=contacts"]
    if user.is_head or user.is_admin:
        paths += ["/customers/transfer/", f"/customers/transfer/?mode=selected&ids={book.pd1.pk}&ids={book.pd1b.pk}"]
    for path in paths:
        resp = page.goto_path(path)
        assert resp.status < 400, (path, resp.status)
        assert page.locator("main#main").count() == 1, path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {width}px viewport"
    # the 404 page is friendly and framed
    resp = page.goto_path("/customers/999999/")
    assert resp.status == 404 and page.locator(".app-error").is_visible()
    assert page.locator(".app-sidebar, .app-bottombar").first.count() == 1


def test_navigation_collapses_to_bottom_bar_on_phones(page_as, org):
    page = page_as(org.rep_pd1, width=375)
    page.goto_path("/")
    assert not page.locator(".app-sidebar").is_visible()
    assert page.locator(".app-bottombar").is_visible()
    page.locator(".app-bottombar a", has_text="客户").click()
    page.wait_for_url(re.compile(r"/customers/$"))
    # five at most fit: the rest sit behind 更多, which is marked when one of them is open
    visible = page.locator(".app-bottombar > .app-bottom-link, .app-bottom-more > .app-bottom-link")
    assert visible.count() <= 5
    more = page.locator("[data-testid=bottom-more]")
    assert more.count() == 1  # a rep has more than five areas (calendar, tickets, products, …)
    more.click()
    item = page.locator(".app-bottom-menu a").first
    assert item.is_visible()
    target = item.get_attribute("href")
    with page.expect_navigation():
        item.click()
    assert page.url.endswith(target) and "active" in (more.get_attribute("class") or "")
    page = page_as(org.rep_pd1, width=1440)
    page.goto_path("/")
    assert page.locator(".app-sidebar").is_visible() and not page.locator(".app-bottombar").is_visible()
    page.click("[data-action=toggle-sidebar]")
    page.wait_for_function("document.querySelector('.app-sidebar').getBoundingClientRect().width < 100")


def test_login_rejects_inactive_user_with_a_clear_message(page_as, org):
    from pharmcrm.org.models import User

    User.objects.filter(pk=org.rep_pd2.pk).update(is_active=False)
    page = page_as(org.rep_pd2, login=False)
    page.goto_path("/accounts/login/")
    page.fill("input[name=username]", "rep_pd2")
    page.fill("input[name=password]", "secret-pw-1")
    page.click("form button[type=submit]")
    assert "账号已停用" in page.locator("[data-testid=login-error]").inner_text()
