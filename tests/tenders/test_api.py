"""The tenders and listings API: every route with a ``{tender_id}`` (enumerated from the
NinjaAPI) answers 404 to who cannot see the tender and changes nothing; the full cycle with the
floor-price approval; stats; listings; structured errors."""

from __future__ import annotations

import pytest

from pharmcrm.tenders.models import Tender, TenderEvent
from tests.api.conftest import assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.tenders.conftest import new_tender

pytestmark = pytest.mark.django_db

CALLS = {
    ("GET", "/tenders/{tender_id}"): None,
    ("PATCH", "/tenders/{tender_id}"): {"notes": "x"},
    ("POST", "/tenders/{tender_id}/lines"): {"product_id": 1},
    ("PATCH", "/tenders/{tender_id}/lines/{line_id}"): {"bid_price": "1"},
    ("DELETE", "/tenders/{tender_id}/lines/{line_id}"): None,
    ("POST", "/tenders/{tender_id}/lines/{line_id}/competitors"): {"competitor": "x", "price": "1"},
    ("POST", "/tenders/{tender_id}/lines/{line_id}/exception"): {"reason": "x"},
    ("POST", "/tenders/{tender_id}/exceptions/{exception_id}/decide"): {"approve": True},
    ("POST", "/tenders/{tender_id}/register"): {},
    ("POST", "/tenders/{tender_id}/prepare"): {},
    ("POST", "/tenders/{tender_id}/submit"): {},
    ("POST", "/tenders/{tender_id}/cancel"): {},
    ("POST", "/tenders/{tender_id}/execute"): {},
    ("POST", "/tenders/{tender_id}/expire"): {},
    ("POST", "/tenders/{tender_id}/win"): {"winning_prices": {}},
    ("POST", "/tenders/{tender_id}/lose"): {"reason": "x"},
    ("POST", "/tenders/{tender_id}/renew"): {},
}


def tender_routes():
    return [(m, p) for m, p in api_routes() if "tender_id" in path_params(p)]


def test_every_tender_route_is_covered():
    assert set(tender_routes()) == set(CALLS), sorted(set(tender_routes()) ^ set(CALLS))


@pytest.mark.parametrize("outsider", ["rep_pd2", "rep_gz", "south_head", "finance"])
def test_outsiders_get_404_on_every_route(org, tb, api_as, outsider):
    from pharmcrm.tenders import services

    t = new_tender(org.rep_pd1)
    line = services.tender_line_add(actor=org.rep_pd1, tender_id=t.pk, data={"product_id": tb.p1.pk, "bid_price": "9"})
    exc = services.price_exception_request(actor=org.rep_pd1, line_id=line.pk, reason="低价")
    user = getattr(org, outsider)
    events = TenderEvent.objects.count()
    for method, template in sorted(tender_routes()):
        path = concrete_path(template, tender_id=t.pk, line_id=line.pk, exception_id=exc.pk)
        assert_error(api_as(user).request(method, path, CALLS[(method, template)]), 404)
    assert TenderEvent.objects.count() == events
    assert Tender.objects.get(pk=t.pk).status == "tracking"
    assert api_as(user).get("/tenders").json()["count"] == 0


def test_full_cycle(org, tb, api_as):
    api = api_as(org.rep_pd1)
    r = api.post("/tenders", {"name": "上海市第十批集采", "province": "310000", "type": "vbp",
                              "bid_opening_at": "2026-12-20T09:30:00+08:00", "bond_amount": "20000.00"})
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["number"].startswith("ZB-") and t["status"] == "tracking" and t["actions"] == ["register", "cancel"]
    tid = t["id"]
    assert_error(api.post("/tenders", {"name": "x", "province": "310100"}), 400, field="province")
    assert_error(api.post("/tenders", {"name": "x", "province": "310000", "bond_amount": "1.001"}), 400,
                 field="bond_amount")
    assert_error(api.post("/tenders", {"name": "x", "province": "310000", "extra": 1}), 400)
    r = api.post(f"/tenders/{tid}/lines", {"product_id": tb.p1.pk, "bid_price": "9.5", "quantity": "1000"})
    assert r.status_code == 201 and r.json()["below_floor"] is True
    line_id = r.json()["id"]
    api.post(f"/tenders/{tid}/register", {})
    api.post(f"/tenders/{tid}/prepare", {})
    assert_error(api.post(f"/tenders/{tid}/submit", {}), 400, "floor_price")
    r = api.post(f"/tenders/{tid}/lines/{line_id}/exception", {"reason": "集采竞争激烈"})
    assert r.status_code == 201
    exc_id = r.json()["id"]
    assert_error(api.post(f"/tenders/{tid}/exceptions/{exc_id}/decide", {"approve": True}), 403)
    r = api_as(org.pd_head).post(f"/tenders/{tid}/exceptions/{exc_id}/decide", {"approve": True, "note": "同意"})
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert api.post(f"/tenders/{tid}/submit", {}).json()["status"] == "submitted"
    r = api.post(f"/tenders/{tid}/lines/{line_id}/competitors", {"competitor": "齐鲁制药", "price": "9.1"})
    assert r.json()["competitor_prices"][0]["competitor"] == "齐鲁制药"
    assert_error(api.post(f"/tenders/{tid}/win", {"winning_prices": {}}), 400, field="winning_prices")
    t = api.post(f"/tenders/{tid}/win", {"winning_prices": {str(line_id): "9.5"}}).json()
    assert t["status"] == "won" and t["lines"][0]["winning_price"] == "9.5000" and t["lines"][0]["won"] is True
    assert [e["to_status"] for e in t["events"] if e["kind"] == "transition"] == [
        "registered", "preparing", "submitted", "won"]
    rows = api.get("/tenders/stats", by="owner").json()
    assert rows[0]["won"] == 1 and rows[0]["won_amount"] == "9500.00"
    assert api.get("/tenders", status="won").json()["count"] == 1
    assert_error(api.get("/tenders", status="nope"), 400)


def test_listings_api(org, tb, api_as):
    api = api_as(tb.weilin)
    r = api.post("/listings", {"product_id": tb.p1.pk, "province": "310000", "listing_price": "12.3"})
    assert r.status_code == 201, r.content
    lid = r.json()["id"]
    assert_error(api.post("/listings", {"product_id": tb.p1.pk, "province": "310000"}), 400, "duplicate")
    assert api.post(f"/listings/{lid}/apply", {}).json()["status"] == "applying"
    assert_error(api.post(f"/listings/{lid}/suspend", {}), 400, "illegal_transition")
    assert_error(api_as(org.rep_pd1).post(f"/listings/{lid}/list", {}), 403)
    assert api_as(org.rep_pd1).get("/listings", status="applying").json()["count"] == 1
    assert_error(api.get("/listings/999999"), 404)
