"""The agreements API: create with lines and territory, filters, activation with the structured
overlap error, terminate, deposit, availability, field errors."""

from __future__ import annotations

import datetime

import pytest

from pharmcrm.agency.models import AgencyAgreement
from tests.agency.helpers import make_agreement
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def _body(world, **over):
    y = world.today.year + 1
    body = {
        "agent_id": world.agent_a.pk, "exclusive": True, "start_date": f"{y}-01-01", "end_date": f"{y}-12-31",
        "monthly_target": "100000.00", "yearly_target": "1200000", "deposit_amount": "50000",
        "rebate_terms": "年度完成任务量返利2%", "lines": [{"product_id": world.p1.pk, "agency_price": "12.3456",
                                                       "supply_price": "15.5", "yearly_quantity": 20000}],
        "regions": ["330100"], "hospital_ids": [],
    }
    body.update(over)
    return body


def test_create_detail_and_list(world, api_as):
    c = api_as(world.org.rep_pd1)
    r = c.post("/agreements", _body(world))
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["status"] == "draft" and a["number"].startswith("DL-")
    assert a["lines"][0]["agency_price"] == "12.3456" and a["lines"][0]["product"]["name"].startswith("阿托伐他汀")
    assert a["regions"] == [{"id": a["regions"][0]["id"], "region_code": "330100", "region_label": "浙江省 杭州市"}]
    assert a["permissions"] == {"write": True, "manage": True, "activate": True, "terminate": True}
    assert a["yearly_target"] == "1200000.00" or a["yearly_target"] == "1200000"
    r = c.get(f"/agreements/{a['id']}")
    assert r.status_code == 200 and r.json()["rebate_terms"] == "年度完成任务量返利2%"
    items = c.get("/agreements").json()["items"]
    assert [x["id"] for x in items] == [a["id"]]


def test_create_is_all_or_nothing_with_named_fields(world, api_as):
    c = api_as(world.org.rep_pd1)
    body = _body(world, lines=[{"product_id": world.p1.pk, "agency_price": "1"},
                               {"product_id": world.p2.pk, "agency_price": "-1"}])
    assert_error(c.post("/agreements", body), 400, field="lines.1.agency_price")
    assert_error(c.post("/agreements", _body(world, regions=["330100", "999999"])), 400, field="regions.1")
    assert_error(c.post("/agreements", _body(world, hospital_ids=[world.hosp_zy.pk])), 400, field="hospital_ids.0")
    assert_error(c.post("/agreements", _body(world, end_date="2020-01-01")), 400, field="end_date")
    assert_error(c.post("/agreements", _body(world, start_date="not a date")), 400, field="start_date")
    assert_error(c.post("/agreements", _body(world, owner=1)), 400)
    assert not AgencyAgreement.objects.exists()
    # an invisible agent is a 404
    assert_error(c.post("/agreements", _body(world, agent_id=world.agent_g.pk)), 404, "not_found")


def test_activate_and_the_structured_overlap_error(world, api_as):
    org = world.org
    make_agreement(world.agent_g, actor=org.rep_gz, products=[world.p1], regions=["330000"], number="GZ-HIDDEN",
                   start=datetime.date(world.today.year + 1, 1, 1), end=datetime.date(world.today.year + 1, 12, 31),
                   activate=True)
    c = api_as(org.rep_pd1)
    a = c.post("/agreements", _body(world)).json()
    r = c.get(f"/agreements/{a['id']}/conflicts")
    assert r.status_code == 200 and len(r.json()) == 1 and r.json()[0]["agreement"] is None
    r = c.post(f"/agreements/{a['id']}/activate")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "exclusive_overlap" and set(body) == {"code", "message", "fields", "conflicts"}
    (conflict,) = body["conflicts"]
    assert conflict["visible"] is False and conflict["agreement"] is None
    assert conflict["territory"] == [{"mine": {"kind": "region", "key": "330100", "label": "浙江省 杭州市"},
                                      "theirs": None}]
    assert "GZ-HIDDEN" not in r.content.decode() and "广州南方" not in r.content.decode()
    # the administrator is told which agreement
    admin = api_as(org.admin)
    body = admin.post(f"/agreements/{a['id']}/activate").json()
    assert body["conflicts"][0]["agreement"]["number"] == "GZ-HIDDEN"
    assert body["conflicts"][0]["territory"][0]["theirs"]["key"] == "330000"
    # a non-overlapping region activates
    r = c.post("/agreements", _body(world, regions=["320100"]))
    ok = c.post(f"/agreements/{r.json()['id']}/activate")
    assert ok.status_code == 200 and ok.json()["status"] == "active"
    assert_error(c.post(f"/agreements/{r.json()['id']}/activate"), 400, "invalid_transition")


def test_update_lines_territory_terminate_deposit(world, api_as):
    c = api_as(world.org.rep_pd1)
    a = c.post("/agreements", _body(world, regions=[])).json()
    aid = a["id"]
    r = c.patch(f"/agreements/{aid}", {"notes": "备注", "exclusive": False})
    assert r.status_code == 200 and r.json()["exclusive"] is False
    assert_error(c.patch(f"/agreements/{aid}", {"monthly_target": "1.234"}), 400, field="monthly_target")
    line = c.post(f"/agreements/{aid}/lines", {"product_id": world.p2.pk, "agency_price": "8"})
    assert line.status_code == 201
    assert_error(c.post(f"/agreements/{aid}/lines", {"product_id": world.p2.pk, "agency_price": "8"}), 400,
                 "duplicate_product")
    assert c.patch(f"/agreements/{aid}/lines/{line.json()['id']}", {"monthly_quantity": 500}).json()[
        "monthly_quantity"] == 500
    assert c.delete(f"/agreements/{aid}/lines/{line.json()['id']}").status_code == 204
    assert len(c.get(f"/agreements/{aid}/lines").json()) == 1
    region = c.post(f"/agreements/{aid}/regions", {"region_code": "330106"})
    assert region.status_code == 201 and region.json()["region_label"] == "浙江省 杭州市 西湖区"
    assert_error(c.post(f"/agreements/{aid}/regions", {"region_code": "330106"}), 400, field="region_code")
    hosp = c.post(f"/agreements/{aid}/hospitals", {"hospital_id": world.hosp_xh.pk})
    assert_error(hosp, 400, field="hospital_id")  # inside 西湖区 already
    assert c.delete(f"/agreements/{aid}/regions/{region.json()['id']}").status_code == 204
    hosp = c.post(f"/agreements/{aid}/hospitals", {"hospital_id": world.hosp_xh.pk})
    assert hosp.status_code == 201 and hosp.json()["hospital"]["name"] == "杭州西湖医院"
    assert c.post(f"/agreements/{aid}/activate").status_code == 200
    dep = c.post(f"/agreements/{aid}/deposit", {"status": "paid", "on": str(world.today)})
    assert dep.status_code == 200 and dep.json()["deposit_status"] == "paid"
    assert_error(c.post(f"/agreements/{aid}/deposit", {"status": "paid"}), 400, "invalid_transition")
    assert_error(c.post(f"/agreements/{aid}/terminate", {"reason": ""}), 400, field="reason")
    t = c.post(f"/agreements/{aid}/terminate", {"reason": "代理商转行"})
    assert t.status_code == 200 and t.json()["status"] == "terminated"
    history = c.get(f"/agreements/{aid}/history").json()
    assert {"agreement_create", "agreement_activate", "agreement_terminate", "agreement_deposit"} <= {
        e["action"] for e in history}


def test_filters(world, api_as):
    admin = world.org.admin
    a = make_agreement(world.agent_a, actor=admin, products=[world.p1], regions=["330000"], activate=True)
    b = make_agreement(world.agent_b, actor=admin, products=[world.p2], regions=["330106"], exclusive=False)
    g = make_agreement(world.agent_g, actor=admin, products=[world.p3], hospitals=[world.hosp_zy],
                       start=world.today, end=world.today + datetime.timedelta(days=15), activate=True)
    c = api_as(admin)

    def ids(**q):
        r = c.get("/agreements", **q)
        assert r.status_code == 200, r.content
        return {x["id"] for x in r.json()["items"]}

    assert ids() == {a.pk, b.pk, g.pk}
    assert ids(status="active") == {a.pk, g.pk}
    assert ids(product=world.p2.pk) == {b.pk}
    assert ids(region="330100") == {a.pk, b.pk, g.pk}  # contains it / inside it / hospital inside it
    assert ids(region="330106") == {a.pk, b.pk}
    assert ids(region="320000") == set()
    assert ids(exclusive="false") == {b.pk}
    assert ids(expiring_within=30) == {g.pk}
    assert ids(agent=world.agent_a.pk) == {a.pk}
    assert ids(q="康源") == {a.pk} and ids(q=a.number) == {a.pk}
    assert_error(c.get("/agreements", expiring_within=-1), 400)
    assert_error(c.get("/agreements", sort="evil"), 400)
    assert_error(c.get("/agreements", region="33"), 400, field="region")


def test_availability(world, api_as):
    from pharmcrm.customers.models import CustomerProductInterest, CustomerWantedRegion

    admin = world.org.admin
    for code in ("330000", "330200", "320000"):
        CustomerWantedRegion.objects.create(customer=world.agent_a, region_code=code)
    make_agreement(world.agent_g, actor=admin, products=[world.p1], regions=["330100"], number="GZ-1",
                   activate=True)
    make_agreement(world.agent_a, actor=admin, products=[world.p1], regions=["330200"], number="ZJ-OWN",
                   activate=True)
    c = api_as(world.org.rep_pd1)
    rows = c.get("/agreements/availability", customer_id=world.agent_a.pk).json()
    by = {r["region_code"]: r for r in rows}
    assert by["330000"]["state"] == "taken" and by["330000"]["partial"] and by["330000"]["hidden"]
    # its own 宁波 agreement is named, the other agent's 杭州 one is not
    assert [x["number"] for x in by["330000"]["agreements"]] == ["ZJ-OWN"]
    assert by["330000"]["taken_products"] == [str(world.p1)]
    assert by["330200"]["state"] == "taken_by_self" and by["330200"]["agreements"][0]["number"] == "ZJ-OWN"
    assert by["320000"]["state"] == "free" and by["320000"]["product"] is None
    # per product of interest
    CustomerProductInterest.objects.create(customer=world.agent_a, product=world.p1)
    CustomerProductInterest.objects.create(customer=world.agent_a, product=world.p2)
    rows = c.get("/agreements/availability", customer_id=world.agent_a.pk).json()
    states = {(r["region_code"], r["product"]["id"]): r["state"] for r in rows}
    assert states[("330000", world.p1.pk)] == "taken" and states[("330000", world.p2.pk)] == "free"
    assert "GZ-1" not in str(rows)
    assert_error(api_as(world.org.rep_gz).get("/agreements/availability", customer_id=world.agent_a.pk), 404)
