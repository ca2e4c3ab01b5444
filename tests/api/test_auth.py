"""Authentication: personal tokens, the browser session with CSRF, and the 401/403 answers."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from pharmcrm.customers.models import Customer
from pharmcrm.org.models import ApiToken, User
from pharmcrm.org.services import api_token_create
from tests.api.conftest import API, ApiClient, assert_error, db_fingerprint
from tests.api.routes import api_routes, concrete_path

pytestmark = pytest.mark.django_db


def test_every_route_needs_authentication(org):
    client = Client()
    routes = api_routes()
    assert len(routes) >= 25
    for method, template in routes:
        path = concrete_path(template)
        response = client.generic(method, API + path, data="{}", content_type="application/json")
        body = assert_error(response, 401, "unauthenticated")
        assert response["WWW-Authenticate"].startswith("Bearer"), (method, path, body)


def test_bearer_token(org):
    _, raw = api_token_create(actor=org.rep_pd1, name="cli")
    r = ApiClient(token=raw).get("/me")
    assert r.status_code == 200 and r.json()["user"]["username"] == "rep_pd1"
    assert ApiToken.objects.get(user=org.rep_pd1).last_used_at is not None


@pytest.mark.parametrize("header", [
    "Bearer pcrm_not-a-real-token", "Bearer ", "Token abc", "Basic cmVwOnB3", "Bearer " + "x" * 5000,
    "Bearer a\tb",
])
def test_bad_bearer_is_401(org, header):
    r = Client(headers={"Authorization": header}).get(API + "/me")
    assert_error(r, 401, "unauthenticated")


def test_revoked_token_is_401(org):
    token, raw = api_token_create(actor=org.rep_pd1)
    token.revoked_at = timezone.now()
    token.save()
    assert_error(ApiClient(token=raw).get("/me"), 401, "unauthenticated")


def test_inactive_user_token_is_401(org):
    _, raw = api_token_create(actor=org.rep_pd1)
    User.objects.filter(pk=org.rep_pd1.pk).update(is_active=False)
    assert_error(ApiClient(token=raw).get("/me"), 401, "unauthenticated")


def test_deactivation_revokes_tokens(org, as_user):
    _, raw = api_token_create(actor=org.rep_px)
    assert ApiClient(token=raw).get("/me").status_code == 200
    assert as_user(org.admin).post(f"/users/{org.rep_px.pk}/deactivate", {}).status_code == 200
    assert_error(ApiClient(token=raw).get("/me"), 401)
    # reactivation does not bring old tokens back
    assert as_user(org.admin).post(f"/users/{org.rep_px.pk}/reactivate").status_code == 200
    assert_error(ApiClient(token=raw).get("/me"), 401)


def _session(user, *, csrf: bool) -> tuple[Client, dict]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    headers = {}
    if csrf:
        token = _get_new_csrf_string()
        client.cookies["csrftoken"] = token
        headers = {"HTTP_X_CSRFTOKEN": token}
    return client, headers


def test_session_get_needs_no_csrf(org):
    client, _ = _session(org.rep_pd1, csrf=False)
    r = client.get(API + "/me")
    assert r.status_code == 200 and r.json()["user"]["id"] == org.rep_pd1.pk


def test_session_unsafe_without_csrf_is_rejected(org):
    client, _ = _session(org.rep_pd1, csrf=False)
    before = db_fingerprint()
    r = client.post(API + "/customers", data=json.dumps({"type": "agent", "name": "无令牌"}),
                    content_type="application/json")
    assert_error(r, 403, "csrf_failed")
    # a wrong token is no better
    client.cookies["csrftoken"] = _get_new_csrf_string()
    r = client.post(API + "/customers", data=json.dumps({"type": "agent", "name": "无令牌"}),
                    content_type="application/json", HTTP_X_CSRFTOKEN=_get_new_csrf_string())
    assert_error(r, 403, "csrf_failed")
    assert db_fingerprint() == before


def test_session_unsafe_with_csrf_is_accepted(org):
    client, headers = _session(org.rep_pd1, csrf=True)
    r = client.post(API + "/customers", data=json.dumps({"type": "agent", "name": "有令牌"}),
                    content_type="application/json", **headers)
    assert r.status_code == 201, r.content
    assert Customer.objects.filter(name="有令牌", owner=org.rep_pd1).exists()
    r = client.delete(API + f"/customers/{r.json()['id']}", **headers)
    assert r.status_code == 204


def test_inactive_session_is_401(org):
    client, headers = _session(org.rep_pd1, csrf=True)
    User.objects.filter(pk=org.rep_pd1.pk).update(is_active=False)
    assert_error(client.get(API + "/me"), 401, "unauthenticated")


def test_anonymous_post_is_401_not_csrf(org):
    r = Client(enforce_csrf_checks=True).post(API + "/customers", data="{}", content_type="application/json")
    assert_error(r, 401, "unauthenticated")


def test_docs_and_schema_are_public(db):
    assert Client().get(API + "/openapi.json").status_code == 200
    assert Client().get(API + "/docs").status_code == 200


# --- manage.py create_api_token -------------------------------------------------------------

def test_create_api_token_command(org, capsys):
    call_command("create_api_token", "rep_pd1", "--name", "导入脚本")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("pcrm_")
    token = ApiToken.objects.get(user=org.rep_pd1)
    assert token.name == "导入脚本" and raw.startswith(token.prefix)
    assert raw not in token.key_hash  # stored hashed
    r = ApiClient(token=raw).get("/me")
    assert r.status_code == 200 and r.json()["user"]["username"] == "rep_pd1"


def test_create_api_token_command_errors(org):
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody")
    User.objects.filter(pk=org.rep_px.pk).update(is_active=False)
    with pytest.raises(CommandError):
        call_command("create_api_token", "rep_px")
    with pytest.raises(CommandError):
        call_command("create_api_token", "rep_pd1", "--name", "x" * 200)
    assert not ApiToken.objects.exists()
