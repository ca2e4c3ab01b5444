"""Property: the overlap rule equals a naive reference, on random agreements.

The reference shares no code with ``agency.overlap``/``agency.territory``: containment walks a
hand-written parent map (no code prefixes), territory overlap is the intersection of explicit
point sets (every region of a small universe and every hospital a territory covers), dates
are explicit sets of days, products plain sets. Random existing agreements (any status,
exclusive or not) and a random exclusive candidate; activating the candidate must fail exactly
when the reference finds a conflict, and name exactly the reference's conflicting agreements.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.agency import services
from pharmcrm.agency.conflicts import OverlapError
from pharmcrm.agency.models import (
    AgencyAgreement,
    AgreementHospital,
    AgreementLine,
    AgreementRegion,
    AgreementStatus,
)
from tests.agency.helpers import make_product
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

# --- the reference --------------------------------------------------------------------------
PARENT = {
    "330100": "330000", "330106": "330100", "330102": "330100", "330200": "330000",
    "320100": "320000", "320106": "320100",
    "110101": "110000",
    "429004": "420000", "420100": "420000",
    "441900": "440000",
}
UNIVERSE = sorted(set(PARENT) | set(PARENT.values()))
HOSPITAL_REGIONS = ["330106", "330102", "320106", "429004", "441900", ""]  # "" = region unknown


def ref_contains(ancestor: str, code: str) -> bool:
    while code:
        if code == ancestor:
            return True
        code = PARENT.get(code, "")
    return False


def ref_points(regions: set[str], hospitals: set[int]) -> set:
    points: set = set()
    for r in regions:
        points |= {("code", c) for c in UNIVERSE if ref_contains(r, c)}
        points |= {("hospital", h) for h, where in enumerate(HOSPITAL_REGIONS) if where and ref_contains(r, where)}
    points |= {("hospital", h) for h in hospitals}
    return points


def ref_days(start: int, length: int) -> set[int]:
    return set(range(start, start + length + 1))


def ref_conflicts(candidate: dict, others: list[dict]) -> set[int]:
    mine = ref_points(candidate["regions"], candidate["hospitals"])
    days = ref_days(candidate["start"], candidate["length"])
    return {
        i for i, o in enumerate(others)
        if o["status"] == "active" and o["exclusive"]
        and candidate["products"] & o["products"]
        and days & ref_days(o["start"], o["length"])
        and mine & ref_points(o["regions"], o["hospitals"])
    }


# --- random agreements ----------------------------------------------------------------------
def territories():
    return st.tuples(
        st.sets(st.sampled_from(UNIVERSE), max_size=3),
        st.sets(st.integers(0, len(HOSPITAL_REGIONS) - 1), max_size=2),
    ).filter(lambda t: t[0] or t[1])


def agreement_specs(statuses):
    return st.builds(
        lambda status, exclusive, products, terr, start, length: {
            "status": status, "exclusive": exclusive, "products": products,
            "regions": terr[0], "hospitals": terr[1], "start": start, "length": length,
        },
        st.sampled_from(statuses), st.booleans(), st.sets(st.integers(0, 2), min_size=1, max_size=2),
        territories(), st.integers(0, 60), st.integers(0, 40),
    )


_numbers = itertools.count(1)


def _write(spec: dict, *, agent, hospitals, products, today) -> AgencyAgreement:
    start = today + datetime.timedelta(days=spec["start"])
    a = AgencyAgreement.objects.create(
        number=f"P-{next(_numbers)}", agent=agent, status=spec["status"], exclusive=spec["exclusive"],
        start_date=start, end_date=start + datetime.timedelta(days=spec["length"]),
    )
    AgreementLine.objects.bulk_create([AgreementLine(agreement=a, product=products[p], agency_price=1)
                                       for p in spec["products"]])
    from pharmcrm.agency.territory import prefix

    AgreementRegion.objects.bulk_create([AgreementRegion(agreement=a, region_code=c, region_prefix=prefix(c))
                                         for c in spec["regions"]])
    AgreementHospital.objects.bulk_create([AgreementHospital(agreement=a, hospital=hospitals[h])
                                           for h in spec["hospitals"]])
    return a


@pytest.fixture
def fixed(org):
    agent = make_customer(org.rep_pd1, "参照代理商", type="agent")
    hospitals = [make_customer(org.rep_pd1, f"参照医院{i}", type="hospital", region_code=code)
                 for i, code in enumerate(HOSPITAL_REGIONS)]
    products = [make_product(f"参照药{i}") for i in range(3)]
    return org, agent, hospitals, products


@given(
    others=st.lists(agreement_specs(["draft", "active", "active", "expired", "terminated"]), max_size=6),
    candidate=agreement_specs(["draft"]),
)
def test_activation_matches_the_reference(fixed, others, candidate):
    org, agent, hospitals, products = fixed
    candidate = {**candidate, "exclusive": True}
    today = datetime.date.today()
    expected = ref_conflicts(candidate, others)
    with transaction.atomic():
        rows = [_write(o, agent=agent, hospitals=hospitals, products=products, today=today) for o in others]
        mine = _write(candidate, agent=agent, hospitals=hospitals, products=products, today=today)
        try:
            services.agreement_activate(actor=org.admin, agreement_id=mine.pk)
        except OverlapError as exc:
            named = {c["agreement"]["id"] for c in exc.conflicts}
            assert named == {rows[i].pk for i in expected}, (named, expected)
            assert all(c["visible"] for c in exc.conflicts)
        else:
            assert not expected, f"activated despite conflicts with {expected}"
            mine.refresh_from_db()
            assert mine.status == AgreementStatus.ACTIVE
        transaction.set_rollback(True)


@given(candidate=agreement_specs(["draft"]))
def test_non_exclusive_candidates_always_activate(fixed, candidate):
    org, agent, hospitals, products = fixed
    today = datetime.date.today()
    with transaction.atomic():
        blocker = {**candidate, "status": "active", "exclusive": True}
        _write(blocker, agent=agent, hospitals=hospitals, products=products, today=today)
        mine = _write({**candidate, "exclusive": False}, agent=agent, hospitals=hospitals, products=products,
                      today=today)
        services.agreement_activate(actor=org.admin, agreement_id=mine.pk)
        transaction.set_rollback(True)
