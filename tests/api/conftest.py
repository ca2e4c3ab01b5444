"""Helpers for the API tests: a client per user (personal token), the error shape, a DB fingerprint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

API = "/api/v1"


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer <token>`` and JSON bodies."""

    def __init__(self, user=None, *, token: str | None = None):
        self.user = user
        if token is None and user is not None:
            from pharmcrm.org.services import api_token_create

            _, token = api_token_create(actor=user, name="tests")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers)

    def request(self, method: str, path: str, body: Any = None, **query):
        url = path if path.startswith("/api/") else API + path
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"data": body if isinstance(body, str | bytes) else json.dumps(body),
                      "content_type": "application/json"}
        elif query:
            kwargs = {"data": query}
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path, **query):
        return self.request("GET", path, **query)

    def post(self, path, body=None):
        return self.request("POST", path, {} if body is None else body)

    def patch(self, path, body=None):
        return self.request("PATCH", path, {} if body is None else body)

    def put(self, path, body=None):
        return self.request("PUT", path, {} if body is None else body)

    def delete(self, path):
        return self.request("DELETE", path)


@pytest.fixture
def as_user(db):
    """``as_user(user)`` -> an ApiClient authenticated with a fresh token of ``user``."""
    clients: dict[int, ApiClient] = {}

    def make(user) -> ApiClient:
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The response is ``status`` with the API's error shape (and ``code``/``field`` if given)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    for key, msgs in body["fields"].items():
        assert isinstance(key, str) and msgs and all(isinstance(m, str) and m for m in msgs), body
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert field in body["fields"], body
    return body


def db_fingerprint() -> dict[str, list]:
    """Every row of the tables the API writes (minus token last-use times), to prove "nothing changed"."""
    from pharmcrm.core.models import AuditEvent
    from pharmcrm.customers.models import Customer, CustomerShare, TransferItem, TransferLog
    from pharmcrm.org.models import (
        ApiToken,
        Department,
        DepartmentClosure,
        DepartmentHead,
        ShareGroup,
        ShareGroupMember,
        User,
        UserRole,
    )

    out: dict[str, list] = {}
    for model in (Customer, CustomerShare, TransferLog, TransferItem, AuditEvent, Department, DepartmentClosure,
                  DepartmentHead, ShareGroup, ShareGroupMember, User, UserRole, *_profile_models()):
        out[model.__name__] = list(model.objects.order_by("pk").values())
    out["ApiToken"] = list(ApiToken.objects.order_by("pk").values("pk", "user_id", "name", "key_hash", "revoked_at"))
    return out


def _profile_models() -> tuple:
    """The customer's 360° profile rows (customers/profile_models.py)."""
    from pharmcrm.customers import profile_models as m

    return (m.InvoiceProfile, m.ShippingAddress, m.CustomerWantedRegion, m.CustomerProductInterest,
            m.CustomerProductField, m.CustomerKeyAccount, m.CustomerCompetitor)
