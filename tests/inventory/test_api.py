"""The stock API: every route answers; writes need the warehouse role; bad input is a structured
400 that changes nothing; the allocation proposal is FEFO."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmcrm.inventory.models import Batch, StockMove, StockReceipt
from tests.api.conftest import assert_error
from tests.api.routes import api_routes
from tests.inventory.helpers import days, make_product, make_warehouse, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(org, keeper):
    wh, p = make_warehouse("SH", "上海总仓"), make_product("阿莫西林胶囊")
    return {"wh": wh, "p": p, "near": receive(keeper, wh, p, "N1", 10, days(20)),
            "far": receive(keeper, wh, p, "F1", 5, days(700)), "old": receive(keeper, wh, p, "E1", 3, days(-2))}


def test_routes_are_the_documented_ones():
    routes = {(m, p) for m, p in api_routes() if p.startswith("/inventory")}
    assert routes == {("GET", "/inventory/warehouses"), ("POST", "/inventory/warehouses"),
                      ("GET", "/inventory/batches"), ("GET", "/inventory/batches/{batch_id}"),
                      ("GET", "/inventory/receipts"), ("POST", "/inventory/receipts"),
                      ("GET", "/inventory/receipts/{receipt_id}"), ("POST", "/inventory/adjustments"),
                      ("GET", "/inventory/allocation-proposal")}, routes


def test_reads_for_a_rep(org, as_user, stock):
    c = as_user(org.rep_pd1)
    assert [w["code"] for w in c.get("/inventory/warehouses").json()] == ["SH"]
    page = c.get("/inventory/batches").json()
    assert [b["batch_no"] for b in page["items"]] == ["E1", "N1", "F1"] and page["count"] == 3
    assert page["items"][0]["expired"] is True and page["items"][1]["on_hand"] == "10.000"
    assert [b["batch_no"] for b in c.get("/inventory/batches", expired="true").json()["items"]] == ["E1"]
    assert [b["batch_no"] for b in c.get("/inventory/batches", expiring_days=30).json()["items"]] == ["N1"]
    assert [b["batch_no"] for b in c.get("/inventory/batches", sort="-expiry").json()["items"]] == ["F1", "N1", "E1"]
    d = c.get(f"/inventory/batches/{stock['near'].pk}").json()
    assert d["moves"][0]["kind"] == "receipt" and d["moves"][0]["quantity"] == "10.000"
    assert_error(c.get("/inventory/batches/999999"), 404, "not_found")
    receipts = c.get("/inventory/receipts").json()
    assert receipts["count"] == 3
    r = c.get(f"/inventory/receipts/{receipts['items'][0]['id']}").json()
    assert r["lines"][0]["batch_no"] == "E1"
    assert_error(c.get("/inventory/receipts/999999"), 404, "not_found")
    prop = c.get("/inventory/allocation-proposal", product_id=stock["p"].pk, quantity="12").json()
    assert [(a["batch"]["batch_no"], a["quantity"]) for a in prop] == [("N1", "10.000"), ("F1", "2.000")]
    r = c.get("/inventory/allocation-proposal", product_id=stock["p"].pk, quantity="16")
    assert r.status_code == 400
    err = r.json()  # the error shape plus the available quantity
    assert err["code"] == "insufficient_stock" and err["available"] == "15.000" and "15" in err["message"]
    prop = c.get("/inventory/allocation-proposal", product_id=stock["p"].pk, quantity="3",
                 min_expiry=days(100).isoformat()).json()
    assert [a["batch"]["batch_no"] for a in prop] == ["F1"]
    assert_error(c.get("/inventory/allocation-proposal", product_id=stock["p"].pk, quantity="0"), 400,
                 "invalid_quantity")


def test_writes_need_the_warehouse_role(org, as_user, stock):
    c = as_user(org.rep_pd1)
    before = (list(Batch.objects.values()), StockMove.objects.count(), StockReceipt.objects.count())
    assert_error(c.post("/inventory/receipts", {"warehouse_id": stock["wh"].pk, "lines": [{
        "product_id": stock["p"].pk, "batch_no": "X", "expiry_date": days(100).isoformat(), "quantity": "1"}]}),
        403, "forbidden")
    assert_error(c.post("/inventory/adjustments", {"batch_id": stock["near"].pk, "delta": "-1", "reason": "damage"}),
                 403, "forbidden")
    assert_error(c.post("/inventory/warehouses", {"code": "X", "name": "x"}), 403, "forbidden")
    assert (list(Batch.objects.values()), StockMove.objects.count(), StockReceipt.objects.count()) == before


def test_receipt_and_adjustment(org, keeper, as_user, stock):
    c = as_user(keeper)
    line = {"product_id": stock["p"].pk, "batch_no": "NEW1", "expiry_date": days(500).isoformat(), "quantity": "7.5"}
    r = c.post("/inventory/receipts", {"warehouse_id": stock["wh"].pk, "supplier": "国药控股", "lines": [
        line, {**line, "batch_no": "N1", "expiry_date": days(20).isoformat(), "quantity": 2}]})
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["number"].startswith("RK-") and len(body["lines"]) == 2
    assert Batch.objects.get(batch_no="N1").on_hand == 12
    before = (list(Batch.objects.values()), StockMove.objects.count(), StockReceipt.objects.count())
    for bad, code, field in [
        ({**line, "quantity": "0"}, "invalid", "lines.0.quantity"),
        ({**line, "quantity": "-3"}, "invalid", "lines.0.quantity"),
        ({**line, "quantity": "1.2345"}, "invalid", "lines.0.quantity"),
        ({**line, "product_id": 999999}, "invalid", "lines.0.product_id"),
        ({**line, "batch_no": "N1", "expiry_date": days(21).isoformat()}, "invalid", "lines.0.expiry_date"),
        ({**line, "expiry_date": "tomorrow"}, "invalid", "lines.0.expiry_date"),
        ({**line, "colour": "red"}, "invalid", "lines.0.colour"),
    ]:
        assert_error(c.post("/inventory/receipts", {"warehouse_id": stock["wh"].pk, "lines": [bad]}), 400, code, field)
    assert_error(c.post("/inventory/receipts", {"warehouse_id": stock["wh"].pk, "lines": []}), 400, "invalid")
    for delta in ("0", "-13", "0.0001"):
        r = c.post("/inventory/adjustments", {"batch_id": stock["near"].pk, "delta": delta, "reason": "count"})
        assert r.status_code == 400 and "delta" in r.json()["fields"], r.json()
    assert_error(c.post("/inventory/adjustments", {"batch_id": 999999, "delta": "1", "reason": "count"}), 404)
    assert (list(Batch.objects.values()), StockMove.objects.count(), StockReceipt.objects.count()) == before
    r = c.post("/inventory/adjustments", {"batch_id": stock["near"].pk, "delta": "-2", "reason": "damage",
                                          "reason_text": "运输破损"})
    assert r.status_code == 201 and r.json()["batch"]["on_hand"] == "10.000"
    assert Batch.objects.get(batch_no="N1").on_hand == Decimal("10")
    r = c.post("/inventory/warehouses", {"code": "gz01", "name": "广州分仓"})
    assert r.status_code == 201 and r.json()["code"] == "GZ01"
    assert_error(c.post("/inventory/warehouses", {"code": "GZ01", "name": "重复"}), 400, "invalid", "code")
