"""Who may open the settings pages: administrators everything; others only their API tokens."""

import pytest
from django.urls import reverse

from tests.factories import make_group

pytestmark = pytest.mark.django_db


def _admin_urls(org):
    group = make_group("重点客户组", members=[org.rep_pd1])
    return [
        reverse("web:settings_home"),
        reverse("web:settings_departments"),
        reverse("web:settings_department_new"),
        reverse("web:settings_department_new") + f"?parent={org.sh.pk}",
        reverse("web:settings_department", args=[org.sh.pk]),
        reverse("web:settings_department_delete", args=[org.px.pk]),
        reverse("web:settings_users"),
        reverse("web:settings_users") + "?q=张&role=head&status=all&department=" + str(org.east.pk),
        reverse("web:settings_users_export"),
        reverse("web:settings_user_new"),
        reverse("web:settings_user", args=[org.rep_pd1.pk]),
        reverse("web:settings_user_edit", args=[org.rep_pd1.pk]),
        reverse("web:settings_user_deactivate", args=[org.rep_pd1.pk]),
        reverse("web:settings_share_groups"),
        reverse("web:settings_share_group_new"),
        reverse("web:settings_share_group_edit", args=[group.pk]),
        reverse("web:settings_share_group_delete", args=[group.pk]),
    ]


def test_admin_opens_every_settings_page(client, org):
    client.force_login(org.admin)
    for url in [*_admin_urls(org), reverse("web:settings_tokens")]:
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("who", ["rep_pd1", "pd_head", "ceo", "finance"])
def test_others_get_403_except_tokens(client, org, who):
    client.force_login(getattr(org, who))
    for url in _admin_urls(org):
        assert client.get(url).status_code == 403, url
    # writes are refused as well, and change nothing
    assert client.post(reverse("web:settings_department_new"), {"name": "黑客部"}).status_code == 403
    assert client.post(reverse("web:settings_user_deactivate", args=[org.rep_pd2.pk])).status_code == 403
    org.rep_pd2.refresh_from_db()
    assert org.rep_pd2.is_active
    assert client.get(reverse("web:settings_tokens")).status_code == 200


def test_anonymous_is_sent_to_login(client, org):
    for url in [reverse("web:settings_home"), reverse("web:settings_tokens")]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("web:login") in response["Location"]


def test_missing_objects_are_404(client, org):
    client.force_login(org.admin)
    for name in ("web:settings_department", "web:settings_department_delete", "web:settings_user",
                 "web:settings_user_edit", "web:settings_user_deactivate", "web:settings_share_group_edit",
                 "web:settings_share_group_delete"):
        assert client.get(reverse(name, args=[999999])).status_code == 404, name


def test_settings_navigation_only_for_admins(client, org):
    client.force_login(org.admin)
    page = client.get(reverse("web:settings_tokens")).content.decode()
    assert reverse("web:settings_departments") in page
    client.force_login(org.rep_pd1)
    page = client.get(reverse("web:settings_tokens")).content.decode()
    assert reverse("web:settings_departments") not in page
