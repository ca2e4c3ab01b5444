"""Happy paths of /me, departments, users, share groups and tokens; admin-only writes."""

from __future__ import annotations

import pytest

from pharmcrm.org.models import ApiToken, Department, DepartmentClosure, ShareGroup, User
from tests.api.conftest import ApiClient, assert_error, db_fingerprint
from tests.factories import make_customer, make_group

pytestmark = pytest.mark.django_db


def test_me(org, as_user):
    r = as_user(org.sh_head).get("/me")
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["id"] == org.sh_head.pk and body["user"]["username"] == "sh_head"
    assert body["department"] == {"id": org.sh.pk, "name": "上海办事处"}
    assert body["roles"] == ["sales_rep"] and body["is_admin"] is False
    assert body["headed_departments"] == [{"id": org.sh.pk, "name": "上海办事处"}]
    assert as_user(org.admin).get("/me").json()["is_admin"] is True


def test_departments_list_in_tree_order(org, as_user):
    r = as_user(org.rep_pd1).get("/departments")
    assert r.status_code == 200
    rows = r.json()
    assert [(d["name"], d["depth"]) for d in rows] == [
        ("总部", 0), ("华东大区", 1), ("上海办事处", 2), ("浦东组", 3), ("浦西组", 3), ("华南大区", 1), ("广州办事处", 2)]
    pd = next(d for d in rows if d["id"] == org.pd.pk)
    assert pd["parent_id"] == org.sh.pk and pd["head_ids"] == [org.pd_head.pk] and pd["member_count"] == 3


def test_department_writes(org, as_user):
    admin = as_user(org.admin)
    r = admin.post("/departments", {"name": "杭州办事处", "parent_id": org.east.pk, "sort_order": 5})
    assert r.status_code == 201, r.content
    hz = r.json()
    assert hz["parent_id"] == org.east.pk and hz["depth"] == 2 and hz["sort_order"] == 5
    assert DepartmentClosure.objects.filter(ancestor=org.hq, descendant_id=hz["id"], depth=2).exists()

    r = admin.patch(f"/departments/{hz['id']}", {"name": "杭州分公司", "parent_id": org.south.pk})
    assert r.status_code == 200, r.content
    assert r.json()["name"] == "杭州分公司" and r.json()["parent_id"] == org.south.pk
    assert DepartmentClosure.objects.filter(ancestor=org.south, descendant_id=hz["id"]).exists()
    assert not DepartmentClosure.objects.filter(ancestor=org.east, descendant_id=hz["id"]).exists()

    r = admin.patch(f"/departments/{hz['id']}", {"parent_id": None})
    assert r.status_code == 200 and r.json()["parent_id"] is None and r.json()["depth"] == 0

    r = admin.put(f"/departments/{hz['id']}/heads", {"head_ids": [org.rep_gz.pk, org.south_head.pk]})
    assert r.status_code == 200 and r.json()["head_ids"] == sorted([org.rep_gz.pk, org.south_head.pk])

    r = admin.delete(f"/departments/{hz['id']}")
    assert r.status_code == 204
    assert not Department.objects.filter(pk=hz["id"]).exists()

    # not empty -> 400, nothing changed
    before = db_fingerprint()
    assert_error(admin.delete(f"/departments/{org.pd.pk}"), 400, "not_empty")
    assert_error(admin.patch(f"/departments/{org.east.pk}", {"parent_id": org.pd.pk}), 400, "cycle", "parent_id")
    assert db_fingerprint() == before


def test_writes_are_admin_only(org, as_user):
    g = make_group("组", members=[org.rep_pd1])
    head = as_user(org.ceo)
    before = db_fingerprint()
    calls = [
        ("POST", "/departments", {"name": "新部门"}),
        ("PATCH", f"/departments/{org.pd.pk}", {"name": "x"}),
        ("PUT", f"/departments/{org.pd.pk}/heads", {"head_ids": []}),
        ("DELETE", f"/departments/{org.px.pk}", None),
        ("POST", "/users", {"username": "u9", "full_name": "某某", "password": "Very-secret-99"}),
        ("PATCH", f"/users/{org.rep_pd1.pk}", {"full_name": "x"}),
        ("POST", f"/users/{org.rep_pd1.pk}/deactivate", {}),
        ("POST", f"/users/{org.rep_pd1.pk}/reactivate", None),
        ("POST", "/share-groups", {"name": "g2"}),
        ("PATCH", f"/share-groups/{g.pk}", {"name": "g3"}),
        ("DELETE", f"/share-groups/{g.pk}", None),
    ]
    for method, path, body in calls:
        r = head.request(method, path, body if body is not None else ({} if method != "DELETE" else None))
        assert_error(r, 403, "forbidden")
    assert db_fingerprint() == before


def test_users(org, as_user):
    admin = as_user(org.admin)
    r = admin.post("/users", {"username": "newrep", "full_name": "赵敏", "password": "Very-secret-99",
                              "department_id": org.px.pk, "roles": ["sales_rep", "tender"], "email": "zm@example.com"})
    assert r.status_code == 201, r.content
    u = r.json()
    assert u["department"] == {"id": org.px.pk, "name": "浦西组"} and u["roles"] == ["sales_rep", "tender"]
    assert u["is_active"] is True
    assert User.objects.get(pk=u["id"]).check_password("Very-secret-99")

    r = admin.patch(f"/users/{u['id']}", {"roles": ["finance"], "department_id": org.gz.pk, "password": "Other-pw-77",
                                         "title": "经理"})
    assert r.status_code == 200, r.content
    assert r.json()["roles"] == ["finance"] and r.json()["department"]["id"] == org.gz.pk
    assert r.json()["title"] == "经理"
    assert User.objects.get(pk=u["id"]).check_password("Other-pw-77")

    r = admin.get(f"/users/{u['id']}")
    assert r.status_code == 200 and r.json()["username"] == "newrep"

    r = admin.get("/users", q="赵")
    assert [x["id"] for x in r.json()["items"]] == [u["id"]]
    r = admin.get("/users", department_id=org.east.pk, limit=200)
    assert {x["username"] for x in r.json()["items"]} == {
        "east_head", "sh_head", "pd_head", "rep_pd1", "rep_pd2", "rep_px"}
    assert r.json()["count"] == 6
    r = admin.get("/users", role="head", limit=200)
    assert {x["username"] for x in r.json()["items"]} == {"ceo", "east_head", "sh_head", "pd_head", "south_head"}
    r = admin.get("/users", role="finance", limit=200)
    assert {x["username"] for x in r.json()["items"]} == {"finance", "newrep"}
    r = admin.get("/users", limit=3, offset=3)
    assert len(r.json()["items"]) == 3 and r.json()["count"] == User.objects.count()


def test_deactivate_with_successor_and_reactivate(org, as_user):
    c = make_customer(org.rep_pd1)
    admin = as_user(org.admin)
    before = db_fingerprint()
    assert_error(admin.post(f"/users/{org.rep_pd1.pk}/deactivate", {}), 400, "successor_required", "successor_id")
    assert db_fingerprint() == before
    r = admin.post(f"/users/{org.rep_pd1.pk}/deactivate", {"successor_id": org.rep_pd2.pk})
    assert r.status_code == 200, r.content
    assert r.json()["is_active"] is False and r.json()["deactivated_at"]
    c.refresh_from_db()
    assert c.owner_id == org.rep_pd2.pk
    r = admin.post(f"/users/{org.rep_pd1.pk}/reactivate")
    assert r.status_code == 200 and r.json()["is_active"] is True


def test_users_visible_to_non_admins_are_their_scope(org, as_user):
    r = as_user(org.sh_head).get("/users", limit=200)
    assert {u["username"] for u in r.json()["items"]} == {"sh_head", "pd_head", "rep_pd1", "rep_pd2", "rep_px"}
    r = as_user(org.rep_pd1).get("/users")
    assert [u["username"] for u in r.json()["items"]] == ["rep_pd1"]
    assert as_user(org.rep_pd1).get(f"/users/{org.rep_pd1.pk}").status_code == 200
    assert_error(as_user(org.rep_pd1).get(f"/users/{org.rep_pd2.pk}"), 404, "not_found")
    assert_error(as_user(org.sh_head).get(f"/users/{org.rep_gz.pk}"), 404, "not_found")
    assert as_user(org.sh_head).get(f"/users/{org.rep_px.pk}").status_code == 200


def test_share_groups(org, as_user):
    admin = as_user(org.admin)
    r = admin.post("/share-groups", {"name": "重点医院组", "description": "三甲", "member_ids": [org.rep_pd1.pk]})
    assert r.status_code == 201, r.content
    g = r.json()
    assert g["member_ids"] == [org.rep_pd1.pk] and g["description"] == "三甲"
    r = admin.patch(f"/share-groups/{g['id']}", {"member_ids": [org.rep_gz.pk, org.rep_px.pk]})
    assert r.status_code == 200, r.content
    assert r.json()["member_ids"] == sorted([org.rep_gz.pk, org.rep_px.pk])
    assert r.json()["name"] == "重点医院组" and r.json()["description"] == "三甲"
    r = admin.patch(f"/share-groups/{g['id']}", {"name": "重点组"})
    assert r.json()["name"] == "重点组" and len(r.json()["member_ids"]) == 2
    r = as_user(org.rep_pd1).get("/share-groups")
    assert r.status_code == 200 and [x["name"] for x in r.json()] == ["重点组"]
    assert admin.delete(f"/share-groups/{g['id']}").status_code == 204
    assert not ShareGroup.objects.exists()


def test_tokens(org, as_user):
    rep = as_user(org.rep_pd1)
    r = rep.post("/tokens", {"name": "脚本"})
    assert r.status_code == 201, r.content
    tok = r.json()
    assert tok["token"].startswith(tok["prefix"]) and tok["name"] == "脚本"
    other = ApiClient(token=tok["token"])
    assert other.get("/me").json()["user"]["id"] == org.rep_pd1.pk

    r = rep.get("/tokens")
    assert r.status_code == 200
    assert {t["name"] for t in r.json()} == {"脚本", "tests"}
    assert all("token" not in t for t in r.json())
    assert as_user(org.rep_pd2).get("/tokens").json()[0]["name"] == "tests"  # only their own

    # someone else's token: 404, still valid
    assert_error(as_user(org.rep_pd2).delete(f"/tokens/{tok['id']}"), 404, "not_found")
    assert other.get("/me").status_code == 200

    assert rep.delete(f"/tokens/{tok['id']}").status_code == 204
    assert ApiToken.objects.get(pk=tok["id"]).revoked_at is not None
    assert_error(other.get("/me"), 401, "unauthenticated")
