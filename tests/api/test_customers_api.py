"""Happy paths of the customer routes, and the constant query count of the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pharmcrm.customers.models import Customer, CustomerShare, TransferLog
from tests.api.conftest import assert_error
from tests.factories import VALID_CREDIT_CODE, make_customer, make_group, make_share

pytestmark = pytest.mark.django_db


def test_create_get_update_delete_restore(org, as_user):
    rep = as_user(org.rep_pd1)
    r = rep.post("/customers", {"type": "hospital", "name": "上海中医药大学附属医院", "credit_code": VALID_CREDIT_CODE,
                                "grade": "A", "source": "referral", "phone": "021-1234"})
    assert r.status_code == 201, r.content
    c = r.json()
    assert c["owner"] == {"id": org.rep_pd1.pk, "name": "张伟"}
    assert c["owner_department"] == {"id": org.pd.pk, "name": "浦东组"}
    assert c["permissions"] == {"write": True, "manage": True, "transfer": False}
    assert c["created_by"]["id"] == org.rep_pd1.pk
    assert c["status"] == "prospect" and c["credit_code"] == VALID_CREDIT_CODE
    cid = c["id"]

    r = rep.get(f"/customers/{cid}")
    assert r.status_code == 200 and r.json()["name"] == "上海中医药大学附属医院"

    r = rep.patch(f"/customers/{cid}", {"status": "active", "short_name": "上中医附院"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "active" and r.json()["short_name"] == "上中医附院"
    assert r.json()["grade"] == "A"  # untouched fields stay

    r = rep.get("/customers", q="zyy")
    assert [i["id"] for i in r.json()["items"]] == [cid]

    r = rep.delete(f"/customers/{cid}")
    assert r.status_code == 204
    assert Customer.objects.get(pk=cid).deleted_at is not None
    assert_error(rep.get(f"/customers/{cid}"), 404, "not_found")
    r = rep.get("/customers/recycle-bin")
    assert r.status_code == 200
    assert [(i["id"], i["deleted_by"]["id"]) for i in r.json()["items"]] == [(cid, org.rep_pd1.pk)]
    assert r.json()["count"] == 1 and r.json()["count_exact"] is True

    r = rep.post(f"/customers/{cid}/restore")
    assert r.status_code == 200, r.content
    assert Customer.objects.get(pk=cid).deleted_at is None

    r = rep.get(f"/customers/{cid}/history")
    assert r.status_code == 200
    actions = [e["action"] for e in r.json()]
    assert actions == ["restore", "delete", "update", "create"]
    update = r.json()[2]
    assert update["actor"] == {"id": org.rep_pd1.pk, "name": "张伟"}
    assert update["changes"]["status"] == ["prospect", "active"]


def test_list_filters_sort_and_pagination(org, as_user):
    a = make_customer(org.rep_pd1, "甲医药", status="active", type="hospital", grade="A")
    b = make_customer(org.rep_pd2, "乙医药", status="prospect", type="agent", grade="B")
    c = make_customer(org.rep_px, "丙医药", status="active", type="agent", grade="A")
    make_customer(org.rep_gz, "丁医药")
    head = as_user(org.sh_head)

    r = head.get("/customers", sort="name", limit=2)
    body = r.json()
    assert r.status_code == 200 and body["count"] == 3 and body["count_exact"] is True
    assert len(body["items"]) == 2
    r2 = head.get("/customers", sort="name", limit=2, offset=2)
    ids = [i["id"] for i in body["items"]] + [i["id"] for i in r2.json()["items"]]
    assert sorted(ids) == sorted([a.pk, b.pk, c.pk])

    def ids_for(**q):
        r = head.get("/customers", **q)
        assert r.status_code == 200, r.content
        return {i["id"] for i in r.json()["items"]}

    assert ids_for(status="active") == {a.pk, c.pk}
    assert ids_for(type="agent") == {b.pk, c.pk}
    assert ids_for(grade="A") == {a.pk, c.pk}
    assert ids_for(owner=org.rep_pd2.pk) == {b.pk}
    assert ids_for(department=org.pd.pk) == {a.pk, b.pk}
    assert ids_for(department=org.px.pk) == {c.pk}
    assert ids_for(q="甲") == {a.pk}
    assert ids_for(sort="-name")
    assert as_user(org.rep_pd1).get("/customers").json()["count"] == 1


def test_list_query_count_is_constant(org, as_user, settings):
    for i in range(3):
        make_customer(org.rep_pd1, f"客户A{i}")
    client = as_user(org.pd_head)
    client.get("/customers")  # token last-use update, plan cache warm-up

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/customers", limit=limit)
        assert r.status_code == 200
        return len(ctx.captured_queries)

    small = queries(1)
    for i in range(40):
        make_customer(org.rep_pd2 if i % 2 else org.rep_pd1, f"客户B{i}")
    assert queries(200) == small
    assert queries(5) == small


def test_users_list_query_count_is_constant(org, as_user):
    from tests.factories import make_user

    client = as_user(org.admin)
    client.get("/users")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/users", limit=200)
        assert r.status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(15):
        make_user(f"more{i}", department=org.pd, roles=("sales_rep", "finance"), heads=(org.px,) if i < 3 else ())
    assert queries() == before


def test_detail_permissions_for_shared_read_only(org, as_user):
    c = make_customer(org.rep_pd1)
    make_share(c, user=org.rep_gz, access="read")
    r = as_user(org.rep_gz).get(f"/customers/{c.pk}")
    assert r.status_code == 200
    assert r.json()["permissions"] == {"write": False, "manage": False, "transfer": False}
    before = Customer.objects.get(pk=c.pk).name
    assert_error(as_user(org.rep_gz).patch(f"/customers/{c.pk}", {"name": "改名"}), 403, "forbidden")
    assert Customer.objects.get(pk=c.pk).name == before
    assert as_user(org.pd_head).get(f"/customers/{c.pk}").json()["permissions"] == {
        "write": True, "manage": True, "transfer": True}


def test_shares(org, as_user):
    c = make_customer(org.rep_pd1)
    group = make_group("华南共享组", members=[org.rep_gz])
    rep = as_user(org.rep_pd1)
    r = rep.post(f"/customers/{c.pk}/shares", {"user_id": org.rep_px.pk, "access": "write"})
    assert r.status_code == 201, r.content
    share = r.json()
    assert share["user"] == {"id": org.rep_px.pk, "name": "王芳"} and share["access"] == "write"
    assert share["group"] is None and share["created_by"]["id"] == org.rep_pd1.pk
    r = rep.post(f"/customers/{c.pk}/shares", {"group_id": group.pk})
    assert r.status_code == 201 and r.json()["group"] == {"id": group.pk, "name": "华南共享组"}
    assert as_user(org.rep_gz).get(f"/customers/{c.pk}").status_code == 200

    r = rep.get(f"/customers/{c.pk}/shares")
    assert r.status_code == 200 and len(r.json()) == 2

    r = rep.delete(f"/customers/{c.pk}/shares/{share['id']}")
    assert r.status_code == 204
    assert not CustomerShare.objects.filter(pk=share["id"]).exists()
    assert_error(as_user(org.rep_px).get(f"/customers/{c.pk}"), 404)
    assert_error(rep.delete(f"/customers/{c.pk}/shares/{share['id']}"), 404, "not_found")


def test_transfer_selection_and_all(org, as_user):
    a = make_customer(org.rep_pd1)
    b = make_customer(org.rep_pd1)
    c = make_customer(org.rep_pd2)
    make_share(a, user=org.rep_px)
    head = as_user(org.pd_head)
    r = head.post("/customers/transfer", {
        "assignments": [{"customer_ids": [a.pk], "to_user_id": org.rep_pd2.pk},
                        {"customer_ids": [c.pk], "to_user_id": org.rep_pd1.pk}],
        "keep_shares": False, "reason": "调整",
    })
    assert r.status_code == 200, r.content
    assert r.json()["customer_count"] == 2
    log = TransferLog.objects.get(pk=r.json()["transfer_id"])
    assert log.reason == "调整" and log.keep_shares is False
    assert Customer.objects.get(pk=a.pk).owner_id == org.rep_pd2.pk
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_pd1.pk
    assert not CustomerShare.objects.filter(customer=a).exists()

    r = head.post("/customers/transfer", {"from_user_id": org.rep_pd1.pk, "to_user_id": org.rep_pd2.pk})
    assert r.status_code == 200, r.content
    assert r.json()["customer_count"] == 2
    assert set(Customer.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("owner_id", flat=True)) == {
        org.rep_pd2.pk}

    r = head.post("/customers/transfer", {"from_user_id": org.rep_pd1.pk, "to_user_id": org.rep_pd2.pk})
    assert r.status_code == 200 and r.json() == {"transfer_id": None, "customer_count": 0}
