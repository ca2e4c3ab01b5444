"""Return orders through the pages and the API: the request form from the order page, the
finance and warehouse actions, the list's tabs; 404 for those who may not see the order on every
return route (ENUMERATED from the NinjaAPI); structured errors; warehouse sees no amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from pharmcrm.inventory.models import Batch
from pharmcrm.sales import returns
from pharmcrm.sales.models import OrderLineAllocation, ReturnOrder, ReturnStatus
from tests.api.conftest import ApiClient, assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.sales.test_returns import _request, _shipped

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_request_approve_receive_through_the_pages(org, book, stocked, as_):
    order = _shipped(org, book)
    alloc = OrderLineAllocation.objects.get(line__order=order)
    c = as_(org.rep_pd1)
    page = c.get(reverse("web:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="request-return"' in page
    url = reverse("web:return_new", args=[order.pk])
    assert 'data-testid="return-batch"' in c.get(url).content.decode()
    bad = c.post(url, {f"qty_{alloc.pk}": "10.5", "reason": ""})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "invalid-feedback" in body and not ReturnOrder.objects.exists()
    r = c.post(url, {f"qty_{alloc.pk}": "4", "reason": "外包装破损"})
    ret = ReturnOrder.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("web:return_detail", args=[ret.pk])
    detail = c.get(r["Location"]).content.decode()
    assert "return-approve" not in detail and 'data-testid="return-withdraw"' in detail
    f = as_(org.finance)
    assert 'data-testid="return-approve"' in f.get(r["Location"]).content.decode()
    assert f.post(reverse("web:return_action", args=[ret.pk, "approve"])).status_code == 302
    k = as_(book.keeper)
    page = k.get(r["Location"]).content.decode()
    assert 'data-testid="return-receive"' in page and "¥50.00" not in page.split("return-line")[1]
    k.post(reverse("web:return_action", args=[ret.pk, "receive"]))
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RECEIVED
    assert Batch.objects.get(pk=stocked.b1.pk).on_hand == Decimal("24")
    lst = as_(org.finance).get(reverse("web:return_list") + "?status=received").content.decode()
    assert ret.number in lst


def test_reject_needs_a_reason_on_the_page(org, book, stocked, as_):
    ret = _request(org, _shipped(org, book), "1")
    f = as_(org.finance)
    r = f.post(reverse("web:return_action", args=[ret.pk, "reject"]), {"reason": ""})
    assert r.status_code == 400 and 'data-testid="return-error"' in r.content.decode()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED


def test_pages_are_404_for_who_cannot_see_the_order(org, book, stocked, as_):
    order = _shipped(org, book)
    ret = _request(org, order, "1")
    c = as_(org.rep_gz)
    for url in (reverse("web:return_detail", args=[ret.pk]), reverse("web:return_new", args=[order.pk])):
        assert c.get(url).status_code == 404
    for action in ("approve", "reject", "withdraw", "receive"):
        assert c.post(reverse("web:return_action", args=[ret.pk, action]), {"reason": "x"}).status_code == 404
    assert ret.number not in c.get(reverse("web:return_list")).content.decode()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED


CALLS = {
    ("GET", "/returns/{return_id}"): None,
    ("POST", "/returns/{return_id}/approve"): {},
    ("POST", "/returns/{return_id}/reject"): {"reason": "不行"},
    ("POST", "/returns/{return_id}/withdraw"): {"reason": "撤回"},
    ("POST", "/returns/{return_id}/receive"): {},
}


def test_every_return_route_is_404_for_peers_and_other_branches(org, book, stocked):
    ret = _request(org, _shipped(org, book), "1")
    routes = [(m, p) for m, p in api_routes() if "return_id" in path_params(p)]
    assert set(routes) == set(CALLS), "a new return route needs a call here"
    for user in (org.rep_pd2, org.rep_gz):
        api = ApiClient(user)
        for (method, path), body in CALLS.items():
            r = api.request(method, concrete_path(path, return_id=ret.pk), body)
            assert_error(r, 404)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED


def test_the_api_flow_and_its_errors(org, book, stocked):
    order = _shipped(org, book)
    alloc = OrderLineAllocation.objects.get(line__order=order)
    rep, fin, wh = ApiClient(org.rep_pd1), ApiClient(org.finance), ApiClient(book.keeper)
    r = rep.post("/returns", {"order_id": order.pk, "reason": "破损",
                              "lines": [{"allocation_id": alloc.pk, "quantity": "1.23456"}]})
    assert_error(r, 400, field="lines.0.quantity")
    r = rep.post("/returns", {"order_id": order.pk, "reason": "破损",
                              "lines": [{"allocation_id": alloc.pk, "quantity": "2"}]})
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert r.json()["amount_total"] == "25.00" and r.json()["actions"] == ["withdraw"]
    assert_error(wh.post(f"/returns/{rid}/approve"), 403)
    assert fin.post(f"/returns/{rid}/approve").json()["status"] == "approved"
    got = wh.post(f"/returns/{rid}/receive").json()
    assert got["status"] == "received" and got["amount_total"] is None and got["lines"][0]["amount"] is None
    o = rep.get(f"/orders/{order.pk}").json()
    assert o["returned_total"] == "25.00" and o["outstanding"] == "100.00"
    assert [x["id"] for x in rep.get("/returns", order_id=order.pk).json()["items"]] == [rid]
    assert ApiClient(org.rep_gz).get("/returns").json()["count"] == 0


def test_the_service_refuses_returns_for_a_peer(org, book, stocked):
    order = _shipped(org, book)
    from pharmcrm.core.errors import NotFound

    with pytest.raises(NotFound):
        returns.return_request(actor=org.rep_pd2, order_id=order.pk, data={"reason": "x", "lines": []})


def test_the_desktop_card_lists_returns_for_finance_then_for_the_warehouse(org, book, stocked, as_):
    from django.utils import timezone

    from pharmcrm.sales.desktop import waiting_card

    ret = _request(org, _shipped(org, book), "1")
    today = timezone.localdate()
    card = waiting_card(org.finance, "mine", today)
    assert [r.pk for s in card["sections"] if s["key"] == "return_review" for r in s["rows"]] == [ret.pk]
    assert not any(s["key"] == "return_receive" for s in (waiting_card(book.keeper, "mine", today) or {
        "sections": []})["sections"])
    returns.return_approve(actor=org.finance, return_id=ret.pk)
    assert not any(s["key"] == "return_review" for s in (waiting_card(org.finance, "mine", today) or {
        "sections": []})["sections"])
    card = waiting_card(book.keeper, "mine", today)
    assert [r.pk for s in card["sections"] if s["key"] == "return_receive" for r in s["rows"]] == [ret.pk]
    page = as_(book.keeper).get(reverse("web:desktop")).content.decode()
    assert reverse("web:return_detail", args=[ret.pk]) in page
