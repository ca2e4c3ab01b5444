"""Settings: share groups — list, create, edit members, delete with confirmation, history."""

import pytest
from django.urls import reverse

from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import CustomerShare
from pharmcrm.org.models import ShareGroup
from pharmcrm.org.visibility import can_see
from tests.factories import make_customer, make_group, make_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.admin)
    return client


def test_list(admin_client, org):
    make_group("医学事务组", members=[org.rep_pd1, org.rep_gz])
    page = admin_client.get(reverse("web:settings_share_groups")).content.decode()
    assert "医学事务组" in page and "张伟" in page and "刘洋" in page


def test_create(admin_client, org):
    response = admin_client.post(reverse("web:settings_share_group_new"), {
        "name": "重点客户组", "description": "华东重点客户", "members": [org.rep_pd1.pk, org.rep_px.pk]})
    assert response.status_code == 302
    group = ShareGroup.objects.get(name="重点客户组")
    assert set(group.members.values_list("pk", flat=True)) == {org.rep_pd1.pk, org.rep_px.pk}
    assert AuditEvent.objects.filter(target_type="sharegroup", target_id=group.pk, action="create").exists()


def test_create_bad_input_writes_nothing(admin_client, org):
    make_group("已有组")
    url = reverse("web:settings_share_group_new")
    for data in ({"name": ""}, {"name": "已有组"}, {"name": "新组", "members": [999999]}, {"name": "x" * 101}):
        response = admin_client.post(url, data)
        assert response.status_code == 400, data
        assert 'id="form-error-summary"' in response.content.decode()
    assert ShareGroup.objects.count() == 1


def test_edit_members_changes_visibility(admin_client, org):
    group = make_group("医学事务组", members=[org.rep_pd1])
    customer = make_customer(org.rep_gz)
    make_share(customer, group=group)
    assert can_see(org.rep_pd1, customer.pk) and not can_see(org.rep_px, customer.pk)
    url = reverse("web:settings_share_group_edit", args=[group.pk])
    page = admin_client.get(url).content.decode()
    assert f'value="{org.rep_pd1.pk}"' in page and "checked" in page
    response = admin_client.post(url, {"name": "医学事务部", "description": "", "members": [org.rep_px.pk]})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "医学事务部"
    assert not can_see(org.rep_pd1, customer.pk) and can_see(org.rep_px, customer.pk)
    page = admin_client.get(url).content.decode()
    assert "settings-history" in page and "医学事务组" in page and "王芳" in page


def test_delete_with_confirmation(admin_client, org):
    group = make_group("临时组", members=[org.rep_pd1])
    make_share(make_customer(org.rep_gz), group=group)
    url = reverse("web:settings_share_group_delete", args=[group.pk])
    page = admin_client.get(url).content.decode()
    assert "临时组" in page and 'method="post"' in page
    assert ShareGroup.objects.filter(pk=group.pk).exists()  # GET asks, never deletes
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not ShareGroup.objects.filter(pk=group.pk).exists()
    assert not CustomerShare.objects.filter(group_id=group.pk).exists()
    assert AuditEvent.objects.filter(target_type="sharegroup", target_id=group.pk, action="delete").exists()
