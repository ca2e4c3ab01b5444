"""The opportunities, stages, quotations and price-history API: full cycles, structured errors,
and every route with an ``{opportunity_id}`` / ``{quotation_id}`` (ENUMERATED from the
NinjaAPI) answers 404 to a peer and to another branch and changes nothing."""

import datetime

import pytest
from django.utils import timezone

from pharmcrm.opportunities.models import Opportunity, StageChange
from pharmcrm.quotations.models import Quotation
from tests.api.conftest import assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.opportunities.helpers import new_opp, new_quote, stage

pytestmark = pytest.mark.django_db

CALLS = {
    ("GET", "/opportunities/{opportunity_id}"): None,
    ("PATCH", "/opportunities/{opportunity_id}"): {"name": "改名"},
    ("POST", "/opportunities/{opportunity_id}/move"): {"stage_id": "STAGE"},
    ("POST", "/opportunities/{opportunity_id}/order"): {},
    ("GET", "/quotations/{quotation_id}"): None,
    ("PATCH", "/quotations/{quotation_id}"): {"terms": "改"},
    ("POST", "/quotations/{quotation_id}/send"): {},
    ("POST", "/quotations/{quotation_id}/accept"): {},
    ("POST", "/quotations/{quotation_id}/reject"): {},
    ("POST", "/quotations/{quotation_id}/order"): {},
    ("POST", "/quotations/{quotation_id}/link"): {"followup_id": None},
}


def id_routes():
    return [(m, p) for m, p in api_routes() if {"opportunity_id", "quotation_id"} & set(path_params(p))]


def test_every_id_route_is_covered():
    assert set(id_routes()) == set(CALLS), sorted(set(id_routes()) ^ set(CALLS))


@pytest.mark.parametrize("outsider", ["rep_pd2", "rep_gz", "south_head", "finance"])
def test_outsiders_get_404_on_every_route(org, book, api_as, outsider):
    opp = new_opp(org.rep_pd1, book.pd1, stage_id=stage("赢单").pk,
                  lines=[{"product_id": book.product.pk, "quantity": "1", "amount": "1"}])
    q = new_quote(org.rep_pd1, book.pd1, book.product)
    user = getattr(org, outsider)
    changes = StageChange.objects.count()
    for method, template in sorted(id_routes()):
        body = CALLS[(method, template)]
        if body and body.get("stage_id") == "STAGE":
            body = {"stage_id": stage("需求确认").pk}
        r = api_as(user).request(method, concrete_path(template, opportunity_id=opp.pk, quotation_id=q.pk), body)
        assert_error(r, 404)
    assert StageChange.objects.count() == changes
    assert Opportunity.objects.get(pk=opp.pk).order_id is None
    assert Quotation.objects.get(pk=q.pk).status == "draft"
    assert_error(api_as(user).post("/opportunities", {"customer_id": book.pd1.pk, "name": "x"}), 404)
    assert api_as(user).get("/opportunities").json()["count"] == 0
    assert api_as(user).get("/quotations").json()["count"] == 0
    assert_error(api_as(user).get("/price-history", customer_id=book.pd1.pk), 404)


def test_opportunity_cycle(org, book, api_as):
    api = api_as(org.rep_pd1)
    stages = api.get("/opportunity-stages").json()
    assert [(s["name"], s["probability"]) for s in stages][:2] == [("初步接洽", 10), ("需求确认", 30)]
    close = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    r = api.post("/opportunities", {"customer_id": book.pd1.pk, "name": "进院", "expected_close_date": close,
                                    "lines": [{"product_id": book.product.pk, "quantity": "100", "amount": "1250"}]})
    assert r.status_code == 201, r.content
    o = r.json()
    assert (o["probability"], o["expected_amount"], o["stage"]["name"]) == (10, "1250.00", "初步接洽")
    oid = o["id"]
    assert_error(api.post("/opportunities", {"customer_id": book.pd1.pk, "name": "x",
                                             "lines": [{"product_id": book.product.pk, "quantity": "-1"}]}),
                 400, field="lines.0.quantity")
    assert_error(api.post(f"/opportunities/{oid}/move", {"stage_id": stage("输单").pk}), 400, field="loss_reason")
    o = api.post(f"/opportunities/{oid}/move", {"stage_id": stage("商务谈判").pk}).json()
    assert o["probability"] == 70 and [h["to_stage"]["name"] for h in o["stage_history"]] == ["初步接洽", "商务谈判"]
    assert [x["id"] for x in api.get("/opportunities/likely").json()] == [oid]
    assert api.get("/opportunities", likely="true", p=80).json()["count"] == 0
    assert_error(api.post(f"/opportunities/{oid}/order", {}), 400, "illegal_transition")
    api.post(f"/opportunities/{oid}/move", {"stage_id": stage("赢单").pk})
    o = api.post(f"/opportunities/{oid}/order", {}).json()
    assert o["order"]["number"].startswith("XS-")
    o = api.patch(f"/opportunities/{oid}", {"next_step": "跟进首单回款"}).json()
    assert o["next_step"] == "跟进首单回款"


def test_quotation_cycle_and_price_history(org, book, api_as):
    api = api_as(org.rep_pd1)
    until = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    assert_error(api.post("/quotations", {"customer_id": book.pd1.pk, "valid_until": until,
                                          "lines": [{"product_id": book.product.pk, "quantity": "1",
                                                     "unit_price": "1.00001"}]}), 400, field="lines.0.unit_price")
    assert_error(api.post("/quotations", {"customer_id": book.pd1.pk, "valid_until": until,
                                          "contact_id": book.li.pk,
                                          "lines": [{"product_id": book.product.pk, "quantity": "1"}]}),
                 400, field="contact_id")
    assert_error(api.post("/quotations", {"customer_id": book.pd1.pk, "valid_until": until,
                                          "lines": [{"product_id": 999999, "quantity": "1"}]}),
                 400, field="lines.0.product_id")
    assert not Quotation.objects.exists()
    r = api.post("/quotations", {"customer_id": book.pd1.pk, "valid_until": until, "contact_id": book.wang.pk,
                                 "lines": [{"product_id": book.product.pk, "quantity": "10", "unit_price": "11.5"}]})
    assert r.status_code == 201, r.content
    q = r.json()
    assert q["number"].startswith("BJ-") and q["amount_total"] == "115.00" and q["status"] == "draft"
    qid = q["id"]
    assert api.get("/price-history", customer_id=book.pd1.pk).json()["count"] == 0  # drafts are not history
    assert api.post(f"/quotations/{qid}/send").json()["status"] == "sent"
    assert_error(api.patch(f"/quotations/{qid}", {"terms": "x"}), 400, "illegal_transition")
    h = api.get("/price-history", customer_id=book.pd1.pk, product_id=book.product.pk).json()
    assert [(i["number"], i["unit_price"], i["by"]["id"]) for i in h["items"]] == [(q["number"], "11.5000",
                                                                                   org.rep_pd1.pk)]
    assert api_as(org.rep_pd2).get("/price-history", product_id=book.product.pk).json()["count"] == 0
    assert api.post(f"/quotations/{qid}/accept", {"note": "同意"}).json()["status"] == "accepted"
    q = api.post(f"/quotations/{qid}/order", {}).json()
    assert q["order"]["number"].startswith("XS-")
    assert_error(api.post(f"/quotations/{qid}/order", {}), 400, "illegal_transition")
