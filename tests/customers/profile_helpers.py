"""Builders for the 360° profile in tests (through the services: rules and audit included)."""

from __future__ import annotations

import itertools

from pharmcrm.catalog.models import Product
from pharmcrm.customers import profile_services as ps
from tests.factories import VALID_CREDIT_CODE, make_customer

_seq = itertools.count(1)

ADDRESS = {"receiver": "王仓管", "phone": "13812345678", "region_code": "310115", "address": "上海市浦东新区张江路1号"}


def make_product(name: str | None = None, **fields) -> Product:
    from pharmcrm.catalog.services import build_search_text

    n = next(_seq)
    fields.setdefault("dosage_form", "tablet")
    fields.setdefault("manufacturer", "上海某某药业有限公司")
    fields.setdefault("approval_number", f"国药准字H{30000000 + n}")
    product = Product(generic_name=name or f"试验药{n}", spec="10mg*24片", **fields)
    product.search_text = build_search_text(product)
    product.save()
    return product


def fill_profile(actor, customer):
    """One row in every section of ``customer``'s profile. Returns ({path param: id}, a second visible
    hospital not linked yet, a second product not listed yet)."""
    hospital = make_customer(actor, f"浦东第{next(_seq)}人民医院", type="hospital")
    hospital2 = make_customer(actor, f"浦东第{next(_seq)}人民医院", type="hospital")
    product, product2 = make_product("银杏叶片"), make_product("丹参滴丸")
    ps.invoice_profile_save(actor=actor, customer_id=customer.pk,
                            data={"title": customer.name, "taxpayer_id": VALID_CREDIT_CODE})
    address = ps.shipping_address_create(actor=actor, customer_id=customer.pk, data=ADDRESS)
    region = ps.wanted_region_add(actor=actor, customer_id=customer.pk, data={"region_code": "330100"})
    interest = ps.product_interest_add(actor=actor, customer_id=customer.pk, data={"product_id": product.pk})
    field = ps.product_field_add(actor=actor, customer_id=customer.pk, data={"area": "cardio"})
    key = ps.key_account_add(actor=actor, customer_id=customer.pk, data={"hospital_id": hospital.pk})
    competitor = ps.competitor_create(actor=actor, customer_id=customer.pk, data={"name": "扬子江药业"})
    ids = {"address_id": address.pk, "region_id": region.pk, "interest_id": interest.pk, "field_id": field.pk,
           "key_account_id": key.pk, "competitor_id": competitor.pk}
    return ids, hospital2, product2
