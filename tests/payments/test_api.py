"""The payments API: every route with a payment, allocation or order id (ENUMERATED from the
NinjaAPI) answers 404 to a user of another branch and changes nothing; finance records with the
oldest-first proposal, allocates credit, releases, cancels; plans; ageing; bad input is a 400 with
the error shape and field names."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pharmcrm.payments.models import Payment, PaymentAllocation
from pharmcrm.sales.models import SalesOrder
from tests.api.conftest import ApiClient, assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.payments.conftest import order_for

pytestmark = pytest.mark.django_db
IDS = {"payment_id", "allocation_id", "sales_order_id"}
CALLS = {
    ("GET", "/payments/{payment_id}"): None,
    ("POST", "/payments/{payment_id}/cancel"): {"reason": "x"},
    ("POST", "/payments/{payment_id}/allocate"): {"allocations": "auto"},
    ("POST", "/payments/allocations/{allocation_id}/release"): {},
    ("GET", "/payments/orders/{sales_order_id}/plan"): None,
    ("PUT", "/payments/orders/{sales_order_id}/plan"): {"plans": []},
}


@pytest.fixture
def api_as(db):
    clients: dict[int, ApiClient] = {}

    def make(user) -> ApiClient:
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make


def routes():
    return [(m, p) for m, p in api_routes() if IDS & set(path_params(p))]


def test_every_id_route_is_covered():
    assert set(routes()) == set(CALLS), sorted(set(routes()) ^ set(CALLS))


@pytest.mark.parametrize("outsider", ["rep_gz", "rep_px", "south_head"])
def test_outsiders_get_404_on_every_route(org, pay, api_as, outsider):
    o = order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    fin = api_as(org.finance)
    r = fin.post("/payments", {"customer_id": pay.c1.pk, "amount": "60"})
    assert r.status_code == 201, r.content
    p = r.json()
    ids = {"payment_id": p["id"], "allocation_id": p["allocations"][0]["id"], "sales_order_id": o.pk}
    user = getattr(org, outsider)
    for method, template in sorted(routes()):
        r = api_as(user).request(method, concrete_path(template, **ids), CALLS[(method, template)])
        assert_error(r, 404)
    assert api_as(user).get("/payments").json()["count"] == 0
    assert_error(api_as(user).post("/payments", {"customer_id": pay.c1.pk, "amount": "1"}), 404)
    assert Payment.objects.get().status == "active" and SalesOrder.objects.get(pk=o.pk).paid_total == Decimal("60")
    for method, template in sorted(routes()):  # missing ids: 404 for finance too
        r = fin.request(method, concrete_path(template, **{k: 987654321 for k in ids}), CALLS[(method, template)])
        assert_error(r, 404)


def test_cycle(org, pay, api_as):
    older = order_for(org.rep_pd1, pay.c1, "100", days_ago=40)
    newer = order_for(org.rep_pd1, pay.c1, "200", days_ago=4)
    fin = api_as(org.finance)
    r = fin.get("/payments/proposal", customer_id=pay.c1.pk, amount="150")
    assert [(x["order_id"], x["amount"]) for x in r.json()] == [(older.pk, "100.00"), (newer.pk, "50.00")]
    r = fin.post("/payments", {"customer_id": pay.c1.pk, "amount": "150", "method": "bank_acceptance",
                               "reference": "银承 0001"})
    assert r.status_code == 201, r.content
    p = r.json()
    assert p["number"].startswith("HK-") and p["unallocated"] == "0.00" and len(p["allocations"]) == 2
    r = fin.post("/payments", {"customer_id": pay.c1.pk, "amount": "500", "allocations": []})
    credit = r.json()
    assert credit["unallocated"] == "500.00"
    r = fin.post(f"/payments/{credit['id']}/allocate", {"allocations": [{"order_id": newer.pk, "amount": "150"}]})
    assert r.json()["unallocated"] == "350.00"
    assert SalesOrder.objects.get(pk=newer.pk).outstanding == 0
    alloc = p["allocations"][0]["id"]
    r = fin.post(f"/payments/allocations/{alloc}/release", {"reason": "分错"})
    assert r.json()["active"] is False
    assert SalesOrder.objects.get(pk=older.pk).paid_total == 0
    assert_error(fin.post(f"/payments/{p['id']}/cancel", {}), 400, field="reason")
    r = fin.post(f"/payments/{p['id']}/cancel", {"reason": "重复"})
    assert r.json()["status"] == "cancelled"
    rep = api_as(org.rep_pd1)
    assert rep.get("/payments").json()["count"] == 2
    assert_error(rep.post(f"/payments/{credit['id']}/allocate", {}), 403)
    today = timezone.localdate()
    SalesOrder.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
    r = rep.request("PUT", f"/payments/orders/{older.pk}/plan", {"plans": [
        {"due_on": (today - datetime.timedelta(days=5)).isoformat(), "amount": "40"},
        {"due_on": (today + datetime.timedelta(days=5)).isoformat(), "amount": "60", "note": "尾款"}]})
    assert r.status_code == 200, r.content
    assert [x["state"] for x in r.json()["plans"]] == ["overdue", "due"]
    r = fin.get("/payments/ageing", group="customer")
    assert r.json()["totals"]["total"] == "150.00" and r.json()["totals"]["over_90"] == "0.00"
    assert (r.json()["rows"][0]["days_0_30"], r.json()["rows"][0]["days_31_60"]) == ("50.00", "100.00")
    assert fin.get("/payments/ageing", group="department").json()["rows"][0]["name"] == "总部"
    assert_error(fin.get("/payments/ageing", group="planet"), 400)


def test_bad_input(org, pay, api_as):
    o = order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    other = order_for(org.rep_pd2, pay.c2, "100", days_ago=3)
    fin = api_as(org.finance)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    cases = [
        ({"amount": "0"}, "amount"), ({"amount": "-1"}, "amount"), ({"amount": "1.001"}, "amount"),
        ({"received_on": tomorrow}, "received_on"), ({"method": "bitcoin"}, "method"),
        ({"allocations": [{"order_id": other.pk, "amount": "5"}]}, "allocations.0.order_id"),
        ({"allocations": [{"order_id": o.pk, "amount": "101"}]}, "allocations.0.amount"),
        ({"allocations": [{"order_id": o.pk, "amount": "5"}, {"order_id": o.pk, "amount": "5"}]},
         "allocations.1.order_id"),
        ({"allocations": [{"order_id": o.pk, "amount": "60"}]}, "allocations"),
        ({"surprise": 1}, "surprise"),
    ]
    for extra, field in cases:
        body = {"customer_id": pay.c1.pk, "amount": "50", **extra}
        assert_error(fin.post("/payments", body), 400, field=field)
    assert_error(fin.post("/payments", {"customer_id": pay.c1.pk, "amount": "5",
                                        "allocations": [{"order_id": 987654321, "amount": "1"}]}), 404)
    assert_error(fin.post("/payments", {"customer_id": 987654321, "amount": "5"}), 404)
    assert not Payment.objects.exists() and not PaymentAllocation.objects.exists()
