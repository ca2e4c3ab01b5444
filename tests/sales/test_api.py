"""The orders API: create, list, get, patch, every transition, review, price exceptions, terms;
every route with an ``{order_id}`` (ENUMERATED from the NinjaAPI) answers 404 to a peer and to
another branch and changes nothing; errors are structured; floor prices only for those allowed."""

from __future__ import annotations

import pytest

from pharmcrm.sales import services
from pharmcrm.sales.models import OrderEvent, SalesOrder
from tests.api.conftest import ApiClient, assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db

CALLS = {
    ("GET", "/orders/{order_id}"): None,
    ("PATCH", "/orders/{order_id}"): {"notes": "改备注"},
    ("POST", "/orders/{order_id}/submit"): {},
    ("POST", "/orders/{order_id}/approve"): {},
    ("POST", "/orders/{order_id}/reject"): {"reason": "不行"},
    ("POST", "/orders/{order_id}/cancel"): {"reason": "取消"},
    ("POST", "/orders/{order_id}/outbound"): {},
    ("POST", "/orders/{order_id}/ship"): {"carrier": "顺丰", "tracking_no": "SF1"},
    ("POST", "/orders/{order_id}/receive"): {},
    ("GET", "/orders/{order_id}/review"): None,
    ("GET", "/orders/{order_id}/exceptions"): None,
    ("POST", "/orders/{order_id}/exceptions"): {"line_id": 1, "reason": "竞品"},
    ("GET", "/orders/{order_id}/terms"): None,
    ("PUT", "/orders/{order_id}/terms"): {"credit_limit": "1000"},
    ("GET", "/orders/{order_id}/attachments"): None,
    ("POST", "/orders/{order_id}/attachments"): {},
    ("GET", "/orders/{order_id}/attachments/{attachment_id}"): None,
}


@pytest.fixture
def api_as(db):
    clients: dict[int, ApiClient] = {}

    def make(user) -> ApiClient:
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make


def order_routes():
    return [(m, p) for m, p in api_routes() if "order_id" in path_params(p)]


def test_every_order_route_is_covered():
    assert set(order_routes()) == set(CALLS), sorted(set(order_routes()) ^ set(CALLS))


@pytest.mark.parametrize("outsider", ["rep_pd2", "rep_gz", "south_head", "keeper"])
def test_outsiders_get_404_on_every_order_route(org, book, api_as, outsider):
    o = new_order(org.rep_pd1, book.pd1)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)  # submitted: not yet for warehouse
    user = book.keeper if outsider == "keeper" else getattr(org, outsider)
    events = OrderEvent.objects.count()
    for method, template in sorted(order_routes()):
        body = CALLS[(method, template)]
        r = api_as(user).request(method, concrete_path(template, order_id=o.pk), body)
        assert_error(r, 404)
    assert OrderEvent.objects.count() == events
    assert SalesOrder.objects.get(pk=o.pk).status == "submitted"
    if outsider != "keeper":
        assert api_as(user).get("/orders").json()["count"] == 0
    r = api_as(user).post("/orders", {"customer_id": book.pd1.pk, "shipping_address_id": 1,
                                      "terminal_type": "agent", "lines": []})
    assert_error(r, 404)


def test_full_cycle_through_the_api(org, book, stocked, api_as):
    rep = api_as(org.rep_pd1)
    addr = book.pd1.shipping_addresses.get()
    r = rep.post("/orders", {"customer_id": book.pd1.pk, "shipping_address_id": addr.pk,
                             "terminal_type": "public_hospital",
                             "lines": [{"product_id": book.product.pk, "quantity": "40"},
                                       {"product_id": book.product.pk, "quantity": 1, "unit_price": "9.5"}]})
    assert r.status_code == 201, r.content
    o = r.json()
    assert o["number"].startswith("XS-") and o["amount_total"] == "509.50" and o["status"] == "draft"
    assert all(ln["floor_price"] is None for ln in o["lines"])
    assert set(o["actions"]) == {"edit", "submit", "cancel"}
    oid, line2 = o["id"], o["lines"][1]["id"]
    assert rep.post(f"/orders/{oid}/submit").json()["status"] == "submitted"
    fin = api_as(org.finance)
    rv = fin.get(f"/orders/{oid}/review").json()
    assert not rv["approvable"] and [c["key"] for c in rv["checks"] if not c["passed"]] == ["floor_price"]
    assert fin.get(f"/orders/{oid}").json()["lines"][1]["floor_price"] == "10.0000"
    assert_error(fin.post(f"/orders/{oid}/approve", {}), 400, code="review_failed")
    r = rep.post(f"/orders/{oid}/exceptions", {"line_id": line2, "reason": "竞品低价"})
    assert r.status_code == 201, r.content
    exc = r.json()["id"]
    assert_error(api_as(org.rep_pd2).post(f"/orders/exceptions/{exc}/decide", {"approve": True}), 404)
    assert api_as(org.pd_head).post(f"/orders/exceptions/{exc}/decide", {"approve": True}).json()["state"] == \
        "approved"
    assert fin.post(f"/orders/{oid}/approve", {}).json()["status"] == "approved"
    keeper = api_as(book.keeper)
    d = keeper.get(f"/orders/{oid}").json()
    assert d["access"] == "shipping" and d["actions"] == ["outbound"]
    assert_error(keeper.get(f"/orders/{oid}/review"), 404)
    d = keeper.post(f"/orders/{oid}/outbound", {}).json()
    assert d["status"] == "outbound"
    assert [a["batch_no"] for a in d["lines"][0]["allocations"]] == ["B2401", "B2402"]
    assert_error(keeper.post(f"/orders/{oid}/ship", {"carrier": "", "tracking_no": ""}), 400)
    assert keeper.post(f"/orders/{oid}/ship", {"carrier": "顺丰", "tracking_no": "SF1"}).json()["status"] == "shipped"
    assert rep.post(f"/orders/{oid}/receive", {}).json()["status"] == "received"
    assert [e["kind"] for e in rep.get(f"/orders/{oid}").json()["timeline"]] == [
        "created", "submitted", "exc_asked", "exc_decided", "approved", "outbound", "shipped", "received"]
    assert_error(rep.post(f"/orders/{oid}/cancel", {"reason": "x"}), 400, code="illegal_transition")


def test_bad_input_is_structured_and_changes_nothing(org, book, api_as):
    rep = api_as(org.rep_pd1)
    addr = book.pd1.shipping_addresses.get()
    base = {"customer_id": book.pd1.pk, "shipping_address_id": addr.pk, "terminal_type": "agent"}
    r = rep.post("/orders", {**base, "lines": [{"product_id": book.product.pk, "quantity": "1",
                                                 "unit_price": "1.23456"}]})
    body = assert_error(r, 400)
    assert "lines.0.unit_price" in body["fields"]
    r = rep.post("/orders", {**base, "lines": [{"product_id": book.product.pk, "quantity": 0}]})
    assert "lines.0.quantity" in assert_error(r, 400)["fields"]
    other = book.pd2.shipping_addresses.get()
    r = rep.post("/orders", {**base, "shipping_address_id": other.pk,
                             "lines": [{"product_id": book.product.pk, "quantity": 1}]})
    assert "shipping_address_id" in assert_error(r, 400)["fields"]
    assert_error(rep.post("/orders", {**base, "lines": [], "bogus": 1}), 400)
    assert not SalesOrder.objects.exists()


def test_terms_and_list(org, book, api_as):
    o = new_order(org.rep_pd1, book.pd1)
    fin = api_as(org.finance)
    assert_error(api_as(org.rep_pd1).put(f"/orders/{o.pk}/terms", {"credit_limit": "5"}), 403)
    r = fin.put(f"/orders/{o.pk}/terms", {"credit_limit": "50000", "min_shelf_life_days": 365})
    assert r.status_code == 200 and r.json()["credit_limit"] == "50000.00" and r.json()["min_shelf_life_days"] == 365
    assert api_as(org.rep_pd1).get(f"/orders/{o.pk}/terms").json()["credit_limit"] == "50000.00"
    page = fin.get("/orders", status="draft").json()
    assert page["count"] == 1 and page["items"][0]["number"] == o.number
