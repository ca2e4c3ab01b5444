"""The 360° profile API: every section, 403 for read-only viewers, 400 with fields, no leak."""

from __future__ import annotations

import pytest

from pharmcrm.customers.models import ShippingAddress
from tests.api.conftest import assert_error, db_fingerprint
from tests.customers.profile_helpers import ADDRESS, fill_profile, make_product
from tests.factories import VALID_CREDIT_CODE, make_customer, make_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(org):
    return make_customer(org.rep_pd1, "浦东新药代理有限公司", type="agent", credit_code=VALID_CREDIT_CODE)


def base(agent) -> str:
    return f"/customers/{agent.pk}"


def test_profile_of_an_empty_customer(as_user, org, agent):
    r = as_user(org.rep_pd1).get(f"{base(agent)}/profile")
    assert r.status_code == 200
    body = r.json()
    assert body["invoice_profile"] is None and body["shipping_addresses"] == [] and body["hospital"] is None
    assert body["head_office"] is None and body["stores"] == []
    sections = {s["section"]: s["filled"] for s in body["completeness"]}
    assert set(sections) == {"invoice", "addresses", "wanted_regions", "interests", "fields", "key_accounts",
                             "competitors"}
    assert not any(sections.values())
    r = as_user(org.rep_pd1).get(f"{base(agent)}/invoice-profile")
    assert r.json() == {"invoice_profile": None, "prefill": {"title": agent.name, "taxpayer_id": VALID_CREDIT_CODE,
                                                             "address": "", "phone": ""}}


def test_full_profile(as_user, org, agent):
    fill_profile(org.rep_pd1, agent)
    body = as_user(org.rep_pd1).get(f"{base(agent)}/profile").json()
    assert body["invoice_profile"]["taxpayer_id"] == VALID_CREDIT_CODE
    assert [a["is_default"] for a in body["shipping_addresses"]] == [True]
    assert body["shipping_addresses"][0]["region_label"] == "上海市 浦东新区"
    assert body["wanted_regions"][0]["region_label"] == "浙江省 杭州市"
    assert body["products_of_interest"][0]["product"]["name"].startswith("银杏叶片")
    assert body["product_fields"][0]["area"] == "cardio"
    assert body["key_accounts"][0]["hospital"]["visible"] is True
    assert body["competitors"][0]["name"] == "扬子江药业"
    assert all(s["filled"] for s in body["completeness"])


def test_invoice_profile_put(as_user, org, agent):
    c = as_user(org.rep_pd1)
    r = c.put(f"{base(agent)}/invoice-profile", {"title": agent.name, "taxpayer_id": "123"})
    assert_error(r, 400, field="taxpayer_id")
    r = c.put(f"{base(agent)}/invoice-profile", {"title": agent.name, "taxpayer_id": VALID_CREDIT_CODE,
                                                 "bank": "工商银行", "account": "6222-0000-1111-2222",
                                                 "invoice_type": "vat_special"})
    assert r.status_code == 200 and r.json()["account"] == "6222000011112222"
    assert_error(c.put(f"{base(agent)}/invoice-profile", {"title": "x", "taxpayer_id": VALID_CREDIT_CODE,
                                                          "invoice_type": "paper"}), 400, field="invoice_type")
    assert_error(c.put(f"{base(agent)}/invoice-profile", {"title": "x", "taxpayer_id": VALID_CREDIT_CODE,
                                                          "extra": 1}), 400, field="extra")


def test_shipping_addresses_crud_and_default(as_user, org, agent):
    c = as_user(org.rep_pd1)
    path = f"{base(agent)}/shipping-addresses"
    a = c.post(path, ADDRESS)
    assert a.status_code == 201 and a.json()["is_default"] and a.json()["region_label"] == "上海市 浦东新区"
    b = c.post(path, {**ADDRESS, "receiver": "李四", "is_default": True}).json()
    assert [x["id"] for x in c.get(path).json() if x["is_default"]] == [b["id"]]
    r = c.post(f"{path}/{a.json()['id']}/set-default")
    assert r.status_code == 200 and r.json()["is_default"]
    r = c.patch(f"{path}/{a.json()['id']}", {"is_default": False})
    assert_error(r, 400, field="is_default")
    r = c.patch(f"{path}/{b['id']}", {"phone": "021-6888888"})
    assert r.status_code == 200 and r.json()["phone"] == "021-6888888"
    assert_error(c.patch(f"{path}/{b['id']}", {"phone": "123"}), 400, field="phone")
    assert_error(c.post(path, {**ADDRESS, "region_code": "999999"}), 400, field="region_code")
    assert_error(c.post(path, {**ADDRESS, "receiver": ""}), 400, field="receiver")
    assert c.delete(f"{path}/{a.json()['id']}").status_code == 204
    listed = c.get(path).json()
    assert [x["id"] for x in listed] == [b["id"]] and listed[0]["is_default"]
    assert len(c.get(path, include_inactive="true").json()) == 2
    assert ShippingAddress.objects.count() == 2  # deactivated, not deleted
    r = c.post(f"{path}/{a.json()['id']}/reactivate")
    assert r.status_code == 200 and r.json()["is_active"] and not r.json()["is_default"]
    assert_error(c.post(f"{path}/999999/set-default"), 404, "not_found")


def test_sections_crud(as_user, org, agent):
    c = as_user(org.rep_pd1)
    b = base(agent)
    r = c.post(f"{b}/wanted-regions", {"region_code": "330106", "note": "西湖"})
    assert r.status_code == 201 and r.json()["region_label"] == "浙江省 杭州市 西湖区"
    assert_error(c.post(f"{b}/wanted-regions", {"region_code": "330106"}), 400, field="region_code")
    rid = r.json()["id"]
    assert c.patch(f"{b}/wanted-regions/{rid}", {"note": "西湖区全区"}).json()["note"] == "西湖区全区"
    assert c.delete(f"{b}/wanted-regions/{rid}").status_code == 204
    assert c.get(f"{b}/wanted-regions").json() == []

    product = make_product("丹参滴丸")
    r = c.post(f"{b}/products-of-interest", {"product_id": product.pk, "note": "要样品"})
    assert r.status_code == 201 and r.json()["product"]["id"] == product.pk
    assert_error(c.post(f"{b}/products-of-interest", {"product_id": 999999}), 400, field="product_id")
    iid = r.json()["id"]
    assert c.patch(f"{b}/products-of-interest/{iid}", {"note": "已寄样"}).json()["note"] == "已寄样"
    assert c.delete(f"{b}/products-of-interest/{iid}").status_code == 204

    r = c.post(f"{b}/product-fields", {"area": "cardio", "annual_volume": "1200000.50"})
    assert r.status_code == 201 and r.json()["annual_volume"] in ("1200000.50", 1200000.5)
    assert r.json()["area_label"] == "心脑血管"
    assert_error(c.post(f"{b}/product-fields", {"area": "magic"}), 400, field="area")
    assert_error(c.post(f"{b}/product-fields", {"area": "oncology", "annual_volume": "-1"}), 400,
                 field="annual_volume")
    fid = r.json()["id"]
    assert c.patch(f"{b}/product-fields/{fid}", {"annual_volume": None}).json()["annual_volume"] is None
    assert c.delete(f"{b}/product-fields/{fid}").status_code == 204

    r = c.post(f"{b}/competitors", {"name": "扬子江药业", "products": "银杏叶片"})
    assert r.status_code == 201
    assert_error(c.post(f"{b}/competitors", {"name": ""}), 400, field="name")
    assert_error(c.post(f"{b}/competitors", {"name": "x" * 101}), 400, field="name")
    cid = r.json()["id"]
    assert c.patch(f"{b}/competitors/{cid}", {"notes": "返点15%"}).json()["notes"] == "返点15%"
    assert c.delete(f"{b}/competitors/{cid}").status_code == 204


def test_key_accounts_never_leak(as_user, org, agent):
    mine = make_customer(org.rep_pd1, "浦东人民医院", type="hospital")
    hidden = make_customer(org.rep_gz, "广州中山医院", type="hospital")
    c = as_user(org.rep_pd1)
    b = base(agent)
    r = c.post(f"{b}/key-accounts", {"hospital_id": hidden.pk})
    body = assert_error(r, 400, field="hospital_id")
    assert "广州中山医院" not in str(body)
    r = c.post(f"{b}/key-accounts", {"hospital_id": mine.pk, "note": "熟", "strength": 3})
    assert r.status_code == 201 and r.json()["hospital"] == {"visible": True, "id": mine.pk, "name": "浦东人民医院"}
    assert_error(c.post(f"{b}/key-accounts", {"hospital_id": mine.pk, "strength": 5}), 400, field="strength")
    kid = r.json()["id"]
    # a colleague who sees the agent but not the hospital
    make_share(agent, user=org.rep_px, access="write")
    px = as_user(org.rep_px)
    for body in (px.get(f"{b}/key-accounts").json()[0], px.get(f"{b}/profile").json()["key_accounts"][0]):
        assert body["hospital"] == {"visible": False, "id": None, "name": None} and body["note"] == "熟"
    r = px.patch(f"{b}/key-accounts/{kid}", {"strength": 1})
    assert r.status_code == 200 and r.json()["hospital"]["visible"] is False
    history = px.get(f"{b}/history").json()
    assert "浦东人民医院" not in str(history)


def test_head_office_and_stores(as_user, org):
    chain = make_customer(org.rep_gz, "大参林连锁", type="chain")
    store = make_customer(org.rep_pd1, "大参林（张江店）", type="pharmacy", parent_chain=chain)
    c = as_user(org.rep_pd1)
    assert c.get(f"/customers/{store.pk}/profile").json()["head_office"] == {"visible": False, "id": None,
                                                                             "name": None}
    own = make_customer(org.rep_pd1, "老百姓大药房连锁", type="chain")
    assert_error(c.put(f"/customers/{store.pk}/head-office", {"chain_id": chain.pk}), 400, field="chain_id")
    r = c.put(f"/customers/{store.pk}/head-office", {"chain_id": own.pk})
    assert r.json() == {"head_office": {"visible": True, "id": own.pk, "name": "老百姓大药房连锁"}}
    assert c.get(f"/customers/{own.pk}/profile").json()["stores"] == [
        {"visible": True, "id": store.pk, "name": "大参林（张江店）"}]
    assert c.put(f"/customers/{store.pk}/head-office", {"chain_id": None}).json() == {"head_office": None}
    assert_error(c.put(f"/customers/{store.pk}/head-office", {}), 400, field="chain_id")


def test_hospital_fields_through_the_customer_api(as_user, org):
    c = as_user(org.rep_pd1)
    r = c.post("/customers", {"type": "hospital", "name": "浦东人民医院", "hospital_grade": "3A", "beds": 1200,
                              "ownership": "public"})
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert c.get(f"/customers/{cid}/profile").json()["hospital"] == {"hospital_grade": "3A", "beds": 1200,
                                                                     "ownership": "public"}
    assert_error(c.patch(f"/customers/{cid}", {"beds": 0}), 400, field="beds")
    assert_error(c.post("/customers", {"type": "agent", "name": "某代理", "beds": 10}), 400, field="beds")
    r = c.patch(f"/customers/{cid}", {"type": "agent"})
    assert r.status_code == 200
    assert c.get(f"/customers/{cid}/profile").json()["hospital"] is None


def test_read_only_sharee_gets_403_and_nothing_changes(as_user, org, agent):
    ids, hospital2, product2 = fill_profile(org.rep_pd1, agent)
    make_share(agent, user=org.rep_px, access="read")
    c = as_user(org.rep_px)
    b = base(agent)
    assert c.get(f"{b}/profile").status_code == 200
    before = db_fingerprint()
    calls = [
        ("PUT", f"{b}/invoice-profile", {"title": "x", "taxpayer_id": VALID_CREDIT_CODE}),
        ("POST", f"{b}/shipping-addresses", ADDRESS),
        ("PATCH", f"{b}/shipping-addresses/{ids['address_id']}", {"notes": "x"}),
        ("DELETE", f"{b}/shipping-addresses/{ids['address_id']}", None),
        ("POST", f"{b}/shipping-addresses/{ids['address_id']}/set-default", {}),
        ("POST", f"{b}/shipping-addresses/{ids['address_id']}/reactivate", {}),
        ("POST", f"{b}/wanted-regions", {"region_code": "320500"}),
        ("PATCH", f"{b}/wanted-regions/{ids['region_id']}", {"note": "x"}),
        ("DELETE", f"{b}/wanted-regions/{ids['region_id']}", None),
        ("POST", f"{b}/products-of-interest", {"product_id": product2.pk}),
        ("PATCH", f"{b}/products-of-interest/{ids['interest_id']}", {"note": "x"}),
        ("DELETE", f"{b}/products-of-interest/{ids['interest_id']}", None),
        ("POST", f"{b}/product-fields", {"area": "oncology"}),
        ("PATCH", f"{b}/product-fields/{ids['field_id']}", {"annual_volume": "1"}),
        ("DELETE", f"{b}/product-fields/{ids['field_id']}", None),
        ("POST", f"{b}/key-accounts", {"hospital_id": hospital2.pk}),
        ("PATCH", f"{b}/key-accounts/{ids['key_account_id']}", {"strength": 1}),
        ("DELETE", f"{b}/key-accounts/{ids['key_account_id']}", None),
        ("POST", f"{b}/competitors", {"name": "x"}),
        ("PATCH", f"{b}/competitors/{ids['competitor_id']}", {"notes": "x"}),
        ("DELETE", f"{b}/competitors/{ids['competitor_id']}", None),
        ("PUT", f"{b}/head-office", {"chain_id": None}),
    ]
    for method, path, body in calls:
        assert_error(c.request(method, path, body), 403, "forbidden")
    assert db_fingerprint() == before
    from tests.api.test_customer_routes_visibility import CALLS, customer_routes

    profile_writes = {(m, p) for m, p in customer_routes()
                      if m != "GET" and any(k in p for k in ("invoice-profile", "shipping", "wanted", "products-of",
                                                             "product-fields", "key-accounts", "competitors",
                                                             "head-office"))}
    assert len(profile_writes) == len(calls) and profile_writes <= set(CALLS)


def test_profile_route_queries_do_not_grow(as_user, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pharmcrm.customers import profile_services as ps

    small, big = (make_customer(org.rep_pd1, name, type="agent") for name in ("小客户", "大客户"))
    fill_profile(org.rep_pd1, small)
    fill_profile(org.rep_pd1, big)
    for i in range(5):  # more of everything on the big one
        ps.shipping_address_create(actor=org.rep_pd1, customer_id=big.pk, data={**ADDRESS, "receiver": f"收货人{i}"})
        ps.competitor_create(actor=org.rep_pd1, customer_id=big.pk, data={"name": f"对手{i}"})
        h = make_customer(org.rep_pd1, f"第{i}医院", type="hospital")
        ps.key_account_add(actor=org.rep_pd1, customer_id=big.pk, data={"hospital_id": h.pk})
        ps.product_interest_add(actor=org.rep_pd1, customer_id=big.pk, data={"product_id": make_product().pk})
    c = as_user(org.rep_pd1)
    c.get(f"/customers/{small.pk}/profile")  # warm-up (token, regions)

    def count(customer) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(f"/customers/{customer.pk}/profile").status_code == 200
        return len(ctx.captured_queries)

    assert count(small) == count(big)
