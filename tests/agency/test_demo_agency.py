"""demo/gen_agency.py on a small company: every kind of agreement, THE rule holds, deterministic."""

from __future__ import annotations

import pytest

from pharmcrm.agency import overlap
from pharmcrm.agency.models import AgencyAgreement
from pharmcrm.demo.gen_agency import agency_load
from tests.agency.helpers import make_product
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.django_db

PROVINCES = ["310000", "320100", "330200", "350100", "440600", "370100", "110105", "500000", "420100"]


def no_overlap_in_force() -> None:
    for a in AgencyAgreement.objects.filter(status="active", exclusive=True):
        products = list(a.lines.values_list("product_id", flat=True))
        items = overlap.territory_of([a.pk])[a.pk]
        assert overlap.find_conflicts(product_ids=products, items=items, start=a.start_date, end=a.end_date,
                                      exclude_id=a.pk) == [], a.number


def _company(org):
    users = {"admin": org.admin}
    for i, code in enumerate(PROVINCES):
        rep = make_user(f"demo_rep{i}", department=org.pd)
        users[rep.username] = rep
        make_customer(rep, f"演示代理商{i}医药有限公司", type="agent", region_code=code)
        make_customer(rep, f"演示医院{i}", type="hospital", region_code=code)
    for i in range(8):
        make_product(f"演示药{i}")
    return users


def test_demo_agreements(org):
    users = _company(org)
    counts = agency_load(seed=7, users=users)
    assert counts["agreements"] >= 8
    states = {(a.status, a.exclusive) for a in AgencyAgreement.objects.all()}
    assert {("active", True), ("active", False), ("expired", True), ("terminated", True), ("draft", True)} <= states
    assert AgencyAgreement.objects.filter(hospitals__isnull=False, status="active").exists()
    assert AgencyAgreement.objects.filter(deposit_status="forfeited").exists()
    no_overlap_in_force()
    # the overlapping draft is refused
    from pharmcrm.agency import selectors

    drafts = AgencyAgreement.objects.filter(status="draft", exclusive=True)
    assert any(selectors.agreement_conflicts(actor=org.admin, agreement_id=d.pk) for d in drafts)


def test_demo_agreements_are_deterministic(org):
    users = _company(org)
    agency_load(seed=7, users=users)
    first = list(AgencyAgreement.objects.order_by("number").values_list(
        "number", "agent__name", "status", "exclusive", "start_date", "end_date", "monthly_target"))
    AgencyAgreement.objects.all().delete()
    agency_load(seed=7, users=users)
    again = list(AgencyAgreement.objects.order_by("number").values_list(
        "number", "agent__name", "status", "exclusive", "start_date", "end_date", "monthly_target"))
    assert [r[1:] for r in again] == [r[1:] for r in first]
