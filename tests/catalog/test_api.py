"""The catalog API: reads for everyone, writes for administrators and sales admins, floor prices
omitted for those not allowed, customer prices follow the customer, bad input is a 400 with fields."""

from __future__ import annotations

import datetime

import pytest

from pharmcrm.catalog import services
from pharmcrm.catalog.models import Product, ProductPrice
from pharmcrm.core.models import AuditEvent
from tests.api.conftest import assert_error
from tests.catalog.conftest import product_data

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def as_user(db):
    from tests.api.conftest import ApiClient

    clients = {}

    def make(user):
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make


@pytest.fixture
def priced(cat):
    admin = cat.org.admin
    for kind, price in (("floor", "6.1234"), ("agency", "8.5"), ("supply", "10"), ("retail", "18.8")):
        services.price_create(actor=admin, product_id=cat.amox.pk, kind=kind, price=price, valid_from=D(2020, 1, 1))
    cat.own = services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price="9.75",
                                    valid_from=D(2020, 1, 1), customer_id=cat.cust_pd.pk)
    cat.region = services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price="9.9",
                                       valid_from=D(2020, 1, 1), region_code="310000")
    return cat


def api_body(**over):
    data = product_data(**over)
    data["tax_rate"] = str(data["tax_rate"])
    return data


class TestReads:
    def test_list_search_and_current_prices(self, as_user, priced):
        rep = as_user(priced.org.rep_pd1)
        r = rep.get("/catalog/products", q="amxl")
        assert r.status_code == 200
        body = r.json()
        assert body["count"] == 1 and body["count_exact"]
        item = body["items"][0]
        assert item["generic_name"] == "阿莫西林胶囊" and item["approval_number"] == "国药准字H44021351"
        assert set(item["current_prices"]) == {"agency", "supply", "retail"}   # no floor for a rep
        assert item["current_prices"]["supply"] in ("10.0000", "10")
        fin = as_user(priced.org.finance).get("/catalog/products", q="amxl").json()["items"][0]
        assert set(fin["current_prices"]) == {"agency", "supply", "retail", "floor"}
        r = rep.get("/catalog/products", dosage_form="tablet", sort="-name")
        assert [p["id"] for p in r.json()["items"]] == [priced.met.pk]

    def test_detail(self, as_user, priced):
        r = as_user(priced.org.rep_pd1).get(f"/catalog/products/{priced.amox.pk}")
        assert r.status_code == 200 and r.json()["can_edit"] is False and "floor" not in r.json()["current_prices"]
        assert as_user(priced.sales_admin).get(f"/catalog/products/{priced.amox.pk}").json()["can_edit"] is True
        assert_error(as_user(priced.org.rep_pd1).get("/catalog/products/999999"), 404, "not_found")

    def test_price_list_hides_floor_and_invisible_customers(self, as_user, priced):
        def kinds(user):
            r = as_user(user).get(f"/catalog/products/{priced.amox.pk}/prices")
            assert r.status_code == 200
            return sorted((p["kind"], p["scope"], (p["customer"] or {}).get("name")) for p in r.json())

        o = priced.org
        assert ("floor", "national", None) not in kinds(o.rep_pd1)
        assert ("supply", "customer", "上海浦东医药有限公司") in kinds(o.rep_pd1)
        assert ("supply", "customer", "上海浦东医药有限公司") not in kinds(o.rep_gz)
        assert ("floor", "national", None) in kinds(o.finance)
        assert ("floor", "national", None) in kinds(o.pd_head)
        body = as_user(o.rep_pd1).get(f"/catalog/products/{priced.amox.pk}/prices").content.decode()
        assert "6.1234" not in body
        region = [p for p in as_user(o.rep_pd1).get(f"/catalog/products/{priced.amox.pk}/prices",
                                                       kind="supply").json() if p["scope"] == "region"][0]
        assert region["region_code"] == "310000" and region["region_label"]

    def test_history_hides_floor(self, as_user, priced):
        body = as_user(priced.org.rep_pd1).get(f"/catalog/products/{priced.amox.pk}/history").content.decode()
        assert "6.1234" not in body and "9.7500" in body
        assert "6.1234" in as_user(priced.org.finance).get(f"/catalog/products/{priced.amox.pk}/history").content.decode()

    def test_price_for(self, as_user, priced):
        o = priced.org
        rep = as_user(o.rep_pd1)
        r = rep.get("/catalog/price-for", product_id=priced.amox.pk, kind="supply", customer_id=priced.cust_pd.pk)
        assert r.status_code == 200 and r.json()["price"]["id"] == priced.own.pk
        r = rep.get("/catalog/price-for", product_id=priced.amox.pk, kind="supply", region_code="310104")
        assert r.json()["price"]["id"] == priced.region.pk
        r = rep.get("/catalog/price-for", product_id=priced.amox.pk, kind="supply")
        assert r.json()["price"]["scope"] == "national"
        r = rep.get("/catalog/price-for", product_id=priced.amox.pk, kind="agency", on_date="2019-12-31")
        assert r.json() == {"price": None}
        # a customer the rep does not see: 404, as for a missing one
        assert_error(rep.get("/catalog/price-for", product_id=priced.amox.pk, kind="supply",
                             customer_id=priced.cust_gz.pk), 404, "not_found")
        # floor: 403 for a rep, the price for finance
        assert_error(rep.get("/catalog/price-for", product_id=priced.amox.pk, kind="floor"), 403, "forbidden")
        r = as_user(o.finance).get("/catalog/price-for", product_id=priced.amox.pk, kind="floor")
        assert r.json()["price"]["kind"] == "floor"


class TestWrites:
    def test_create_update_and_rights(self, as_user, cat):
        rep = as_user(cat.org.rep_pd1)
        n = Product.objects.count()
        assert_error(rep.post("/catalog/products", api_body(spec="9g")), 403, "forbidden")
        assert_error(rep.patch(f"/catalog/products/{cat.amox.pk}", {"notes": "x"}), 403, "forbidden")
        assert Product.objects.count() == n
        sa = as_user(cat.sales_admin)
        r = sa.post("/catalog/products", api_body(spec="0.5g x 24粒", approval_number="国药准字 h44021352"))
        assert r.status_code == 201, r.content
        body = r.json()
        assert body["spec"] == "0.5g×24粒" and body["approval_number"] == "国药准字H44021352"
        r = sa.patch(f"/catalog/products/{body['id']}", {"status": "discontinued", "tax_rate": "9"})
        assert r.status_code == 200 and r.json()["status"] == "discontinued" and r.json()["tax_rate"] in ("9.00", "9")

    def test_prices_create_end_void(self, as_user, cat):
        sa = as_user(cat.sales_admin)
        url = f"/catalog/products/{cat.amox.pk}/prices"
        r = sa.post(url, {"kind": "supply", "price": "12.5", "valid_from": "2025-01-01"})
        assert r.status_code == 201, r.content
        first = r.json()
        assert first["scope"] == "national" and first["valid_to"] is None
        r = sa.post(url, {"kind": "supply", "price": "13", "valid_from": "2025-06-01"})
        body = assert_error(r, 400, "price_overlap", "valid_from")
        assert "2025-01-01" in body["message"] and "重叠" in body["message"]
        r = sa.post(url, {"kind": "supply", "price": "13", "valid_from": "2025-06-01", "replace_current": True})
        assert r.status_code == 201
        assert ProductPrice.objects.get(pk=first["id"]).valid_to == D(2025, 5, 31)
        r = sa.post(f"/catalog/prices/{first['id']}/end", {"valid_to": "2025-04-30"})
        assert r.status_code == 200 and r.json()["valid_to"] == "2025-04-30"
        r = sa.post(f"/catalog/prices/{first['id']}/void", {"reason": "录错"})
        assert r.status_code == 200 and r.json()["voided_at"] and r.json()["void_reason"] == "录错"
        rep = as_user(cat.org.rep_pd1)
        assert_error(rep.post(url, {"kind": "supply", "price": "1", "valid_from": "2030-01-01"}), 403, "forbidden")
        assert_error(rep.post(f"/catalog/prices/{first['id']}/end", {"valid_to": "2025-04-30"}), 403, "forbidden")

    def test_rep_cannot_touch_a_floor_price_it_cannot_see(self, as_user, priced):
        """Rights first: a rep gets the same 403 for a floor price, a missing id or any price;
        a writer who does not see a customer's price gets 404, as for a missing one."""
        floor = ProductPrice.objects.get(kind="floor")
        rep, sa = as_user(priced.org.rep_pd1), as_user(priced.sales_admin)
        before = AuditEvent.objects.count()
        for pk in (floor.pk, 999999):
            for path, body in ((f"/catalog/prices/{pk}/end", {"valid_to": "2030-01-01"}),
                               (f"/catalog/prices/{pk}/void", {"reason": "x"})):
                assert_error(rep.post(path, body), 403, "forbidden")
        for pk in (priced.own.pk, 999999):
            assert_error(sa.post(f"/catalog/prices/{pk}/void", {"reason": "x"}), 404, "not_found")
        assert AuditEvent.objects.count() == before


BAD = [
    # (path, body, field)
    ("/catalog/products", lambda c: api_body(approval_number="国药准字H123"), "approval_number"),
    ("/catalog/products", lambda c: api_body(approval_number="国械注准20153460001"), "approval_number"),
    ("/catalog/products", lambda c: api_body(generic_name=""), "generic_name"),
    ("/catalog/products", lambda c: api_body(dosage_form="spaceship"), "dosage_form"),
    ("/catalog/products", lambda c: api_body(case_quantity=0), "case_quantity"),
    ("/catalog/products", lambda c: api_body(case_quantity="many"), "case_quantity"),
    ("/catalog/products", lambda c: api_body(tax_rate="abc"), "tax_rate"),
    ("/catalog/products", lambda c: api_body(tax_rate="130"), "tax_rate"),
    ("/catalog/products", lambda c: api_body(colour="red"), "colour"),
    ("/catalog/products", lambda c: api_body(generic_name="x" * 101), "generic_name"),
    ("/catalog/products", lambda c: api_body(notes="a\x00b"), "notes"),
    ("/catalog/products", lambda c: api_body(), "approval_number"),  # same number and spec as 阿莫西林
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "0", "valid_from": "2025-01-01"},
     "price"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "1.23456", "valid_from": "2025-01-01"},
     "price"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "abc", "valid_from": "2025-01-01"},
     "price"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "bribe", "price": "1", "valid_from": "2025-01-01"},
     "kind"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "1", "valid_from": "2025-02-30"},
     "valid_from"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "1", "valid_from": "2025-02-01",
                                                   "valid_to": "2025-01-01"}, "valid_to"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "1", "valid_from": "2025-01-01",
                                                   "region_code": "33"}, "region_code"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "1", "valid_from": "2025-01-01",
                                                   "region_code": "330000", "customer_id": c.cust_pd.pk},
     "region_code"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "1", "valid_from": "2025-01-01",
                                                   "customer_id": c.cust_gz.pk + 1000}, "customer_id"),
    ("/catalog/products/{amox}/prices", lambda c: {"kind": "supply", "price": "1"}, "valid_from"),
]


@pytest.mark.parametrize("path,body,field", BAD)
def test_bad_input_is_400_with_fields_and_changes_nothing(as_user, cat, path, body, field):
    client = as_user(cat.org.admin)
    client.get("/me")
    before = (Product.objects.count(), ProductPrice.objects.count(), AuditEvent.objects.count())
    r = client.post(path.format(amox=cat.amox.pk), body(cat))
    assert_error(r, 400, None, field)
    assert before == (Product.objects.count(), ProductPrice.objects.count(), AuditEvent.objects.count())


def test_bad_ids_and_queries(as_user, cat):
    c = as_user(cat.org.rep_pd1)
    assert_error(c.get("/catalog/products/abc"), 400, "invalid", "product_id")
    assert_error(c.get("/catalog/products/0"), 400, "invalid", "product_id")
    assert_error(c.get("/catalog/products", sort="evil"), 400, "invalid", "sort")
    assert_error(c.get("/catalog/products", limit=0), 400, "invalid", "limit")
    assert_error(c.get("/catalog/price-for", kind="supply"), 400, "invalid", "product_id")
    assert_error(c.get("/catalog/price-for", product_id=cat.amox.pk, kind="supply", on_date="soon"), 400, "invalid",
                 "on_date")
    assert_error(c.patch(f"/catalog/products/{cat.amox.pk}", {"status": None}), 403, "forbidden")
    assert_error(as_user(cat.sales_admin).patch(f"/catalog/products/{cat.amox.pk}", {"status": None}), 400,
                 "invalid", "status")
    assert_error(as_user(cat.sales_admin).post("/catalog/prices/999999/end", {"valid_to": "2025-01-01"}), 404,
                 "not_found")


def test_list_query_count_is_constant(as_user, cat, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(cat.org.pd_head)
    client.get("/catalog/products")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/catalog/products", limit=100).status_code == 200
        return len(ctx.captured_queries)

    small = queries()
    for i in range(15):
        p = services.product_create(actor=cat.sales_admin, data=product_data(spec=f"{i}g×9片"))
        services.price_create(actor=cat.sales_admin, product_id=p.pk, kind="floor", price="1", valid_from=D(2020, 1, 1))
    assert queries() == small
