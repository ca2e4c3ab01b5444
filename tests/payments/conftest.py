"""Fixtures of the payment tests: the org of tests/conftest.py, customers of three reps with
shipping addresses, a product with a supply price, and ``approved_order``: an order made through
the sales service and moved to approved (or later) at a chosen time — the review itself is
tested by the sales tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from pharmcrm.catalog.models import ProductPrice
from pharmcrm.customers.profile_models import ShippingAddress
from pharmcrm.sales import services as sales_services
from pharmcrm.sales.models import SalesOrder
from tests.factories import make_customer, make_user
from tests.inventory.helpers import make_product


@pytest.fixture(autouse=True)
def role_scopes(db):
    """Role scopes come from data migrations; a transactional test's flush deletes them."""
    from pharmcrm.org.models import RoleScope

    for role, area, scope in (("finance", "orders", "all"), ("sales_admin", "orders", "all"),
                              ("warehouse", "orders", "approved"), ("finance", "payments", "all")):
        RoleScope.objects.get_or_create(role=role, area=area, defaults={"scope": scope})


def _address(customer) -> ShippingAddress:
    return ShippingAddress.objects.create(customer=customer, receiver="王收货", phone="13800000000",
                                          region_code="310115", address="上海市浦东新区张江路1号", is_default=True)


def order_for(actor, customer, amount: str, *, status: str = "approved", days_ago: int = 0,
              approved_at: datetime.datetime | None = None) -> SalesOrder:
    """An order of ``amount`` (quantity × 1.00) for ``customer``, moved to ``status``."""
    product = customer._test_product
    o = sales_services.order_create(actor=actor, data={
        "customer_id": customer.pk, "shipping_address_id": customer.shipping_addresses.first().pk,
        "terminal_type": "public_hospital",
        "lines": [{"product_id": product.pk, "quantity": amount, "unit_price": "1"}]})
    if status != "draft":
        when = approved_at or (timezone.now() - datetime.timedelta(days=days_ago))
        values = {"status": status}
        if status not in ("submitted", "cancelled"):
            values.update(approved_at=when, approved_by=actor)
        SalesOrder.objects.filter(pk=o.pk).update(**values)
    o.refresh_from_db()
    assert o.amount_total == Decimal(amount)
    return o


@pytest.fixture
def pay(org):
    """c1: 张伟's hospital; c2: 李娜's; gz: 刘洋's (another branch); clerk: a sales admin."""
    b = SimpleNamespace()
    b.clerk = make_user("clerk", department=org.hq, roles=("sales_admin",), full_name="内勤小赵")
    b.product = make_product("阿托伐他汀钙片", tax_rate=Decimal("13.00"))
    ProductPrice.objects.create(product=b.product, kind="supply", price=Decimal("1"),
                                valid_from=timezone.localdate() - datetime.timedelta(days=300))
    b.c1 = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active", region_code="310115")
    b.c2 = make_customer(org.rep_pd2, "上海东方医院", type="hospital", status="active", region_code="310115")
    b.gz = make_customer(org.rep_gz, "广州市第一人民医院", type="hospital", status="active", region_code="440104")
    for c in (b.c1, b.c2, b.gz):
        _address(c)
        c._test_product = b.product
    return b


@pytest.fixture
def as_user(client):
    """``as_user(user)`` -> the test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _reference_rows(db):
    """Role scopes and default stages, which a transactional test's flush deletes."""
    from tests.factories import ensure_reference_rows

    ensure_reference_rows()
