"""Shared set-up of the opportunity and quotation tests: customers over the org of
tests/conftest.py (with shipping addresses, for order drafts), products with supply prices, a
contact, and the service calls."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from pharmcrm.catalog.models import ProductPrice
from pharmcrm.customers.profile_models import ShippingAddress
from pharmcrm.opportunities import services as opp_services
from pharmcrm.opportunities.models import Stage
from pharmcrm.quotations import services as quote_services
from tests.contacts.conftest import new_contact
from tests.factories import make_customer
from tests.inventory.helpers import make_product


def stage(name: str) -> Stage:
    return Stage.objects.get(name=name)


def make_book(org) -> SimpleNamespace:
    """pd1: 张伟's hospital (contact 王建华); pd2: 李娜's; gz: 刘洋's; px: 王芳's pharmacy (no
    address); product (supply 12.50) and product2 (supply 8.0000); nolist: no price."""
    b = SimpleNamespace()
    today = timezone.localdate()
    b.product = make_product("阿托伐他汀钙片", tax_rate=Decimal("13.00"))
    b.product2 = make_product("瑞舒伐他汀钙片", tax_rate=Decimal("13.00"))
    b.nolist = make_product("无价药")
    for p, v in ((b.product, "12.50"), (b.product2, "8.00")):
        ProductPrice.objects.create(product=p, kind="supply", price=Decimal(v),
                                    valid_from=today - datetime.timedelta(days=30))
    b.pd1 = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active", region_code="310115")
    b.pd2 = make_customer(org.rep_pd2, "上海东方医院", type="hospital", status="active", region_code="310115")
    b.gz = make_customer(org.rep_gz, "广州市第一人民医院", type="hospital", status="active", region_code="440104")
    b.px = make_customer(org.rep_px, "老百姓大药房", type="pharmacy")
    for c in (b.pd1, b.pd2, b.gz):
        ShippingAddress.objects.create(customer=c, receiver="王收货", phone="13800000000", region_code=c.region_code,
                                       address="上海市浦东新区张江路1号", is_default=True)
    b.wang = new_contact(org.rep_pd1, b.pd1)
    b.li = new_contact(org.rep_pd2, b.pd2, name="李主任")
    return b


def new_opp(actor, customer, *, name="阿托伐他汀进院", lines=None, **data):
    if lines is None:
        lines = [{"product_id": customer._book.product.pk, "quantity": "100", "amount": "1250.00"}] \
            if hasattr(customer, "_book") else []
    return opp_services.opportunity_create(actor=actor, data={"customer_id": customer.pk, "name": name,
                                                              "lines": lines, **data})


def new_quote(actor, customer, product, *, price="12.5000", qty="100", until=None, **data):
    until = until or (timezone.localdate() + datetime.timedelta(days=30))
    return quote_services.quotation_create(actor=actor, data={
        "customer_id": customer.pk, "valid_until": until.isoformat(),
        "lines": [{"product_id": product.pk, "quantity": qty, "unit_price": price}], **data})
