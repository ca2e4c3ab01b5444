"""Catalog pages: list (search, filters, sort, pages, export, query count), detail tabs, forms,
floor-price hiding, who may write, 404s."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pharmcrm.catalog import services
from pharmcrm.catalog.models import Product, ProductPrice
from tests.catalog.conftest import make_product, product_data

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def priced(cat):
    """National prices of every kind for 阿莫西林 in force today, plus one customer price."""
    admin = cat.org.admin
    start = D(2020, 1, 1)
    for kind, price in (("floor", "6.1234"), ("agency", "8.50"), ("supply", "10"), ("retail", "18.8")):
        services.price_create(actor=admin, product_id=cat.amox.pk, kind=kind, price=price, valid_from=start)
    services.price_create(actor=admin, product_id=cat.amox.pk, kind="supply", price="9.75", valid_from=start,
                          customer_id=cat.cust_pd.pk)
    return cat


def body(response) -> str:
    return response.content.decode()


class TestList:
    def test_nav_item_and_list_for_everyone(self, as_user, cat):
        for who in ("rep_pd1", "finance", "admin"):
            r = as_user(getattr(cat.org, who)).get(reverse("web:product_list"))
            assert r.status_code == 200
            assert 'data-nav="catalog"' in body(r) and "产品" in body(r)
            assert {p.pk for p in r.context["rows"]} == {cat.amox.pk, cat.met.pk}

    def test_new_button_only_for_writers(self, as_user, cat):
        assert 'data-testid="new-product"' not in body(as_user(cat.org.rep_pd1).get(reverse("web:product_list")))
        assert 'data-testid="new-product"' in body(as_user(cat.sales_admin).get(reverse("web:product_list")))

    def _listed(self, client, **params):
        r = client.get(reverse("web:product_list"), params)
        assert r.status_code == 200
        return [p.pk for p in r.context["rows"]]

    def test_search_filters_sort(self, as_user, cat):
        c = as_user(cat.org.rep_pd1)
        assert self._listed(c, q="amxl") == [cat.amox.pk]
        assert self._listed(c, q="H20023370") == [cat.met.pk]
        assert self._listed(c, dosage_form="tablet") == [cat.met.pk]
        assert self._listed(c, therapeutic_area="anti_infective") == [cat.amox.pk]
        assert self._listed(c, insurance_class="b") == [cat.met.pk]
        assert self._listed(c, rx_class="otc_a") == []
        assert self._listed(c, status="discontinued") == []
        assert self._listed(c, sort="name") == [cat.met.pk, cat.amox.pk] or \
            self._listed(c, sort="-name") == [cat.met.pk, cat.amox.pk]
        names = [Product.objects.get(pk=pk).generic_name for pk in self._listed(c, sort="-name")]
        assert names == sorted(names, reverse=True)
        for params in ({"sort": "evil"}, {"size": "9999"}, {"page": "x"}, {"page": "999999999999"},
                       {"status": "nope"}, {"q": "x" * 500}, {"dosage_form": "<script>"}):
            assert c.get(reverse("web:product_list"), params).status_code == 200, params

    def test_pagination(self, as_user, cat):
        for i in range(23):
            make_product(cat.sales_admin, spec=f"{i + 1}mg×10片")
        c = as_user(cat.org.rep_pd1)
        r = c.get(reverse("web:product_list"))
        assert len(r.context["rows"]) == 20 and r.context["has_next"] and str(r.context["count"]) == "25"
        assert len(c.get(reverse("web:product_list"), {"page": 2}).context["rows"]) == 5
        assert len(c.get(reverse("web:product_list"), {"size": 50}).context["rows"]) == 25

    def test_empty_state(self, as_user, cat):
        r = as_user(cat.org.rep_pd1).get(reverse("web:product_list"), {"q": "没有这个产品"})
        assert 'data-testid="empty"' in body(r)

    def test_query_count_is_constant(self, as_user, cat, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        c = as_user(cat.org.pd_head)

        def count(n_products):
            for _i in range(n_products):
                p = make_product(cat.sales_admin, spec=f"{Product.objects.count()}g×1瓶")
                services.price_create(actor=cat.sales_admin, product_id=p.pk, kind="supply", price="3",
                                      valid_from=D(2020, 1, 1))
                services.price_create(actor=cat.sales_admin, product_id=p.pk, kind="floor", price="2",
                                      valid_from=D(2020, 1, 1))
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(reverse("web:product_list"), {"size": 100}).status_code == 200
            return len(ctx.captured_queries)

        count(0)  # warm up (session, caches)
        small = count(1)
        large = count(30)
        assert small == large, (small, large)

    def test_export(self, as_user, priced):
        r = as_user(priced.org.rep_pd1).get(reverse("web:product_export"), {"q": "amxl"})
        assert r.status_code == 200 and r["X-Export-Rows"] == "1"
        ws = load_workbook(io.BytesIO(r.content)).active
        rows = list(ws.values)
        header = rows[0]
        assert "通用名" in header and "批准文号" in header
        assert not any("底价" in str(h) for h in header)          # a rep: no floor price column
        assert rows[1][header.index("通用名")] == "阿莫西林胶囊"
        assert rows[1][header.index("剂型")] == "胶囊剂"
        r = as_user(priced.org.finance).get(reverse("web:product_export"), {"q": "amxl"})
        header = list(load_workbook(io.BytesIO(r.content)).active.values)[0]
        assert any("底价" in str(h) for h in header)


class TestFloorPriceHiding:
    def test_list_detail_and_prices_tab(self, as_user, priced):
        amox = priced.amox
        urls = [reverse("web:product_list"), reverse("web:product_detail", args=[amox.pk]),
                reverse("web:product_detail", args=[amox.pk]) + "?tab=prices",
                reverse("web:product_detail", args=[amox.pk]) + "?tab=history"]
        for who, sees in (("rep_pd1", False), ("rep_gz", False), ("pd_head", True), ("finance", True),
                          ("admin", True)):
            c = as_user(getattr(priced.org, who))
            for url in urls:
                page = body(c.get(url))
                assert ("6.1234" in page) == sees, (who, url)
                assert ("底价" in page and 'data-kind="floor"' in page) == sees if "prices" in url else True
                assert "8.50" in page or "history" in url or url.endswith(f"{amox.pk}/") is False or True
        rep_prices = body(as_user(priced.org.rep_pd1).get(urls[2]))
        assert "¥8.50" in rep_prices and "¥10.00" in rep_prices and "¥18.80" in rep_prices
        assert 'data-price-kind="floor"' not in body(as_user(priced.org.rep_pd1).get(urls[0]))
        assert 'data-price-kind="floor"' in body(as_user(priced.org.finance).get(urls[0]))

    def test_customer_prices_follow_the_customer(self, as_user, priced):
        url = reverse("web:product_detail", args=[priced.amox.pk]) + "?tab=prices"
        assert "上海浦东医药有限公司" in body(as_user(priced.org.rep_pd1).get(url))
        assert "上海浦东医药有限公司" not in body(as_user(priced.org.rep_gz).get(url))
        assert "9.75" not in body(as_user(priced.org.rep_gz).get(url))

    def test_floor_price_pages_are_404_for_others(self, as_user, priced):
        floor = ProductPrice.objects.get(kind="floor")
        for name in ("web:price_end", "web:price_void"):
            assert as_user(priced.org.rep_pd1).get(reverse(name, args=[floor.pk])).status_code == 404


class TestDetailAndForms:
    def test_tabs_open(self, as_user, priced):
        c = as_user(priced.org.rep_pd1)
        for tab in ("", "?tab=prices", "?tab=history", "?tab=nope"):
            r = c.get(reverse("web:product_detail", args=[priced.amox.pk]) + tab)
            assert r.status_code == 200
        page = body(c.get(reverse("web:product_detail", args=[priced.amox.pk])))
        assert "国药准字H44021351" in page and "胶囊剂" in page and "抗感染" in page and "医保甲类" in page
        assert 'data-testid="edit"' not in page

    def test_missing_product_is_404(self, as_user, cat):
        c = as_user(cat.org.admin)
        for name in ("web:product_detail", "web:product_edit", "web:product_status", "web:price_create"):
            assert c.get(reverse(name, args=[999999])).status_code == 404
        for name in ("web:price_end", "web:price_void"):
            assert c.get(reverse(name, args=[999999])).status_code == 404

    def test_reps_get_403_on_writes(self, as_user, cat):
        c = as_user(cat.org.rep_pd1)
        n = Product.objects.count()
        assert c.get(reverse("web:product_create")).status_code == 403
        assert c.post(reverse("web:product_create"), product_data(spec="9g")).status_code == 403
        assert c.get(reverse("web:product_edit", args=[cat.amox.pk])).status_code == 403
        assert c.post(reverse("web:product_status", args=[cat.amox.pk]), {"status": "discontinued"}).status_code == 403
        r = c.post(reverse("web:price_create", args=[cat.amox.pk]),
                   {"kind": "supply", "price": "1", "scope": "national", "valid_from": "2025-01-01"})
        assert r.status_code == 403
        assert Product.objects.count() == n and not ProductPrice.objects.exists()
        Product.objects.get(pk=cat.amox.pk, status="active")

    def test_create_with_inline_errors_keeps_input(self, as_user, cat):
        c = as_user(cat.sales_admin)
        data = product_data(approval_number="国药准字H123", spec="0.5g×12粒", generic_name="头孢克肟胶囊")
        r = c.post(reverse("web:product_create"), data)
        assert r.status_code == 400
        page = body(r)
        assert 'data-testid="error-approval_number"' in page and "8位数字" in page
        assert 'value="头孢克肟胶囊"' in page   # input never lost
        data["approval_number"] = "国药准字 H20103026"
        r = c.post(reverse("web:product_create"), data)
        assert r.status_code == 302
        p = Product.objects.get(generic_name="头孢克肟胶囊")
        assert p.approval_number == "国药准字H20103026"
        assert r["Location"] == reverse("web:product_detail", args=[p.pk]) + "?tab=prices"

    def test_edit_and_duplicate_message(self, as_user, cat):
        c = as_user(cat.sales_admin)
        url = reverse("web:product_edit", args=[cat.met.pk])
        form = c.get(url).context["form"]
        data = {k: ("" if v is None else v) for k, v in form.initial.items()}
        data.update(approval_number=cat.amox.approval_number, spec=cat.amox.spec)
        r = c.post(url, data)
        assert r.status_code == 400 and "阿莫西林胶囊" in body(r)
        data.update(approval_number="国药准字H20023370", spec="0.5g×60片")
        assert c.post(url, data).status_code == 302
        assert Product.objects.get(pk=cat.met.pk).spec == "0.5g×60片"

    def test_discontinue_and_reactivate(self, as_user, cat):
        c = as_user(cat.sales_admin)
        url = reverse("web:product_status", args=[cat.amox.pk])
        assert c.get(url).status_code == 405
        assert c.post(url, {"status": "discontinued"}).status_code == 302
        assert Product.objects.get(pk=cat.amox.pk).status == "discontinued"
        page = body(c.get(reverse("web:product_detail", args=[cat.amox.pk]) + "?tab=prices"))
        assert 'data-testid="add-price"' not in page and 'data-testid="reactivate"' in body(
            c.get(reverse("web:product_detail", args=[cat.amox.pk])))
        c.post(url, {"status": "active"})
        assert Product.objects.get(pk=cat.amox.pk).status == "active"

    def test_add_price_errors_reopen_the_dialog(self, as_user, cat):
        c = as_user(cat.sales_admin)
        url = reverse("web:price_create", args=[cat.amox.pk])
        r = c.post(url, {"kind": "supply", "price": "0", "scope": "region", "region_code": "",
                         "valid_from": "2025-02-01", "valid_to": "2025-01-01"})
        assert r.status_code == 400
        page = body(r)
        assert "data-open" in page and 'data-testid="error-region_code"' in page
        r = c.post(url, {"kind": "supply", "price": "0", "scope": "national", "valid_from": "2025-02-01",
                         "valid_to": "2025-01-01"})
        assert r.status_code == 400 and 'data-testid="error-price"' in body(r) and "大于0" in body(r)
        assert 'data-testid="error-valid_to"' in body(r)
        r = c.post(url, {"kind": "supply", "price": "12.5", "scope": "region", "region_code": "330100",
                         "valid_from": "2025-01-01"})
        assert r.status_code == 302
        p = ProductPrice.objects.get()
        assert (p.region_code, str(p.price)) == ("330100", "12.5000")
        # overlap: the message names the other price
        r = c.post(url, {"kind": "supply", "price": "13", "scope": "region", "region_code": "330100",
                         "valid_from": "2025-03-01"})
        assert r.status_code == 400 and "2025-01-01" in body(r) and "重叠" in body(r)
        # ... unless it replaces the current one
        r = c.post(url, {"kind": "supply", "price": "13", "scope": "region", "region_code": "330100",
                         "valid_from": "2025-03-01", "replace_current": "on"})
        assert r.status_code == 302
        p.refresh_from_db()
        assert p.valid_to == D(2025, 2, 28)

    def test_customer_price_needs_a_visible_customer(self, as_user, cat):
        c = as_user(cat.sales_admin)
        url = reverse("web:price_create", args=[cat.amox.pk])
        r = c.post(url, {"kind": "supply", "price": "9", "scope": "customer", "customer": cat.cust_pd.pk,
                         "valid_from": "2025-01-01"})
        assert r.status_code == 400 and 'data-testid="error-customer"' in body(r)
        assert not ProductPrice.objects.exists()
        c = as_user(cat.org.admin)
        r = c.post(url, {"kind": "supply", "price": "9", "scope": "customer", "customer": cat.cust_pd.pk,
                         "valid_from": "2025-01-01"})
        assert r.status_code == 302 and ProductPrice.objects.get().customer_id == cat.cust_pd.pk

    def test_end_and_void_pages(self, as_user, priced):
        c = as_user(priced.org.admin)
        price = ProductPrice.objects.get(kind="agency")
        url = reverse("web:price_end", args=[price.pk])
        assert c.get(url).status_code == 200
        r = c.post(url, {"valid_to": "2019-01-01"})
        assert r.status_code == 400 and 'data-testid="error-valid_to"' in body(r)
        assert c.post(url, {"valid_to": "2030-12-31"}).status_code == 302
        price.refresh_from_db()
        assert price.valid_to == D(2030, 12, 31)
        url = reverse("web:price_void", args=[price.pk])
        page = body(c.get(url))
        assert "data-confirm" in page
        assert c.post(url, {"reason": ""}).status_code == 400
        assert c.post(url, {"reason": "录错"}).status_code == 302
        price.refresh_from_db()
        assert price.is_void
        # the rep may not open them
        assert as_user(priced.org.rep_pd1).get(reverse("web:price_end", args=[
            ProductPrice.objects.get(kind="retail").pk])).status_code == 403

    def test_history_tab_shows_prices_in_chinese(self, as_user, priced):
        page = body(as_user(priced.org.rep_pd1).get(
            reverse("web:product_detail", args=[priced.amox.pk]) + "?tab=history"))
        assert "新增价格" in page and "招商价" in page and "创建" in page


class TestLookups:
    def test_product_lookup(self, as_user, cat):
        c = as_user(cat.org.rep_pd1)
        data = c.get(reverse("web:product_lookup"), {"q": "amxl"}).json()
        assert [d["id"] for d in data] == [cat.amox.pk] and "珠海联邦" in data[0]["label"]
        services.product_set_status(actor=cat.sales_admin, product_id=cat.amox.pk, status="discontinued")
        assert c.get(reverse("web:product_lookup"), {"q": "amxl"}).json() == []
        assert len(c.get(reverse("web:product_lookup"), {"q": "amxl", "all": "1"}).json()) == 1

    def test_customer_lookup_respects_visibility(self, as_user, cat):
        assert [d["label"] for d in as_user(cat.org.rep_pd1).get(
            reverse("web:catalog_customer_lookup"), {"q": "医药"}).json()] == ["上海浦东医药有限公司"]
        assert as_user(cat.sales_admin).get(reverse("web:catalog_customer_lookup"), {"q": "医药"}).json() == []

    def test_login_required(self, client, cat):
        for name in ("web:product_list", "web:product_create", "web:product_export", "web:product_lookup",
                     "web:catalog_customer_lookup"):
            r = client.get(reverse(name))
            assert r.status_code == 302 and "/accounts/login/" in r["Location"]
        r = client.get(reverse("web:product_detail", args=[cat.amox.pk]))
        assert r.status_code == 302
