"""Browser: the administrators' settings area — create a department and a user in it, make the
user its head, deactivate with a successor, API tokens; every page at 375 px and 1440 px."""

import re

import pytest

from pharmcrm.customers.models import Customer
from pharmcrm.org.models import ApiToken, Department, DepartmentHead, User
from tests.factories import make_customer, make_group

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_admin_builds_a_department_with_a_new_head(page_as, org):
    page = page_as(org.admin)
    page.goto_path("/settings/departments/")
    page.click("a.btn[href='/settings/departments/new/']")
    page.wait_for_url(re.compile(r"/settings/departments/new/$"))
    page.fill("#id_name", "闵行组")
    page.select_option("#id_parent", str(org.sh.pk))
    with page.expect_navigation():
        page.click("#department-form button[type=submit]")
    dept = Department.objects.get(name="闵行组")
    assert page.url.endswith(f"/settings/departments/{dept.pk}/")
    assert dept.parent_id == org.sh.pk

    # a user in it; the first attempt has a too short password, fixed inline
    page.click(f"a[href='/settings/users/new/?department={dept.pk}']")
    assert page.locator("#id_department").input_value() == str(dept.pk)
    page.fill("#id_username", "minhang1")
    page.fill("#id_full_name", "陈晨")
    page.fill("#id_phone", "13900001111")
    page.fill("#id_password", "123")
    with page.expect_navigation():
        page.click("#user-form button[type=submit]")
    assert page.locator("#form-error-summary").is_visible()
    assert page.locator("#id_password.is-invalid").count() == 1
    assert page.locator("#id_full_name").input_value() == "陈晨"  # nothing typed is lost
    assert not User.objects.filter(username="minhang1").exists()
    page.fill("#id_password", "Minhang-2026")
    with page.expect_navigation():
        page.click("#user-form button[type=submit]")
    user = User.objects.get(username="minhang1")
    assert page.url.endswith(f"/settings/users/{user.pk}/")
    assert user.department_id == dept.pk

    # make them the head of the new department
    page.goto_path(f"/settings/departments/{dept.pk}/")
    page.fill("[data-checklist-filter]", "minhang1")
    assert page.locator("#heads-form .form-check:visible").count() == 1
    page.check(f"#heads-form input[value='{user.pk}']")
    with page.expect_navigation():
        page.click("#heads-form button[type=submit]")
    assert list(DepartmentHead.objects.filter(department=dept).values_list("user_id", flat=True)) == [user.pk]
    assert "陈晨" in page.locator(".page-title").inner_text()
    assert page.locator("[data-testid=history] .timeline-item").count() == 2  # created, heads set

    # the tree shows it under 上海办事处, and collapsing 上海办事处 hides it
    page.goto_path("/settings/departments/")
    row = page.locator(f"[data-department-id='{dept.pk}']")
    assert row.is_visible() and "陈晨" in row.inner_text()
    page.click(f"[aria-controls='dept-children-{org.sh.pk}']")
    assert not row.is_visible()
    page.click("[data-tree-all=open]")
    assert row.is_visible()


def test_deactivate_with_successor_through_the_confirmation(page_as, org):
    for _ in range(3):
        make_customer(org.rep_pd1)
    page = page_as(org.admin)
    page.goto_path(f"/settings/users/{org.rep_pd1.pk}/deactivate/")
    page.select_option("#id_successor", str(org.rep_pd2.pk))
    page.click("#deactivate-form button[type=submit]")
    dialog = page.locator("#confirm-dialog")
    assert dialog.is_visible()
    assert "李娜" in dialog.inner_text() and "3" in dialog.inner_text()
    with page.expect_navigation():
        dialog.locator("[data-role=ok]").click()
    org.rep_pd1.refresh_from_db()
    assert not org.rep_pd1.is_active
    assert Customer.objects.filter(owner=org.rep_pd2).count() == 3


def test_rep_creates_copies_and_revokes_a_token(page_as, org):
    page = page_as(org.rep_pd1)
    page.goto_path("/settings/tokens/")
    page.fill("#id_name", "ERP 同步")
    with page.expect_navigation():
        page.click("#token-form button[type=submit]")
    raw = page.locator("#raw-token").input_value()
    assert raw.startswith("pcrm_")
    page.click("[data-copy-target=raw-token]")
    page.goto_path("/settings/tokens/")
    assert page.locator("#raw-token").count() == 0
    page.click("form[action$='/revoke/'] button[type=submit]")
    with page.expect_navigation():
        page.locator("#confirm-dialog [data-role=ok]").click()
    assert ApiToken.objects.get(user=org.rep_pd1).revoked_at is not None


@pytest.mark.parametrize("width", [375, 1440])
def test_every_settings_page_opens_without_errors(page_as, org, width):
    group = make_group("医学事务组", members=[org.rep_pd1, org.rep_gz])
    make_customer(org.rep_pd1)
    paths = [
        "/settings/",
        "/settings/departments/",
        "/settings/departments/new/",
        f"/settings/departments/{org.sh.pk}/",
        f"/settings/departments/{org.px.pk}/delete/",
        "/settings/users/",
        "/settings/users/?status=all&role=head",
        "/settings/users/new/",
        f"/settings/users/{org.rep_pd1.pk}/",
        f"/settings/users/{org.rep_pd1.pk}/edit/",
        f"/settings/users/{org.rep_pd1.pk}/deactivate/",
        "/settings/share-groups/",
        "/settings/share-groups/new/",
        f"/settings/share-groups/{group.pk}/",
        f"/settings/share-groups/{group.pk}/delete/",
        "/settings/tokens/",
    ]
    page = page_as(org.admin, width=width)
    for path in paths:
        response = page.goto_path(path)
        assert response.status == 200, path
        assert page.locator(".page-title").count() == 1, path
        # nothing sticks out sideways on a phone (tables scroll inside their own box)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} overflows by {overflow}px at {width}px"

    rep = page_as(org.rep_pd1, width=width)
    assert rep.goto_path("/settings/tokens/").status == 200
    assert rep.goto_path("/settings/").status == 403
    assert rep.goto_path("/settings/users/").status == 403
