"""Settings: personal API tokens — every logged-in user lists, creates and revokes their own."""

import re

import pytest
from django.urls import reverse

from pharmcrm.org.models import ApiToken
from pharmcrm.org.services import api_token_create, api_token_user

pytestmark = pytest.mark.django_db


def test_rep_creates_a_token_shown_once(client, org):
    client.force_login(org.rep_pd1)
    url = reverse("web:settings_tokens")
    response = client.post(url, {"name": "ERP 同步"})
    assert response.status_code == 200
    page = response.content.decode()
    raw = re.search(r'id="raw-token" value="([^"]+)"', page).group(1)
    assert raw.startswith("pcrm_")
    assert 'data-copy-target="raw-token"' in page
    assert api_token_user(raw) == org.rep_pd1
    token = ApiToken.objects.get(user=org.rep_pd1)
    assert token.name == "ERP 同步" and raw not in token.key_hash
    assert "no-store" in response["Cache-Control"]  # the secret is not cached
    again = client.get(url).content.decode()
    assert raw not in again  # never shown again
    assert "ERP 同步" in again and token.prefix in again


def test_create_needs_a_name(client, org):
    client.force_login(org.rep_pd1)
    response = client.post(reverse("web:settings_tokens"), {"name": "  "})
    assert response.status_code == 400
    assert 'id="form-error-summary"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_only_own_tokens_are_listed(client, org):
    api_token_create(actor=org.rep_pd2, name="李娜的令牌")
    api_token_create(actor=org.rep_pd1, name="张伟的令牌")
    client.force_login(org.rep_pd1)
    page = client.get(reverse("web:settings_tokens")).content.decode()
    assert "张伟的令牌" in page and "李娜的令牌" not in page


def test_revoke(client, org):
    token, raw = api_token_create(actor=org.rep_pd1, name="脚本")
    client.force_login(org.rep_pd1)
    page = client.get(reverse("web:settings_tokens")).content.decode()
    assert "data-confirm=" in page  # asks before revoking
    response = client.post(reverse("web:settings_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_user(raw) is None
    assert client.get(reverse("web:settings_token_revoke", args=[token.pk])).status_code == 405


def test_cannot_revoke_someone_elses_token(client, org):
    token, raw = api_token_create(actor=org.rep_pd2, name="李娜的令牌")
    client.force_login(org.rep_pd1)
    assert client.post(reverse("web:settings_token_revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("web:settings_token_revoke", args=[999999])).status_code == 404
    assert api_token_user(raw) == org.rep_pd2
