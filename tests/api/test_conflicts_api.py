"""API: duplicate check, the "duplicate" error, conflicts (撞单申诉) and merge; nothing leaks."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pharmcrm.customers.conflict_models import CustomerConflict
from pharmcrm.customers.models import Customer
from tests.api.conftest import ApiClient, assert_error, db_fingerprint
from tests.api.routes import api_routes, concrete_path, path_params
from tests.factories import VALID_CREDIT_CODE, make_customer

pytestmark = pytest.mark.django_db

MATCH_KEYS_INVISIBLE = {"matched_on", "owner", "department", "in_pool", "ref"}


@pytest.fixture
def existing(org):
    return make_customer(org.rep_pd1, "国药控股（上海）有限公司", phone="021-5888 8888", credit_code=VALID_CREDIT_CODE,
                         address="张江路88号", type="distributor")


def test_duplicate_check_endpoint(as_user, org, existing):
    r = as_user(org.rep_gz).post("/customers/duplicate-check", {"name": "国药控股上海有限公司", "phone": "+86 21 58888888"})
    assert r.status_code == 200
    body = r.json()
    assert body["duplicate"] is True
    (m,) = body["matches"]
    assert set(m) == MATCH_KEYS_INVISIBLE
    assert (m["owner"], m["department"], m["matched_on"], m["in_pool"]) == ("张伟", "浦东组", ["name", "phone"], False)
    r = as_user(org.pd_head).post("/customers/duplicate-check", {"credit_code": VALID_CREDIT_CODE})
    (m,) = r.json()["matches"]
    assert (m["customer_id"], m["customer_name"], m["deleted"]) == (existing.pk, existing.name, False)
    r = as_user(org.rep_pd1).post("/customers/duplicate-check", {"name": existing.name, "exclude_id": existing.pk})
    assert r.json() == {"duplicate": False, "matches": []}
    assert_error(as_user(org.rep_gz).post("/customers/duplicate-check", {"name": 5}), 400, "invalid")
    assert_error(as_user(org.rep_gz).post("/customers/duplicate-check", {"nom": "x"}), 400)


def test_create_and_update_answer_duplicate_with_matches(as_user, org, existing):
    c = as_user(org.rep_gz)
    r = c.post("/customers", {"name": "国药控股上海", "type": "agent", "phone": "02158888888"})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "duplicate" and set(body["fields"]) == {"name", "phone"} and body["message"]
    (m,) = body["matches"]
    assert set(m) == MATCH_KEYS_INVISIBLE and m["owner"] == "张伟" and m["department"] == "浦东组"
    mine = make_customer(org.rep_gz, "广州医药")
    r = c.patch(f"/customers/{mine.pk}", {"credit_code": VALID_CREDIT_CODE})
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    assert set(r.json()["fields"]) == {"credit_code"}


names = st.text(alphabet="康泰仁和华润同济百草永安德信恒瑞天元金陵", min_size=3, max_size=8)
variants = st.sampled_from(["{}有限公司", "{}有限责任公司", "（{}）股份有限公司", "{} 公司", "{}"])


@hsettings(max_examples=40)
@given(body=names, written=variants, stored=variants, mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_an_invisible_match_never_leaks(org, body, written, stored, mobile):
    """Property: whatever the names, the answer to someone who cannot see the match holds its
    owner's name and department and nothing else of it (not its name, id, phone, code, address)."""
    client = ApiClient(org.rep_gz)
    with transaction.atomic():
        hidden = make_customer(org.rep_pd1, stored.format(body), phone=f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
                               credit_code=VALID_CREDIT_CODE, address=f"秘密地址{mobile}", notes="机密")
        typed = written.format(body)
        for r in (
            client.post("/customers", {"name": typed, "type": "agent", "phone": f"+86{mobile}"}),
            client.post("/customers/duplicate-check", {"name": typed, "phone": f"+86{mobile}"}),
        ):
            assert r.status_code in (200, 400)
            payload = r.json()
            text = json.dumps(payload, ensure_ascii=False)
            if hidden.name not in typed:  # (what the user typed is theirs to see)
                assert hidden.name not in text
            for secret in (hidden.phone, VALID_CREDIT_CODE, hidden.address, "机密"):
                assert secret not in text
            for m in payload["matches"]:
                assert set(m) == MATCH_KEYS_INVISIBLE, m
                assert hidden.pk not in m.values()
            assert payload["matches"][0]["owner"] == "张伟"
        transaction.set_rollback(True)


# --- conflicts -----------------------------------------------------------------------------------

def _raise(client, data=None, **extra):
    data = data or {"name": "国药控股上海有限公司", "type": "distributor", "phone": "021-58888888"}
    r = client.post("/customers", data)
    assert r.status_code == 400 and r.json()["code"] == "duplicate"
    ref = r.json()["matches"][0]["ref"]
    return client.post("/customers/conflicts", {"ref": ref, "data": data, "reason": "我先拜访过", **extra})


def test_raise_decide_transfer_and_then_see(as_user, org, existing):
    rep = as_user(org.rep_px)
    r = _raise(rep)
    assert r.status_code == 201, r.content
    c = r.json()
    assert c["status"] == "open" and c["owner_name"] == "张伟" and c["owner_department"] == "浦东组"
    assert c["customer"] is None and c["can_withdraw"] and not c["can_decide"]
    assert c["data"]["name"] == "国药控股上海有限公司" and c["arbiter_department"] == "上海办事处"
    assert existing.name not in json.dumps(c, ensure_ascii=False)
    assert rep.get(f"/customers/{existing.pk}").status_code == 404

    head = as_user(org.sh_head)
    listed = head.get("/customers/conflicts").json()
    assert [x["id"] for x in listed["items"]] == [c["id"]] and listed["count"] == 1
    detail = head.get(f"/customers/conflicts/{c['id']}").json()
    assert detail["can_decide"] and detail["customer"]["id"] == existing.pk and detail["customer"]["phone"]
    owner = as_user(org.rep_pd1).get(f"/customers/conflicts/{c['id']}").json()
    assert owner["customer"]["id"] == existing.pk and owner["data"] is None
    assert as_user(org.rep_pd1).get("/customers/conflicts", box="about").json()["count"] == 1

    assert_error(as_user(org.pd_head).post(f"/customers/conflicts/{c['id']}/decide", {"decision": "keep"}), 403)
    assert_error(head.post(f"/customers/conflicts/{c['id']}/decide", {"decision": "later"}), 400, "invalid")
    r = head.post(f"/customers/conflicts/{c['id']}/decide", {"decision": "transfer", "note": "王芳先跟进"})
    assert r.status_code == 200 and r.json()["status"] == "transferred"
    assert r.json()["decided_by"]["name"] == "上海经理"
    assert rep.get(f"/customers/{existing.pk}").status_code == 200
    mine = rep.get(f"/customers/conflicts/{c['id']}").json()
    assert mine["customer"]["id"] == existing.pk
    assert_error(head.post(f"/customers/conflicts/{c['id']}/decide", {"decision": "keep"}), 400, "closed")


def test_raise_errors_and_withdraw(as_user, org, existing):
    rep = as_user(org.rep_px)
    assert_error(rep.post("/customers/conflicts", {"ref": "x" * 24, "data": {"name": "国药控股上海"}, "reason": "r"}),
                 400, "no_match", "ref")
    r = _raise(rep)
    assert_error(_raise(rep), 400, "already_raised")
    cid = r.json()["id"]
    assert_error(as_user(org.sh_head).post(f"/customers/conflicts/{cid}/withdraw"), 403)
    r = rep.post(f"/customers/conflicts/{cid}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert rep.get("/customers/conflicts", box="mine", status="closed").json()["count"] == 1


OUTSIDERS = ["rep_pd2", "rep_gz", "south_head", "finance"]


def conflict_routes():
    return [(m, p) for m, p in api_routes() if "conflict_id" in path_params(p)]


def test_conflict_routes_are_404_for_outsiders(as_user, org, existing):
    routes = conflict_routes()
    assert {p for _m, p in routes} == {"/customers/conflicts/{conflict_id}", "/customers/conflicts/{conflict_id}/withdraw",
                                       "/customers/conflicts/{conflict_id}/decide"}
    cid = _raise(as_user(org.rep_px)).json()["id"]
    for who in OUTSIDERS:
        client = as_user(getattr(org, who))
        client.get("/me")
        before = db_fingerprint()
        for method, template in routes:
            body = {"decision": "transfer"} if template.endswith("/decide") else {}
            r = client.request(method, concrete_path(template, conflict_id=cid), body if method != "GET" else None)
            assert_error(r, 404, "not_found")
            r = client.request(method, concrete_path(template, conflict_id=999999), body if method != "GET" else None)
            assert_error(r, 404, "not_found")
        assert db_fingerprint() == before, who
    assert CustomerConflict.objects.get(pk=cid).status == "open"


def test_list_query_count_is_constant(as_user, org, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    head = as_user(org.sh_head)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert head.get("/customers/conflicts", limit=50).status_code == 200
        return len(ctx.captured_queries)

    for i in range(2):
        make_customer(org.rep_pd1, f"撞单客户{i}")
        _raise(as_user(org.rep_px), data={"name": f"撞单客户{i}", "type": "agent"})
    count()  # warm: token use time, the head's cached visible volume
    few = count()
    for i in range(2, 8):
        make_customer(org.rep_pd1, f"撞单客户{i}")
        _raise(as_user(org.rep_px), data={"name": f"撞单客户{i}", "type": "agent"})
    assert count() == few


# --- merge ----------------------------------------------------------------------------------------

def test_merge_endpoint(as_user, org, existing):
    dup = make_customer(org.rep_pd1, "国药控股上海分部", address="")
    assert_error(as_user(org.rep_px).post("/customers/merge", {"source_id": dup.pk, "target_id": existing.pk}), 404)
    r = as_user(org.pd_head).post("/customers/merge", {"source_id": dup.pk, "target_id": existing.pk})
    assert r.status_code == 200, r.content
    assert r.json()["target_id"] == existing.pk
    assert Customer.objects.get(pk=dup.pk).merged_into_id == existing.pk
    assert_error(as_user(org.pd_head).post("/customers/merge", {"source_id": dup.pk, "target_id": existing.pk}), 404)
    assert_error(as_user(org.pd_head).post("/customers/merge", {"source_id": existing.pk,
                                                                 "target_id": existing.pk}), 400, "same_customer")
