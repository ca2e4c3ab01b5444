"""Browser acceptance (issue 3): a rep opens a customer, adds a contact, moves them to another
company, and sees them as former on the old customer and current on the new one."""

from __future__ import annotations

import re

import pytest

from pharmcrm.contacts.models import Contact, Employment
from tests.contacts.conftest import new_contact
from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def book(org):
    class Book:
        pass

    b = Book()
    b.pd1 = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active", grade="A")
    b.pd1b = make_customer(org.rep_pd1, "张江中医药有限公司", type="agent")
    b.pd2 = make_customer(org.rep_pd2, "国药控股上海有限公司", type="distributor")
    return b


def test_add_a_contact_and_move_them_to_another_company(page_as, org, book):
    page = page_as(org.rep_pd1)
    page.goto_path(f"/customers/{book.pd1.pk}/")
    page.click("[data-testid=tab-contacts]")
    page.wait_for_url(re.compile(r"tab=contacts"))

    # add a contact inline; a bad mobile first: the error is shown, what was typed stays
    page.click("[data-testid=add-contact]")
    dialog = page.locator("#contact-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("#id_name").fill("王建华")
    dialog.locator("#id_title").fill("药剂科主任")
    dialog.locator("#id_role").select_option("pharmacy_director")
    dialog.locator("#id_mobile").fill("1380013800")
    dialog.locator("[data-testid=contact-submit]").click()
    assert "请输入以1开头的11位手机号" in page.locator("[data-testid=error-mobile]").inner_text()
    assert page.input_value("#id_name") == "王建华"
    page.fill("#id_mobile", "138 0013 8000")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(rf"/customers/{book.pd1.pk}/\?tab=contacts"))
    contact = Contact.objects.get(name="王建华")
    assert contact.mobile == "13800138000"
    row = page.locator(f"[data-testid=contact-row-{contact.pk}]")
    assert "药剂科主任" in row.inner_text()

    # 调往其他公司: the contact page opens with the move dialog; pick the new company by typing
    page.click(f"[data-testid=move-{contact.pk}]")
    dialog = page.locator("#move-dialog")
    dialog.wait_for(state="visible")
    search = dialog.locator(".select-search")
    search.fill("张江")
    page.wait_for_function(
        f"document.querySelector('#move-dialog select[name=to_customer] option[value=\"{book.pd1b.pk}\"]') !== null")
    dialog.locator("select[name=to_customer]").select_option(str(book.pd1b.pk))
    dialog.locator("input[name=title]").fill("总经理")
    dialog.locator("select[name=role]").select_option("general_manager")
    dialog.locator("[data-testid=move-submit]").click()
    page.wait_for_url(re.compile(rf"/customers/{book.pd1.pk}/\?tab=contacts"))
    assert "现任职于 张江中医药有限公司" in page.content() or "张江中医药有限公司" in page.content()

    # the old customer: a former contact (folded), with where they work now
    assert page.locator(f"[data-testid=contact-row-{contact.pk}]").count() == 0
    former = page.locator("[data-testid=former-contacts]")
    former.locator("summary").click()
    former_row = page.locator(f"[data-testid=former-row-{contact.pk}]")
    former_row.wait_for(state="visible")
    assert "张江中医药有限公司" in former_row.inner_text()

    # the new customer: a current contact with the new title
    page.goto_path(f"/customers/{book.pd1b.pk}/?tab=contacts")
    assert "总经理" in page.locator(f"[data-testid=contact-row-{contact.pk}]").inner_text()

    # the contact page: the whole career, newest first
    page.goto_path(f"/contacts/{contact.pk}/")
    career = page.locator("[data-testid=career]").inner_text()
    assert career.index("张江中医药有限公司") < career.index("上海仁济医院") and "已离职" in career
    assert Employment.objects.filter(contact=contact).count() == 2


def test_contact_list_filters_and_end_with_confirmation(page_as, org, book):
    a = new_contact(org.rep_pd1, book.pd1, "王建华", mobile="13800138000")
    new_contact(org.rep_pd1, book.pd1b, "李静", employment={"role": "owner", "title": "法人代表"})
    page = page_as(org.rep_pd1, width=375)
    page.goto_path("/")
    page.locator(".app-bottombar a", has_text="联系人").click()
    page.wait_for_url(re.compile(r"/contacts/$"))
    assert page.locator("[data-testid=contact-table] td.col-name a").all_inner_texts() == ["李静", "王建华"]
    page.fill("#f-q", "wjh")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=wjh"))
    assert page.locator("[data-testid=contact-table] td.col-name a").all_inner_texts() == ["王建华"]
    # end the employment from the customer tab: a confirmation first
    page.goto_path(f"/customers/{book.pd1.pk}/?tab=contacts")
    page.click(f"[data-testid=end-{a.pk}]")
    confirm = page.locator("#confirm-dialog")
    confirm.wait_for(state="visible")
    assert "离职联系人" in confirm.inner_text()
    page.keyboard.press("Escape")
    assert Employment.objects.get(contact=a).end_date is None
    page.click(f"[data-testid=end-{a.pk}]")
    confirm.locator("[data-role=ok]").click()
    page.wait_for_url(re.compile(r"tab=contacts"))
    page.locator(f"[data-testid=former-row-{a.pk}]").wait_for(state="attached")
    assert Employment.objects.get(contact=a).end_date is not None


@pytest.mark.parametrize("width", [375, 1440])
@pytest.mark.parametrize("who", ["rep_pd1", "sh_head", "admin"])
def test_contact_pages_open_cleanly(page_as, org, book, who, width):
    contact = new_contact(org.rep_pd1, book.pd1, "王建华", mobile="13800138000", care_notes="爱好钓鱼",
                          care_dates=[{"label": "结婚纪念日", "month": 5, "day": 20}])
    emp = contact.employments.get()
    page = page_as(getattr(org, who), width=width)
    for path in ["/contacts/", "/contacts/?q=wang&status=current&birthday=month&sort=-name&size=50",
                 "/contacts/new/", f"/contacts/new/?customer={book.pd1.pk}", "/contacts/recycle-bin/",
                 f"/contacts/{contact.pk}/", f"/contacts/{contact.pk}/?move={emp.pk}", f"/contacts/{contact.pk}/edit/",
                 f"/contacts/{contact.pk}/employments/{emp.pk}/edit/", f"/customers/{book.pd1.pk}/?tab=contacts"]:
        resp = page.goto_path(path)
        assert resp.status < 400, (path, resp.status)
        assert page.locator("main#main").count() == 1, path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the {width}px viewport"
    resp = page.goto_path("/contacts/999999/")
    assert resp.status == 404 and page.locator(".app-error").is_visible()
