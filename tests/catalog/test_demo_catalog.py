"""The demo catalog (demo/gen_catalog.py): well-formed products and prices that resolve."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from pharmcrm.catalog import selectors
from pharmcrm.catalog.models import Product, ProductPrice
from pharmcrm.catalog.validators import validate_approval_number
from pharmcrm.demo.gen_catalog import DISCONTINUED, PRODUCTS, catalog_load
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 15)


@pytest.fixture
def demo(cat):
    Product.objects.all().delete()
    plan = []
    ids = []
    for i, (kind, status, region) in enumerate([
        ("distributor", "active", "310115"), ("agent", "active", "440106"), ("distributor", "lost", "330106"),
        ("distributor", "active", "440106"), ("distributor", "active", "330106"), ("distributor", "active", "110105"),
    ]):
        c = make_customer(cat.org.rep_pd1, f"演示客户{i}", type=kind, status=status, region_code=region)
        plan.append(SimpleNamespace(data={"type": kind, "status": status}))
        ids.append(c.pk)
    counts = catalog_load(seed=7, admin=cat.org.admin, sales_admin=cat.sales_admin, customers=plan, customer_ids=ids,
                          deleted={3}, today=TODAY)
    return SimpleNamespace(cat=cat, counts=counts, ids=ids)


def test_products_are_well_formed(demo):
    products = list(Product.objects.all())
    assert len(products) == len(PRODUCTS) >= 40 and demo.counts["products"] == len(PRODUCTS)
    for p in products:
        validate_approval_number(p.approval_number)
        assert p.search_text and p.manufacturer and p.spec
    assert {p.therapeutic_area for p in products} >= {"cardio", "anti_infective", "oncology", "digestive", "tcm"}
    assert {p.dosage_form for p in products} >= {"tablet", "capsule", "injection", "granule", "pill", "oral_liquid"}
    assert Product.objects.filter(status="discontinued").get().generic_name == DISCONTINUED
    assert Product.objects.filter(mah="上海康瑞医药科技有限公司").count() >= 5
    # two packs share one approval number (allowed: the specs differ)
    assert Product.objects.filter(approval_number="国药准字H13023964").count() == 2


def test_every_product_on_sale_has_all_national_prices_today(demo):
    admin = demo.cat.org.admin
    active = list(Product.objects.filter(status="active").values_list("pk", flat=True))
    current = selectors.current_prices(actor=admin, product_ids=active, on_date=TODAY)
    for pk in active:
        assert set(current[pk]) == {"floor", "agency", "supply", "retail"}, pk
        prices = current[pk]
        assert prices["floor"].price < prices["agency"].price < prices["supply"].price < prices["retail"].price
    gone = Product.objects.get(status="discontinued")
    assert selectors.current_prices(actor=admin, product_ids=[gone.pk], on_date=TODAY) == {}
    assert ProductPrice.objects.filter(product=gone).exists()


def test_regional_customer_history_void_and_future_prices(demo):
    assert ProductPrice.objects.filter(region_code="440000", voided_at__isnull=True).count() == 8
    assert ProductPrice.objects.filter(region_code="330100").exists()
    assert ProductPrice.objects.filter(region_code="310115").exists()
    assert ProductPrice.objects.filter(voided_at__isnull=False).count() == 1
    assert ProductPrice.objects.filter(valid_to=datetime.date(2025, 12, 31)).count() >= 40
    assert ProductPrice.objects.filter(valid_from=datetime.date(2026, 4, 1), voided_at__isnull=True).count() == 3
    # customer prices go to active, not deleted distributors only
    with_prices = set(ProductPrice.objects.filter(customer__isnull=False).values_list("customer_id", flat=True))
    assert with_prices == {demo.ids[0], demo.ids[4], demo.ids[5]}
    # and they win for that customer
    own = ProductPrice.objects.filter(customer_id=demo.ids[0]).select_related("product", "customer").first()
    got = selectors.price_for(product=own.product, kind="supply", on_date=TODAY, customer=own.customer)
    assert got.pk == own.pk
    # the district price beats the city price for a customer there
    district = ProductPrice.objects.get(region_code="310115")
    assert selectors.price_for(product=district.product, kind="agency", on_date=TODAY,
                               region_code="310115").pk == district.pk
    assert selectors.price_for(product=district.product, kind="agency", on_date=TODAY,
                               region_code="310104").region_code == "310000"
