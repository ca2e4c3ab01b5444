"""Bad input gets a clear 4xx in the API's error shape and changes nothing in the database."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pharmcrm.api.common import MAX_ID
from tests.api.conftest import assert_error, db_fingerprint
from tests.factories import VALID_CREDIT_CODE, make_customer, make_group, make_share, make_user

pytestmark = pytest.mark.django_db

BAD_CREDIT_CODE = VALID_CREDIT_CODE[:-1] + ("0" if VALID_CREDIT_CODE[-1] != "0" else "1")


@pytest.fixture
def ctx(org):
    c = SimpleNamespace(org=org)
    c.cust = make_customer(org.rep_pd1, "浦东客户")
    c.gz_cust = make_customer(org.rep_gz, "广州客户")
    c.share = make_share(c.cust, user=org.rep_px)
    c.group = make_group("已有组", members=[org.rep_pd1])
    c.inactive = make_user("gone", department=org.pd, is_active=False, full_name="离职")
    return c


def customer_body(**overrides):
    body = {"type": "hospital", "name": "新医院"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


# (who, method, path(ctx), body(ctx) or None, status, code or None, field or None)
CASES = [
    # --- customers: create ---
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(name=...), 400, "invalid", "name"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(type=...), 400, "invalid", "type"),
    ("rep_pd1", "POST", "/customers", lambda c: {}, 400, "invalid", "name"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(name=123), 400, "invalid", "name"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(name=["a"]), 400, "invalid", "name"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(type="spaceship"), 400, "invalid", "type"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(grade="Z"), 400, "invalid", "grade"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(status=None), 400, "invalid", "status"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(owner_id="abc"), 400, "invalid", "owner_id"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(owner_id=MAX_ID + 1), 400, "invalid", "owner_id"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(credit_code=BAD_CREDIT_CODE), 400, "invalid",
     "credit_code"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(credit_code="12345"), 400, "invalid", "credit_code"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(credit_code="x" * 41), 400, "invalid", "credit_code"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(name="医" * 201), 400, "invalid", "name"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(name="   "), 400, "invalid", "name"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(short_name="x" * 51), 400, "invalid", "short_name"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(notes="x" * 5001), 400, "invalid", "notes"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(address="上海\x00浦东"), 400, "invalid", "address"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(colour="red"), 400, "invalid", "colour"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(owner_id=c.org.rep_gz.pk), 400, "invalid_owner",
     "owner_id"),
    ("rep_pd1", "POST", "/customers", lambda c: customer_body(owner_id=c.inactive.pk), 400, "invalid_owner",
     "owner_id"),
    ("rep_pd1", "POST", "/customers", lambda c: "{not json", 400, "bad_request", None),
    ("rep_pd1", "POST", "/customers", lambda c: [customer_body()], 400, "invalid", None),
    ("rep_pd1", "POST", "/customers", lambda c: "null", 400, "invalid", None),
    # --- customers: update / ids ---
    ("rep_pd1", "PATCH", lambda c: f"/customers/{c.cust.pk}", lambda c: {"name": "x" * 201}, 400, "invalid", "name"),
    ("rep_pd1", "PATCH", lambda c: f"/customers/{c.cust.pk}", lambda c: {"name": ""}, 400, "invalid", "name"),
    ("rep_pd1", "PATCH", lambda c: f"/customers/{c.cust.pk}", lambda c: {"type": None}, 400, "invalid", "type"),
    ("rep_pd1", "PATCH", lambda c: f"/customers/{c.cust.pk}", lambda c: {"credit_code": BAD_CREDIT_CODE}, 400,
     "invalid", "credit_code"),
    ("rep_pd1", "PATCH", lambda c: f"/customers/{c.cust.pk}", lambda c: {"status": 7}, 400, "invalid", "status"),
    ("rep_pd1", "PATCH", lambda c: f"/customers/{c.cust.pk}", lambda c: {"owner_id": 3}, 400, "invalid", "owner_id"),
    ("rep_pd1", "PATCH", "/customers/abc", lambda c: {"name": "x"}, 400, "invalid", "customer_id"),
    ("rep_pd1", "PATCH", "/customers/0", lambda c: {"name": "x"}, 400, "invalid", "customer_id"),
    ("rep_pd1", "PATCH", f"/customers/{MAX_ID + 1}", lambda c: {"name": "x"}, 400, "invalid", "customer_id"),
    ("rep_pd1", "PATCH", "/customers/999999", lambda c: {"name": "x"}, 404, "not_found", None),
    ("rep_pd1", "GET", "/customers/1.5", None, 400, "invalid", "customer_id"),
    ("rep_pd1", "GET", f"/customers/{MAX_ID}", None, 404, "not_found", None),
    ("rep_pd1", "DELETE", "/customers/999999", None, 404, "not_found", None),
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/restore", None, 404, "not_found", None),
    ("rep_pd1", "GET", "/customers/999999/history", None, 404, "not_found", None),
    # --- customers: list query ---
    ("rep_pd1", "GET", "/customers?limit=0", None, 400, "invalid", "limit"),
    ("rep_pd1", "GET", "/customers?limit=201", None, 400, "invalid", "limit"),
    ("rep_pd1", "GET", "/customers?limit=abc", None, 400, "invalid", "limit"),
    ("rep_pd1", "GET", "/customers?offset=-1", None, 400, "invalid", "offset"),
    ("rep_pd1", "GET", "/customers?offset=99999999999999999999999", None, 400, "invalid", "offset"),
    ("rep_pd1", "GET", "/customers?status=bogus", None, 400, "invalid", "status"),
    ("rep_pd1", "GET", "/customers?sort=password", None, 400, "invalid", "sort"),
    ("rep_pd1", "GET", "/customers?owner=abc", None, 400, "invalid", "owner"),
    ("rep_pd1", "GET", "/customers?department=99999999999999999999", None, 400, "invalid", "department"),
    ("rep_pd1", "GET", "/customers?q=" + "x" * 201, None, 400, "invalid", "q"),
    ("rep_pd1", "GET", "/customers?q=a%00b", None, 400, "invalid", "q"),
    ("rep_pd1", "GET", "/customers/recycle-bin?limit=1000", None, 400, "invalid", "limit"),
    # --- shares ---
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/shares", lambda c: {}, 400, "share_target", "user_id"),
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/shares",
     lambda c: {"user_id": c.org.rep_pd2.pk, "group_id": c.group.pk}, 400, "share_target", "user_id"),
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/shares", lambda c: {"user_id": c.inactive.pk}, 400,
     "invalid_user", "user_id"),
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/shares", lambda c: {"user_id": 999999}, 400,
     "invalid_user", "user_id"),
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/shares", lambda c: {"group_id": 999999}, 400,
     "invalid_group", "group_id"),
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/shares", lambda c: {"user_id": c.org.rep_pd1.pk}, 400,
     "share_owner", "user_id"),
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/shares",
     lambda c: {"user_id": c.org.rep_pd2.pk, "access": "admin"}, 400, "invalid", "access"),
    ("rep_pd1", "POST", lambda c: f"/customers/{c.cust.pk}/shares", lambda c: {"user_id": "me"}, 400, "invalid",
     "user_id"),
    ("rep_pd1", "DELETE", lambda c: f"/customers/{c.cust.pk}/shares/999999", None, 404, "not_found", None),
    ("rep_pd1", "DELETE", lambda c: f"/customers/{c.cust.pk}/shares/x", None, 400, "invalid", "share_id"),
    ("rep_px", "POST", lambda c: f"/customers/{c.cust.pk}/shares", lambda c: {"user_id": c.org.rep_pd2.pk}, 403,
     "forbidden", None),
    # --- transfer ---
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"assignments": [{"customer_ids": [c.cust.pk], "to_user_id": c.inactive.pk}]}, 400,
     "invalid_successor", "to_user_id"),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"from_user_id": c.org.rep_pd1.pk, "to_user_id": c.inactive.pk}, 400, "invalid_successor",
     "to_user_id"),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"assignments": [{"customer_ids": [c.cust.pk], "to_user_id": c.org.rep_gz.pk}]}, 400,
     "invalid_successor", "to_user_id"),
    ("sh_head", "POST", "/customers/transfer",
     lambda c: {"assignments": [{"customer_ids": [c.gz_cust.pk], "to_user_id": c.org.rep_pd2.pk}]}, 404,
     "not_found", None),
    ("sh_head", "POST", "/customers/transfer",
     lambda c: {"assignments": [{"customer_ids": [c.cust.pk, c.gz_cust.pk], "to_user_id": c.org.rep_pd2.pk}]},
     404, "not_found", None),
    ("sh_head", "POST", "/customers/transfer",
     lambda c: {"from_user_id": c.org.rep_gz.pk, "to_user_id": c.org.rep_pd2.pk}, 404, "not_found", None),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"assignments": [{"customer_ids": [999999], "to_user_id": c.org.rep_pd2.pk}]}, 404, "not_found",
     None),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"assignments": [{"customer_ids": [], "to_user_id": c.org.rep_pd2.pk}]}, 400, "invalid",
     "assignments.0.customer_ids"),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"assignments": [{"customer_ids": [c.cust.pk], "to_user_id": c.org.rep_pd2.pk},
                                {"customer_ids": [c.cust.pk], "to_user_id": c.org.pd_head.pk}]}, 400,
     "duplicate_customer", None),
    ("pd_head", "POST", "/customers/transfer", lambda c: {}, 400, "invalid", "assignments"),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"from_user_id": c.org.rep_pd1.pk, "to_user_id": c.org.rep_pd2.pk,
                "assignments": [{"customer_ids": [c.cust.pk], "to_user_id": c.org.rep_pd2.pk}]}, 400, "invalid",
     "assignments"),
    ("pd_head", "POST", "/customers/transfer", lambda c: {"from_user_id": c.org.rep_pd1.pk}, 400, "required",
     "to_user_id"),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"from_user_id": c.org.rep_pd1.pk, "to_user_id": c.org.rep_pd1.pk}, 400, "invalid_successor",
     "to_user_id"),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"from_user_id": c.org.rep_pd1.pk, "to_user_id": c.org.rep_pd2.pk, "reason": "x" * 301}, 400,
     "invalid", "reason"),
    ("pd_head", "POST", "/customers/transfer",
     lambda c: {"from_user_id": c.org.rep_pd1.pk, "to_user_id": c.org.rep_pd2.pk, "keep_shares": "maybe"}, 400,
     "invalid", "keep_shares"),
    ("rep_pd1", "POST", "/customers/transfer",
     lambda c: {"assignments": [{"customer_ids": [c.cust.pk], "to_user_id": c.org.rep_pd2.pk}]}, 403, "forbidden",
     None),
    # --- users ---
    ("admin", "POST", "/users", lambda c: {"username": "rep_pd1", "full_name": "重名", "password": "Very-secret-99"},
     400, "invalid", "username"),
    ("admin", "POST", "/users", lambda c: {"username": "u1", "full_name": "某", "password": "123"}, 400,
     "weak_password", "password"),
    ("admin", "POST", "/users", lambda c: {"username": "u1", "full_name": "某", "password": "Very-secret-99",
                                           "roles": ["king"]}, 400, "invalid", "roles.0"),
    ("admin", "POST", "/users", lambda c: {"username": "u1", "full_name": "某", "password": "Very-secret-99",
                                           "email": "not-an-email"}, 400, "invalid", "email"),
    ("admin", "POST", "/users", lambda c: {"username": "u1", "full_name": "某", "password": "Very-secret-99",
                                           "department_id": 999999}, 400, "department_not_found", "department_id"),
    ("admin", "POST", "/users", lambda c: {"username": "u" * 151, "full_name": "某", "password": "Very-secret-99"},
     400, "invalid", "username"),
    ("admin", "POST", "/users", lambda c: {"username": "u1", "password": "Very-secret-99"}, 400, "invalid",
     "full_name"),
    ("admin", "PATCH", "/users/999999", lambda c: {"full_name": "x"}, 404, "not_found", None),
    ("admin", "PATCH", lambda c: f"/users/{c.org.rep_pd1.pk}", lambda c: {"full_name": "x" * 51}, 400, "invalid",
     "full_name"),
    ("admin", "PATCH", lambda c: f"/users/{c.org.rep_pd1.pk}", lambda c: {"roles": "admin"}, 400, "invalid",
     "roles"),
    ("admin", "PATCH", lambda c: f"/users/{c.org.admin.pk}", lambda c: {"roles": ["sales_rep"]}, 400,
     "self_demotion", None),
    ("admin", "POST", lambda c: f"/users/{c.org.admin.pk}/deactivate", lambda c: {}, 400, "self_deactivate", None),
    ("admin", "POST", lambda c: f"/users/{c.org.rep_pd1.pk}/deactivate", lambda c: {"successor_id": c.inactive.pk},
     400, "invalid_successor", "to_user_id"),
    ("admin", "POST", "/users/999999/reactivate", None, 404, "not_found", None),
    ("admin", "GET", "/users?role=king", None, 400, "invalid", "role"),
    ("admin", "GET", "/users?active=perhaps", None, 400, "invalid", "active"),
    ("admin", "GET", "/users/999999", None, 404, "not_found", None),
    # --- departments ---
    ("admin", "POST", "/departments", lambda c: {"name": ""}, 400, "required", "name"),
    ("admin", "POST", "/departments", lambda c: {"name": "部" * 101}, 400, "invalid", "name"),
    ("admin", "POST", "/departments", lambda c: {"name": "新部门", "parent_id": 999999}, 400,
     "department_not_found", "parent_id"),
    ("admin", "POST", "/departments", lambda c: {"name": "新部门", "sort_order": 2**40}, 400, "invalid",
     "sort_order"),
    ("admin", "POST", "/departments", lambda c: {"name": "浦东组", "parent_id": c.org.sh.pk}, 400, "duplicate",
     "name"),
    ("admin", "POST", "/departments", lambda c: {"name": "总部"}, 400, "duplicate", "name"),
    ("admin", "PATCH", "/departments/999999", lambda c: {"name": "x"}, 404, "not_found", None),
    ("admin", "PATCH", lambda c: f"/departments/{c.org.pd.pk}", lambda c: {"name": "浦西组"}, 400, "duplicate",
     "name"),
    ("admin", "PUT", lambda c: f"/departments/{c.org.pd.pk}/heads", lambda c: {"head_ids": [c.inactive.pk]}, 400,
     "invalid_user", "head_ids"),
    ("admin", "PUT", lambda c: f"/departments/{c.org.pd.pk}/heads", lambda c: {}, 400, "invalid", "head_ids"),
    ("admin", "DELETE", "/departments/999999", None, 404, "not_found", None),
    # --- share groups ---
    ("admin", "POST", "/share-groups", lambda c: {"name": "已有组"}, 400, "duplicate", "name"),
    ("admin", "POST", "/share-groups", lambda c: {"name": "新组", "member_ids": [999999]}, 400, "invalid_user",
     "member_ids"),
    ("admin", "POST", "/share-groups", lambda c: {"name": "新组", "description": "x" * 301}, 400, "invalid",
     "description"),
    ("admin", "PATCH", "/share-groups/999999", lambda c: {"name": "x"}, 404, "not_found", None),
    ("admin", "DELETE", "/share-groups/999999", None, 404, "not_found", None),
    # --- tokens ---
    ("rep_pd1", "POST", "/tokens", lambda c: {"name": "x" * 101}, 400, "invalid", "name"),
    ("rep_pd1", "POST", "/tokens", lambda c: {"name": " "}, 400, "required", "name"),
    ("rep_pd1", "DELETE", "/tokens/999999", None, 404, "not_found", None),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}-{c[0]}-{c[1]}" for i, c in enumerate(CASES)])
def test_bad_input_is_a_clear_4xx_and_changes_nothing(ctx, as_user, case):
    who, method, path, body, status, code, field = case
    client = as_user(getattr(ctx.org, who))
    client.get("/me")  # first use of the token records last_used_at; do it before the fingerprint
    path = path(ctx) if callable(path) else path
    body = body(ctx) if callable(body) else body
    before = db_fingerprint()
    if method in ("GET", "DELETE"):
        response = client.request(method, path)
    else:
        response = client.request(method, path, {} if body is None else body)
    assert_error(response, status, code, field)
    assert db_fingerprint() == before


def test_oversized_body_is_413(org, as_user):
    client = as_user(org.rep_pd1)
    client.get("/me")
    before = db_fingerprint()
    from django.conf import settings

    response = client.post("/customers", {"type": "agent", "name": "x",
                                          "notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    assert_error(response, 413, "too_large")
    assert db_fingerprint() == before


def test_invalid_credit_code_message_is_clear(org, as_user):
    r = as_user(org.rep_pd1).post("/customers", customer_body(credit_code=BAD_CREDIT_CODE))
    body = assert_error(r, 400, "invalid", "credit_code")
    assert body["message"] == body["fields"]["credit_code"][0]


def test_unknown_route_and_wrong_method_have_the_error_shape(org, as_user):
    client = as_user(org.rep_pd1)
    r = client.request("PUT", "/customers", {})
    assert_error(r, 405, "method_not_allowed")
    assert set(r["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert_error(client.get("/no-such-thing"), 404, "not_found")
    assert_error(client.post("/customers/1/no-such-thing", {}), 404, "not_found")
    assert_error(client.get("/"), 404, "not_found")
