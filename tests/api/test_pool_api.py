"""The public pool API: list, quota, release, claim, assign, exempt, warnings, rules, history.

The actions take the customer id in the body, so the route-enumerating visibility test does not
reach them: here every action is tried on an invisible customer (404, the same answer as for a
missing id, nothing written) and on a visible one by somebody not allowed (403)."""

from __future__ import annotations

import pytest

from pharmcrm.customers import pool_services as ps
from pharmcrm.customers.models import Customer, PoolEvent
from pharmcrm.org.models import User
from tests.api.conftest import assert_error, db_fingerprint
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db


def released(owner, name=None, **fields) -> Customer:
    c = make_customer(owner, name, **fields)
    return ps.customer_release(actor=User.objects.get(pk=owner.pk), customer_id=c.pk, reason="客户暂无需求")


def test_list_and_quota(as_user, org):
    c = released(org.rep_pd1, "浦东康泰医药有限公司", region_code="310115")
    body = as_user(org.rep_pd2).get("/pool").json()
    assert body["count"] == 1 and body["count_exact"]
    item = body["items"][0]
    assert (item["id"], item["pool_department"], item["previous_owner"], item["release_reason"]) == (
        c.pk, {"id": org.pd.pk, "name": "浦东组"}, "张伟", "客户暂无需求")
    assert item["region_label"].startswith("上海市")
    assert as_user(org.rep_gz).get("/pool").json()["count"] == 0
    assert as_user(org.rep_pd2).get("/pool", type="hospital").json()["count"] == 0
    assert as_user(org.rep_pd2).get("/pool", department=org.pd.pk, region="310000").json()["count"] == 1
    quota = as_user(org.rep_pd2).get("/pool/quota").json()
    assert quota == {"may_claim": True, "claims_left": 5, "claims_per_day": 5, "claimed_today": 0, "owned": 0,
                     "max_owned": 500}
    assert as_user(org.finance).get("/pool/quota").json()["may_claim"] is False


def test_customer_schema_shows_the_pool(as_user, org):
    c = released(org.rep_pd1)
    got = as_user(org.rep_pd2).get(f"/customers/{c.pk}").json()
    assert got["owner"] is None and got["in_pool"] is True and got["owner_department"] is None
    assert got["pool_department"] == {"id": org.pd.pk, "name": "浦东组"} and got["released_at"]
    assert got["permissions"] == {"write": False, "manage": False, "transfer": False}
    assert as_user(org.rep_pd2).get("/customers").json()["count"] == 0  # the list is of owned customers
    owned = as_user(org.rep_pd1).get(f"/customers/{make_customer(org.rep_pd1).pk}").json()
    assert owned["in_pool"] is False and owned["owner"]["id"] == org.rep_pd1.pk


def test_release_claim_assign_exempt(as_user, org):
    c = make_customer(org.rep_pd1)
    r = as_user(org.rep_pd1).post("/pool/release", {"customer_id": c.pk, "reason": "没有需求"})
    assert r.status_code == 200, r.content
    assert r.json() == {"customer_id": c.pk, "in_pool": True, "owner": None,
                        "pool_department": {"id": org.pd.pk, "name": "浦东组"}, "pool_exempt": False}
    r = as_user(org.rep_pd2).post("/pool/claim", {"customer_id": c.pk})
    assert r.status_code == 200 and r.json()["owner"] == {"id": org.rep_pd2.pk, "name": "李娜"}
    assert as_user(org.pd_head).post("/pool/exempt", {"customer_id": c.pk, "exempt": True}).json()["pool_exempt"]
    as_user(org.pd_head).post("/pool/release", {"customer_id": c.pk, "reason": "调整"})
    r = as_user(org.sh_head).post("/pool/assign", {"customer_id": c.pk, "user_id": org.rep_px.pk, "reason": "x"})
    assert r.status_code == 200 and r.json()["owner"]["id"] == org.rep_px.pk
    events = as_user(org.rep_px).get(f"/customers/{c.pk}/pool-events").json()
    assert [e["kind"] for e in events] == ["assign", "release", "claim", "release"]
    assert events[-1]["from_user"]["id"] == org.rep_pd1.pk and events[-1]["reason"] == "没有需求"


def test_rules_are_400s_with_chinese_messages(as_user, org):
    c = released(org.rep_pd1)
    body = assert_error(as_user(org.rep_pd1).post("/pool/claim", {"customer_id": c.pk}), 400, "reclaim_ban")
    assert "起您才能重新领取" in body["message"]
    assert_error(as_user(org.rep_pd1).post("/pool/release", {"customer_id": make_customer(org.rep_pd1).pk,
                                                            "reason": " "}), 400, "required", "reason")
    owned = make_customer(org.rep_pd2)
    assert_error(as_user(org.rep_pd2).post("/pool/claim", {"customer_id": owned.pk}), 400, "not_in_pool")
    assert_error(as_user(org.rep_pd2).post("/pool/claim", {}), 400, "invalid", "customer_id")
    assert_error(as_user(org.rep_pd2).post("/pool/claim", {"customer_id": c.pk, "x": 1}), 400)


def test_invisible_is_404_like_missing_and_writes_nothing(as_user, org):
    owned = make_customer(org.rep_pd1)
    in_pool = released(org.rep_pd1)
    calls = [
        ("/pool/release", owned, lambda cid: {"customer_id": cid, "reason": "x"}),
        ("/pool/claim", in_pool, lambda cid: {"customer_id": cid}),
        ("/pool/assign", in_pool, lambda cid: {"customer_id": cid, "user_id": org.rep_gz.pk}),
        ("/pool/exempt", owned, lambda cid: {"customer_id": cid, "exempt": True}),
    ]
    for outsider in (org.rep_gz, org.south_head, org.finance, org.rep_px):
        client = as_user(outsider)
        client.get("/me")
        before = db_fingerprint()
        for path, customer, payload in calls:
            r = client.post(path, payload(customer.pk))
            assert_error(r, 404, "not_found")
            missing = client.post(path, payload(customer.pk + 100000))
            assert (missing.status_code, missing.json()) == (r.status_code, r.json()), path
        assert_error(client.get(f"/customers/{in_pool.pk}/pool-events"), 404, "not_found")
        assert db_fingerprint() == before


def test_visible_but_not_allowed_is_403(as_user, org):
    owned = make_customer(org.rep_pd1)
    in_pool = released(org.rep_pd1)
    sales_admin = make_user("sa", department=org.pd, roles=("sales_admin",))
    assert_error(as_user(org.rep_pd2).post("/pool/assign", {"customer_id": in_pool.pk, "user_id": org.rep_pd2.pk}),
                 403, "forbidden")
    assert_error(as_user(sales_admin).post("/pool/claim", {"customer_id": in_pool.pk}), 403, "forbidden")
    assert_error(as_user(org.rep_pd1).post("/pool/exempt", {"customer_id": owned.pk, "exempt": True}),
                 403, "forbidden")
    assert not PoolEvent.objects.filter(kind__in=["claim", "assign"]).exists()


def test_policy_admin_only(as_user, org):
    assert as_user(org.admin).get("/pool/policy").json()["followup_days"] == 30
    r = as_user(org.admin).patch("/pool/policy", {"followup_days": 45, "auto_recycle": False})
    assert r.status_code == 200 and (r.json()["followup_days"], r.json()["auto_recycle"]) == (45, False)
    assert_error(as_user(org.admin).patch("/pool/policy", {"warning_days": 60}), 400, "invalid", "warning_days")
    assert_error(as_user(org.admin).patch("/pool/policy", {"followup_days": -1}), 400, "invalid")
    for who in (org.sh_head, org.rep_pd1):
        assert_error(as_user(who).get("/pool/policy"), 403, "forbidden")
        assert_error(as_user(who).patch("/pool/policy", {"claims_per_day": 99}), 403, "forbidden")


def test_warnings(as_user, org):
    import datetime

    from pharmcrm.customers import pool

    old = pool.local_midnight(pool.today() - datetime.timedelta(days=28))
    c = make_customer(org.rep_pd1, "快回收的客户")
    Customer.objects.filter(pk=c.pk).update(created_at=old, owned_since=old)
    mine = as_user(org.rep_pd1).get("/pool/warnings").json()
    assert [(w["id"], w["rule"], w["days"]) for w in mine] == [(c.pk, "followup", 30)]
    assert mine[0]["due_on"] == (pool.local_day(old) + datetime.timedelta(days=30)).isoformat()
    assert [w["id"] for w in as_user(org.sh_head).get("/pool/warnings", team="true").json()] == [c.pk]
    assert as_user(org.rep_pd2).get("/pool/warnings").json() == []
