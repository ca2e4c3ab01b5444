"""The invoice-ledger API: ledger, invoices (list, get, create normal and pre), red letter,
mismatches; every route with an id answers 404 to a peer and another branch and changes nothing;
a rep gets 403 on writes; errors are structured."""

from __future__ import annotations

import pytest

from pharmcrm.invoicing import services
from pharmcrm.invoicing.models import Invoice, PriceMismatch
from tests.api.conftest import ApiClient, assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.factories import make_customer
from tests.invoicing.helpers import HEADER, make_product, profile, sale

pytestmark = pytest.mark.django_db

CALLS = {
    ("GET", "/invoicing/invoices/{invoice_id}"): None,
    ("POST", "/invoicing/invoices/{invoice_id}/reverse"): {"reason": "抬头错"},
    ("POST", "/invoicing/mismatches/{mismatch_id}/settle"): {"action": "dismiss", "reason": "按存票"},
}


@pytest.fixture
def as_user(db):
    clients = {}

    def make(user):
        return clients.setdefault(user.pk, ApiClient(user))

    return make


@pytest.fixture
def data(org):
    c = make_customer(org.rep_pd1, "浦东医药有限公司")
    profile(c)
    p = make_product("头孢克肟片")
    s = sale(c, p, "12.5", "10").entry
    inv = services.invoice_issue(actor=org.finance, customer_id=c.pk, header=HEADER,
                                 selections=[{"sale_entry_id": s.pk, "quantity": "2"}])
    services.pre_invoice_issue(actor=org.finance, customer_id=c.pk, header=HEADER,
                               lines=[{"product_id": p.pk, "unit_price": "11", "quantity": "3"}])
    sale(c, p, "12.5", "1")
    return c, p, s, inv, PriceMismatch.objects.get()


def test_every_id_route_is_covered():
    routes = {(m, p) for m, p in api_routes() if p.startswith("/invoicing") and path_params(p)}
    assert routes == set(CALLS)


@pytest.mark.parametrize("outsider", ["rep_pd2", "rep_gz", "south_head"])
def test_outsiders_get_404(org, data, as_user, outsider):
    c, p, s, inv, m = data
    api = as_user(getattr(org, outsider))
    before = (Invoice.objects.count(), list(PriceMismatch.objects.values_list("status", flat=True)))
    for (method, template), body in CALLS.items():
        r = api.request(method, concrete_path(template, invoice_id=inv.pk, mismatch_id=m.pk), body)
        assert_error(r, 404)
    assert_error(api.get("/invoicing/ledger", customer_id=c.pk), 404)
    assert api.get("/invoicing/invoices").json()["count"] == 0
    assert api.get("/invoicing/mismatches").json()["count"] == 0
    r = api.post("/invoicing/invoices", {"customer_id": c.pk, "selections": [{"sale_entry_id": s.pk}]})
    assert r.status_code in (403, 404)
    assert (Invoice.objects.count(), list(PriceMismatch.objects.values_list("status", flat=True))) == before


def test_owner_reads_but_cannot_write(org, data, as_user):
    c, p, s, inv, m = data
    api = as_user(org.rep_pd1)
    rows = api.get("/invoicing/ledger", customer_id=c.pk).json()
    assert {r["unit_price"] for r in rows} == {"12.5000", "11.0000"}
    assert api.get(f"/invoicing/invoices/{inv.pk}").status_code == 200
    assert_error(api.post(f"/invoicing/invoices/{inv.pk}/reverse", {"reason": "x"}), 403, "forbidden")
    assert_error(api.post("/invoicing/invoices", {"customer_id": c.pk, "selections": [{"sale_entry_id": s.pk}]}),
                 403, "forbidden")


def test_finance_flow(org, data, as_user):
    c, p, s, inv, m = data
    api = as_user(org.finance)
    row = next(r for r in api.get("/invoicing/ledger", customer_id=c.pk).json() if r["unit_price"] == "12.5000")
    assert row["uninvoiced_quantity"] == "9.000" and row["invoiced_amount"] == "25.00"
    r = api.post("/invoicing/invoices", {"customer_id": c.pk, "header": {"tax_invoice_number": "00112233"},
                                         "selections": [{"product_id": p.pk, "unit_price": "12.5", "quantity": "3"}]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["amount"] == "37.50" and body["tax"] == "4.31" and body["lines"][0]["quantity"] == "3.000"
    r = api.post("/invoicing/invoices", {"kind": "pre_invoice", "customer_id": c.pk,
                                         "lines": [{"product_id": p.pk, "unit_price": "9", "quantity": "2"}]})
    assert r.status_code == 201 and r.json()["kind"] == "pre_invoice"
    red = api.post(f"/invoicing/invoices/{body['id']}/reverse", {"reason": "开错"})
    assert red.status_code == 201 and red.json()["kind"] == "red_letter" and red.json()["amount"] == "-37.50"
    assert_error(api.post(f"/invoicing/invoices/{body['id']}/reverse", {"reason": "again"}), 400, "illegal_transition")
    assert api.get("/invoicing/invoices", kind="red_letter").json()["count"] == 1
    mm = api.get("/invoicing/mismatches").json()
    assert mm["count"] == 1 and mm["items"][0]["pre_invoice_unit_price"] == "11.0000"
    r = api.post(f"/invoicing/mismatches/{m.pk}/settle", {"action": "dismiss", "reason": "按存票"})
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert services.check_invariant() == []


def test_structured_errors(org, data, as_user):
    c, p, s, inv, m = data
    api = as_user(org.finance)
    before = Invoice.objects.count()
    assert_error(api.post("/invoicing/invoices", {"customer_id": c.pk,
                                                  "selections": [{"sale_entry_id": s.pk, "quantity": "999"}]}),
                 400, "invalid_selection")
    assert_error(api.post("/invoicing/invoices", {"customer_id": c.pk, "selections": []}), 400, "invalid")
    assert_error(api.post("/invoicing/invoices", {"kind": "pre_invoice", "customer_id": c.pk, "lines": [
        {"product_id": p.pk, "unit_price": "1.23456", "quantity": "1"}]}), 400, "invalid")
    assert_error(api.post("/invoicing/invoices", {"customer_id": c.pk, "bogus": 1}), 400, "invalid")
    assert_error(api.post("/invoicing/invoices", {"customer_id": 999999, "selections": [{"sale_entry_id": s.pk}]}),
                 404)
    assert Invoice.objects.count() == before
