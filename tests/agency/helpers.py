"""Builders for agreements in tests: they go through the services (rules and audit included)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from pharmcrm.agency import services
from pharmcrm.agency.models import AgencyAgreement
from pharmcrm.catalog.models import Product

_seq = itertools.count(1)


def make_product(generic_name: str | None = None, spec: str = "10mg*10片", **fields) -> Product:
    n = next(_seq)
    fields.setdefault("dosage_form", "tablet")
    fields.setdefault("manufacturer", "测试制药有限公司")
    fields.setdefault("approval_number", f"国药准字H{20000000 + n}")
    return Product.objects.create(generic_name=generic_name or f"测试药{n}", spec=spec, **fields)


def make_agreement(
    agent, *, actor=None, products=(), regions=(), hospitals=(), start=None, end=None, exclusive=True,
    activate=False, number: str = "", price: str = "12.5", **data,
) -> AgencyAgreement:
    actor = actor or agent.owner
    start = start or datetime.date.today()
    end = end or start + datetime.timedelta(days=364)
    a = services.agreement_create(actor=actor, agent_id=agent.pk, data={
        "number": number, "exclusive": exclusive, "start_date": start, "end_date": end, **data})
    for p in products:
        services.agreement_line_add(actor=actor, agreement_id=a.pk, product_id=p.pk,
                                    data={"agency_price": Decimal(price)})
    for code in regions:
        services.agreement_region_add(actor=actor, agreement_id=a.pk, region_code=code)
    for h in hospitals:
        services.agreement_hospital_add(actor=actor, agreement_id=a.pk, hospital_id=h.pk)
    if activate:
        a = services.agreement_activate(actor=actor, agreement_id=a.pk)
    a.refresh_from_db()
    return a
