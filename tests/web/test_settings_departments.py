"""Settings: the department tree — create, rename, move, heads, delete-if-empty, history."""

import pytest
from django.urls import reverse
from django.utils import translation

from pharmcrm.core.models import AuditEvent
from pharmcrm.org.models import Department, DepartmentClosure, DepartmentHead
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def zh(msgid: str) -> str:
    """What the page shows for ``msgid`` (the UI language of a request without preferences)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def _ancestors(dept) -> set[int]:
    return set(DepartmentClosure.objects.filter(descendant=dept).values_list("ancestor_id", flat=True))


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.admin)
    return client


def test_tree_shows_every_department_indented_with_heads_and_counts(admin_client, org):
    page = admin_client.get(reverse("web:settings_departments")).content.decode()
    for dept in (org.hq, org.east, org.sh, org.pd, org.px, org.south, org.gz):
        assert dept.name in page
    assert "浦东组长" in page  # head of 浦东组
    assert page.index("华东大区") < page.index("上海办事处") < page.index("浦东组") < page.index("华南大区")
    assert 'padding-left: 60px' in page  # depth 3 (浦东组) is indented
    assert f'aria-controls="dept-children-{org.sh.pk}"' in page  # collapsible


def test_create_sub_department(admin_client, org):
    form_page = admin_client.get(reverse("web:settings_department_new") + f"?parent={org.sh.pk}").content.decode()
    assert f'<option value="{org.sh.pk}" selected>' in form_page
    response = admin_client.post(reverse("web:settings_department_new"), {"name": " 闵行组 ", "parent": org.sh.pk})
    dept = Department.objects.get(name="闵行组")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:settings_department", args=[dept.pk])
    assert dept.parent == org.sh
    assert _ancestors(dept) == {dept.pk, org.sh.pk, org.east.pk, org.hq.pk}
    assert AuditEvent.objects.filter(target_type="department", target_id=dept.pk, action="create").exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert "闵行组" in page


def test_create_with_bad_input_writes_nothing(admin_client, org):
    before = Department.objects.count()
    response = admin_client.post(reverse("web:settings_department_new"), {"name": "", "parent": org.sh.pk})
    assert response.status_code == 400
    assert 'id="form-error-summary"' in response.content.decode()
    response = admin_client.post(reverse("web:settings_department_new"), {"name": "浦东组", "parent": org.sh.pk})
    assert response.status_code == 400
    assert zh("A department with this name already exists here.") in response.content.decode()
    response = admin_client.post(reverse("web:settings_department_new"), {"name": "x" * 101})
    assert response.status_code == 400
    response = admin_client.post(reverse("web:settings_department_new"), {"name": "新部门", "parent": "abc"})
    assert response.status_code == 400
    assert Department.objects.count() == before


def test_rename_and_move(admin_client, org):
    url = reverse("web:settings_department", args=[org.px.pk])
    response = admin_client.post(url, {"name": "浦西二组", "parent": org.gz.pk, "sort_order": "3"})
    assert response.status_code == 302
    org.px.refresh_from_db()
    assert (org.px.name, org.px.parent_id, org.px.sort_order) == ("浦西二组", org.gz.pk, 3)
    assert _ancestors(org.px) == {org.px.pk, org.gz.pk, org.south.pk, org.hq.pk}
    page = admin_client.get(url).content.decode()
    assert "浦西组" in page and "浦西二组" in page  # old and new name in the history


def test_move_to_top_level(admin_client, org):
    response = admin_client.post(reverse("web:settings_department", args=[org.south.pk]),
                                 {"name": org.south.name, "parent": ""})
    assert response.status_code == 302
    org.south.refresh_from_db()
    assert org.south.parent is None
    assert _ancestors(org.gz) == {org.gz.pk, org.south.pk}


def test_move_under_own_subtree_shows_the_service_error(admin_client, org):
    url = reverse("web:settings_department", args=[org.east.pk])
    response = admin_client.post(url, {"name": "华东大区", "parent": org.pd.pk})
    assert response.status_code == 400
    page = response.content.decode()
    assert zh("A department cannot be moved under itself or one of its sub-departments.") in page
    assert f'<option value="{org.pd.pk}" selected>' in page  # what the user chose is kept
    org.east.refresh_from_db()
    assert org.east.parent_id == org.hq.pk
    assert _ancestors(org.pd) == {org.pd.pk, org.sh.pk, org.east.pk, org.hq.pk}


def test_set_heads(admin_client, org):
    url = reverse("web:settings_department_heads", args=[org.px.pk])
    response = admin_client.post(url, {"heads": [org.rep_px.pk, org.sh_head.pk]})
    assert response.status_code == 302
    assert set(DepartmentHead.objects.filter(department=org.px).values_list("user_id", flat=True)) == {
        org.rep_px.pk, org.sh_head.pk}
    assert AuditEvent.objects.filter(target_type="department", target_id=org.px.pk, action="set_heads").exists()
    response = admin_client.post(url, {})  # no heads at all
    assert response.status_code == 302
    assert not DepartmentHead.objects.filter(department=org.px).exists()


def test_set_heads_rejects_unknown_or_inactive_users(admin_client, org):
    org.rep_gz.is_active = False
    org.rep_gz.save()
    url = reverse("web:settings_department_heads", args=[org.px.pk])
    assert admin_client.post(url, {"heads": [999999]}).status_code == 400
    assert admin_client.post(url, {"heads": [org.rep_gz.pk]}).status_code == 400
    assert not DepartmentHead.objects.filter(department=org.px).exists()


def test_delete_empty_department(admin_client, org):
    empty = Department.objects.create(name="临时组", parent=org.sh)
    DepartmentClosure.objects.create(ancestor=empty, descendant=empty, depth=0)
    url = reverse("web:settings_department_delete", args=[empty.pk])
    page = admin_client.get(url).content.decode()
    assert "临时组" in page and 'method="post"' in page  # the confirmation
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not Department.objects.filter(pk=empty.pk).exists()
    assert AuditEvent.objects.filter(target_type="department", target_id=empty.pk, action="delete").exists()


@pytest.mark.parametrize(
    ("dept_attr", "msgid"),
    [
        ("sh", "The department still has sub-departments; move or delete them first."),
        ("px", "The department still has members; move them to another department first."),
    ],
)
def test_delete_refused_for_non_empty_department(admin_client, org, dept_attr, msgid):
    dept = getattr(org, dept_attr)
    response = admin_client.post(reverse("web:settings_department_delete", args=[dept.pk]))
    assert response.status_code == 400
    assert zh(msgid) in response.content.decode()
    assert Department.objects.filter(pk=dept.pk).exists()


def test_delete_refused_while_customers_belong_to_it(admin_client, org):
    customer = make_customer(org.rep_px)
    org.rep_px.department = org.pd
    org.rep_px.save()
    assert customer.owner_department_id == org.px.pk
    response = admin_client.post(reverse("web:settings_department_delete", args=[org.px.pk]))
    assert response.status_code == 400
    assert zh("Customers still belong to this department; transfer them first.") in response.content.decode()


def test_department_page_shows_members_and_history(admin_client, org):
    admin_client.post(reverse("web:settings_department", args=[org.pd.pk]), {"name": "浦东一组", "parent": org.sh.pk})
    page = admin_client.get(reverse("web:settings_department", args=[org.pd.pk])).content.decode()
    assert "张伟" in page and "李娜" in page
    assert "系统管理员" in page  # who changed it
    assert "浦东组" in page and "浦东一组" in page
