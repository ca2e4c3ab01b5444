"""Settings: users — list with filters, pagination and export; form; detail; (de)activation."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import Customer
from pharmcrm.org.models import Role, User
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.admin)
    return client


def _names(response) -> list[str]:
    return [row["user"].full_name for row in response.context["rows"]]


VALID = {
    "username": "zhaolei", "full_name": "赵磊", "email": "zhaolei@example.com", "phone": "13800138000",
    "title": "医药代表", "roles": ["sales_rep", "tender"], "password": "Yy-2026-pw",
}


# --- list --------------------------------------------------------------------------------

def test_list_filters(admin_client, org):
    url = reverse("web:settings_users")
    org.rep_px.is_active = False
    org.rep_px.save()
    assert "王芳" not in _names(admin_client.get(url))  # active users by default
    assert _names(admin_client.get(url, {"status": "inactive"})) == ["王芳"]
    assert "王芳" in _names(admin_client.get(url, {"status": "all"}))
    assert _names(admin_client.get(url, {"q": "李"})) == ["李娜"]
    assert set(_names(admin_client.get(url, {"department": org.pd.pk}))) == {"浦东组长", "张伟", "李娜"}
    heads = set(_names(admin_client.get(url, {"role": "head"})))
    assert heads == {"总经理", "华东总监", "上海经理", "浦东组长", "华南总监"}
    assert _names(admin_client.get(url, {"role": "finance"})) == ["财务小陈"]


def test_list_tolerates_bad_parameters(admin_client, org):
    url = reverse("web:settings_users")
    response = admin_client.get(url, {"department": "abc", "role": "pope", "status": "x", "page": "zz",
                                      "page_size": "-1"})
    assert response.status_code == 200
    assert "张伟" in _names(response)


def test_list_pagination(admin_client, org):
    for i in range(25):
        make_user(f"bulk{i:02d}", department=org.gz, full_name=f"批量{i:02d}")
    url = reverse("web:settings_users")
    first = admin_client.get(url, {"department": org.gz.pk})
    assert len(first.context["rows"]) == 20
    page = first.content.decode()
    assert "page=2" in page and f"department={org.gz.pk}" in page
    second = admin_client.get(url, {"department": org.gz.pk, "page": 2})
    assert len(second.context["rows"]) == 6  # 刘洋 + 25 - 20
    assert admin_client.get(url, {"department": org.gz.pk, "page_size": 50}).context["page"].paginator.num_pages == 1


def test_list_shows_roles_heads_and_status(admin_client, org):
    page = admin_client.get(reverse("web:settings_users"), {"status": "all"}).content.decode()
    assert str(zh("Finance")) in page
    assert reverse("web:settings_user", args=[org.rep_pd1.pk]) in page


def test_export_contains_exactly_the_filtered_rows(admin_client, org):
    response = admin_client.get(reverse("web:settings_users_export"), {"department": org.sh.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 1 + 5  # the subtree: 上海办事处, 浦东组, 浦西组
    assert {r[1] for r in rows[1:]} == {"上海经理", "浦东组长", "张伟", "李娜", "王芳"}
    sh_head = next(r for r in rows if r[1] == "上海经理")
    assert sh_head[7] == "上海办事处"  # head of
    everyone = admin_client.get(reverse("web:settings_users_export"), {"status": "all"})
    assert load_workbook(BytesIO(everyone.content)).active.max_row == 1 + User.objects.count()


# --- create / edit -------------------------------------------------------------------------

def test_create_user(admin_client, org):
    response = admin_client.post(reverse("web:settings_user_new"), {**VALID, "department": org.pd.pk})
    user = User.objects.get(username="zhaolei")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:settings_user", args=[user.pk])
    assert (user.full_name, user.department, user.phone, user.title) == ("赵磊", org.pd, "13800138000", "医药代表")
    assert user.role_codes == {Role.SALES_REP, Role.TENDER}
    assert user.check_password("Yy-2026-pw")
    assert AuditEvent.objects.filter(target_type="user", target_id=user.pk, action="create").exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert "赵磊" in page and "浦东组" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": ""}, "full_name"),
        ({"username": ""}, "username"),
        ({"username": "rep_pd1"}, "username"),  # taken
        ({"username": "bad name!"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),  # too common (the service's validator)
        ({"department": ""}, "department"),
        ({"department": "999999"}, "department"),
        ({"roles": ["pope"]}, "roles"),
        ({"full_name": "名" * 51}, "full_name"),
    ],
)
def test_create_user_with_bad_input_writes_nothing_and_shows_errors(admin_client, org, changes, field):
    before = User.objects.count()
    data = {**VALID, "department": org.pd.pk, **changes}
    response = admin_client.post(reverse("web:settings_user_new"), data)
    assert response.status_code == 400
    assert User.objects.count() == before
    form = response.context["form"]
    assert form.errors.get(field), form.errors
    page = response.content.decode()
    assert 'id="form-error-summary"' in page
    assert "invalid-feedback d-block" in page
    if field != "password":  # what was typed is kept
        assert 'value="13800138000"' in page


def test_create_user_errors_are_in_chinese(admin_client, org):
    response = admin_client.post(reverse("web:settings_user_new"), {**VALID, "full_name": "", "department": org.pd.pk})
    with translation.override("zh-hans"):
        from django.forms import Field

        required = str(Field.default_error_messages["required"])
    assert required in response.content.decode()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in required)


def test_edit_user(admin_client, org):
    customer = make_customer(org.rep_pd1)
    url = reverse("web:settings_user_edit", args=[org.rep_pd1.pk])
    page = admin_client.get(url).content.decode()
    assert 'value="rep_pd1"' in page and "disabled" in page
    response = admin_client.post(url, {
        "username": "hacked", "full_name": "张伟", "email": "", "phone": "139", "title": "主管",
        "department": org.px.pk, "roles": ["sales_rep", "service"], "password": "",
    })
    assert response.status_code == 302
    org.rep_pd1.refresh_from_db()
    assert org.rep_pd1.username == "rep_pd1"  # cannot be changed
    assert (org.rep_pd1.department, org.rep_pd1.title) == (org.px, "主管")
    assert org.rep_pd1.check_password("secret-pw-1")  # empty password keeps the old one
    assert set(org.rep_pd1.roles.values_list("role", flat=True)) == {"sales_rep", "service"}
    customer.refresh_from_db()
    assert customer.owner_department_id == org.px.pk  # customers follow their owner's department


def test_edit_user_new_password(admin_client, org):
    url = reverse("web:settings_user_edit", args=[org.rep_pd1.pk])
    data = {"full_name": "张伟", "department": org.pd.pk, "roles": ["sales_rep"], "password": "Nn-new-2026"}
    assert admin_client.post(url, data).status_code == 302
    org.rep_pd1.refresh_from_db()
    assert org.rep_pd1.check_password("Nn-new-2026")


def test_admin_cannot_remove_own_admin_role(admin_client, org):
    url = reverse("web:settings_user_edit", args=[org.admin.pk])
    response = admin_client.post(url, {"full_name": "系统管理员", "department": org.hq.pk, "roles": ["sales_rep"]})
    assert response.status_code == 400
    assert zh("You cannot remove your own administrator role.") in response.content.decode()
    assert org.admin.roles.filter(role="admin").exists()


# --- detail / deactivate / reactivate -------------------------------------------------------

def test_detail_shows_history(admin_client, org):
    admin_client.post(reverse("web:settings_user_edit", args=[org.rep_pd2.pk]),
                      {"full_name": "李娜娜", "department": org.pd.pk, "roles": ["sales_rep"], "title": "代表"})
    page = admin_client.get(reverse("web:settings_user", args=[org.rep_pd2.pk])).content.decode()
    assert "李娜娜" in page and "代表" in page
    assert "settings-history" in page and "系统管理员" in page


def test_deactivate_requires_a_successor_and_transfers_everything(admin_client, org):
    owned = [make_customer(org.rep_pd1) for _ in range(3)]
    owned[0].deleted_at = owned[0].created_at
    owned[0].save()
    url = reverse("web:settings_user_deactivate", args=[org.rep_pd1.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="successor"' in page
    assert "3" in page
    response = admin_client.post(url, {})
    assert response.status_code == 400
    org.rep_pd1.refresh_from_db()
    assert org.rep_pd1.is_active
    assert Customer.objects.filter(owner=org.rep_pd1).count() == 3

    response = admin_client.post(url, {"successor": org.rep_pd2.pk})
    assert response.status_code == 302
    org.rep_pd1.refresh_from_db()
    assert not org.rep_pd1.is_active
    assert Customer.objects.filter(owner=org.rep_pd1).count() == 0
    assert Customer.objects.filter(owner=org.rep_pd2, pk__in=[c.pk for c in owned]).count() == 3
    assert admin_client.get(reverse("web:settings_user", args=[org.rep_pd1.pk])).status_code == 200


def test_deactivate_rejects_bad_successors(admin_client, org):
    make_customer(org.rep_pd1)
    url = reverse("web:settings_user_deactivate", args=[org.rep_pd1.pk])
    org.rep_gz.is_active = False
    org.rep_gz.save()
    for successor in (org.rep_pd1.pk, org.rep_gz.pk, 999999, "abc"):
        assert admin_client.post(url, {"successor": successor}).status_code == 400
    org.rep_pd1.refresh_from_db()
    assert org.rep_pd1.is_active


def test_deactivate_without_customers_needs_no_successor_and_reactivate(admin_client, org):
    url = reverse("web:settings_user_deactivate", args=[org.rep_px.pk])
    assert 'name="successor"' not in admin_client.get(url).content.decode()
    assert admin_client.post(url, {}).status_code == 302
    org.rep_px.refresh_from_db()
    assert not org.rep_px.is_active and org.rep_px.deactivated_at
    response = admin_client.post(reverse("web:settings_user_reactivate", args=[org.rep_px.pk]))
    assert response.status_code == 302
    org.rep_px.refresh_from_db()
    assert org.rep_px.is_active and org.rep_px.deactivated_at is None
    actions = list(AuditEvent.objects.filter(target_type="user", target_id=org.rep_px.pk).values_list(
        "action", flat=True))
    assert {"deactivate", "reactivate"} <= set(actions)


def test_cannot_deactivate_yourself(admin_client, org):
    url = reverse("web:settings_user_deactivate", args=[org.admin.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {})
    assert response.status_code == 400
    org.admin.refresh_from_db()
    assert org.admin.is_active


def test_reactivate_is_post_only(admin_client, org):
    assert admin_client.get(reverse("web:settings_user_reactivate", args=[org.rep_px.pk])).status_code == 405


def test_list_query_count_does_not_grow_with_the_page(admin_client, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(60):
        make_user(f"q{i:02d}", department=org.gz, roles=("sales_rep", "finance"))
    url = reverse("web:settings_users")
    counts = []
    for size in (20, 50, 100):
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url, {"page_size": size}).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == counts[2], counts
