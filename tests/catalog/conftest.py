"""Catalog fixtures: a sales admin next to the ``org`` fixture's people, products, customers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from pharmcrm.catalog import services
from pharmcrm.catalog.models import Product
from tests.factories import make_customer, make_user

D = datetime.date


def product_data(**over) -> dict:
    data = {
        "generic_name": "阿莫西林胶囊", "trade_name": "阿莫仙", "dosage_form": "capsule", "spec": "0.25g×24粒",
        "packing_unit": "box", "case_quantity": 400, "manufacturer": "珠海联邦制药股份有限公司",
        "mah": "珠海联邦制药股份有限公司", "approval_number": "国药准字H44021351", "insurance_class": "a",
        "rx_class": "rx", "storage": "normal", "tax_rate": Decimal("13"), "therapeutic_area": "anti_infective",
        "status": "active", "notes": "",
    }
    data.update(over)
    return data


def make_product(actor, **over) -> Product:
    return services.product_create(actor=actor, data=product_data(**over))


@pytest.fixture
def cat(org):
    """org + a sales admin + two products + customers in 浦东 (310115) and 广州天河 (440106)."""

    class Cat:
        pass

    c = Cat()
    c.org = org
    c.sales_admin = make_user("sales_admin", department=org.hq, roles=("sales_admin",), full_name="商务小沈")
    c.amox = make_product(c.sales_admin)
    c.met = make_product(
        c.sales_admin, generic_name="盐酸二甲双胍缓释片", trade_name="格华止", dosage_form="tablet",
        spec="0.5g×30片", approval_number="国药准字H20023370", manufacturer="中美上海施贵宝制药有限公司",
        mah="", therapeutic_area="endocrine", insurance_class="b", case_quantity=200,
    )
    c.cust_pd = make_customer(org.rep_pd1, "上海浦东医药有限公司", region_code="310115")
    c.cust_gz = make_customer(org.rep_gz, "广州天河医药有限公司", region_code="440106")
    return c
