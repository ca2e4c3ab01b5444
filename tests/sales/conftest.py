"""Fixtures of the sales-order tests: the org of tests/conftest.py plus warehouse and sales-admin
users, customers with shipping addresses and complete qualification files, products with supply
and floor prices, and ``new_order`` through the service."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from pharmcrm.catalog.models import ProductPrice
from pharmcrm.customers.profile_models import ShippingAddress
from pharmcrm.sales import services
from tests.factories import ensure_reference_rows, make_customer, make_user
from tests.inventory.helpers import make_product, make_warehouse, receive


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def role_scopes(db):
    """The role scopes come from data migrations; a transactional test's flush (browser and
    PostgreSQL concurrency tests) deletes them, so make sure they are there."""
    ensure_reference_rows()


def address(customer, region="310115", receiver="王收货", default=True) -> ShippingAddress:
    return ShippingAddress.objects.create(customer=customer, receiver=receiver, phone="13800000000",
                                          region_code=region, address="上海市浦东新区张江路1号", is_default=default)


def price(product, kind: str, value: str, **kw) -> ProductPrice:
    return ProductPrice.objects.create(product=product, kind=kind, price=Decimal(value),
                                       valid_from=timezone.localdate() - datetime.timedelta(days=30), **kw)


def qualify(customer) -> None:
    """A complete qualification file for a hospital (its practice licence)."""
    from tests.qualifications.conftest import make_document

    make_document(customer.owner, customer, "practice_licence")


def new_order(actor, customer, lines=None, **data):
    addr = data.pop("address", None) or customer.shipping_addresses.filter(is_active=True).first()
    return services.order_create(actor=actor, data={
        "customer_id": customer.pk, "shipping_address_id": addr.pk, "terminal_type": "public_hospital",
        "lines": lines if lines is not None else [{"product_id": customer._test_product.pk, "quantity": "10"}],
        **data})


@pytest.fixture
def book(org):
    """pd1: 张伟's hospital (qualified, address); pd2: 李娜's; gz: 刘洋's; product with supply
    price 12.50 and floor price 10.00; keeper (warehouse), clerk (sales admin)."""
    b = SimpleNamespace()
    b.keeper = make_user("keeper", department=org.hq, roles=("warehouse",), full_name="仓管老周")
    b.clerk = make_user("clerk", department=org.hq, roles=("sales_admin",), full_name="内勤小赵")
    b.product = make_product("阿托伐他汀钙片", tax_rate=Decimal("13.00"))
    price(b.product, "supply", "12.50")
    price(b.product, "floor", "10.00")
    b.pd1 = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active", region_code="310115")
    b.pd2 = make_customer(org.rep_pd2, "上海东方医院", type="hospital", status="active", region_code="310115")
    b.gz = make_customer(org.rep_gz, "广州市第一人民医院", type="hospital", status="active", region_code="440104")
    for c in (b.pd1, b.pd2, b.gz):
        address(c, region=c.region_code)
        qualify(c)
        c._test_product = b.product
    return b


@pytest.fixture
def stocked(book):
    """Two batches of the product: one expiring in 400 days, one in 700 (FEFO takes the first)."""
    wh = make_warehouse()
    today = timezone.localdate()
    b1 = receive(book.keeper, wh, book.product, "B2401", "30", today + datetime.timedelta(days=400))
    b2 = receive(book.keeper, wh, book.product, "B2402", "100", today + datetime.timedelta(days=700))
    return SimpleNamespace(wh=wh, b1=b1, b2=b2)
