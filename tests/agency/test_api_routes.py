"""Every API route that takes an agreement id answers 404 to a peer and to another branch,
exactly as for an id that does not exist; the owner succeeds on the same calls.

Routes are ENUMERATED from the NinjaAPI (tests/api/routes.py): a new ``{agreement_id}`` route
not listed in CALLS fails ``test_every_agreement_route_is_covered``.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.agency.helpers import make_agreement
from tests.api.conftest import assert_error, db_fingerprint
from tests.api.routes import api_routes, concrete_path, path_params

pytestmark = pytest.mark.django_db

# (METHOD, template) -> body(world) or None. Ordered so the owner's run succeeds end to end.
CALLS = {
    ("GET", "/agreements/{agreement_id}"): None,
    ("GET", "/agreements/{agreement_id}/conflicts"): None,
    ("GET", "/agreements/{agreement_id}/history"): None,
    ("GET", "/agreements/{agreement_id}/lines"): None,
    ("PATCH", "/agreements/{agreement_id}"): lambda w: {"notes": "改"},
    ("POST", "/agreements/{agreement_id}/lines"): lambda w: {"product_id": w.p2.pk, "agency_price": "3"},
    ("PATCH", "/agreements/{agreement_id}/lines/{line_id}"): lambda w: {"notes": "x"},
    ("DELETE", "/agreements/{agreement_id}/lines/{line_id}"): None,
    ("POST", "/agreements/{agreement_id}/regions"): lambda w: {"region_code": "330200"},
    ("DELETE", "/agreements/{agreement_id}/regions/{region_id}"): None,
    ("POST", "/agreements/{agreement_id}/hospitals"): lambda w: {"hospital_id": w.hosp_xh.pk},
    ("DELETE", "/agreements/{agreement_id}/hospitals/{entry_id}"): None,
    ("POST", "/agreements/{agreement_id}/deposit"): lambda w: {"status": "paid"},
    ("POST", "/agreements/{agreement_id}/activate"): lambda w: {},
    ("POST", "/agreements/{agreement_id}/terminate"): lambda w: {"reason": "测试"},
}
OUTSIDERS = ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"]


def agreement_routes():
    return [(m, p) for m, p in api_routes() if "agreement_id" in path_params(p)]


def test_every_agreement_route_is_covered():
    routes = set(agreement_routes())
    assert routes
    assert not routes - set(CALLS), f"add to CALLS: {sorted(routes - set(CALLS))}"
    assert not set(CALLS) - routes, f"stale in CALLS: {sorted(set(CALLS) - routes)}"


@pytest.fixture
def target(world):
    from decimal import Decimal

    from pharmcrm.agency import services

    a = make_agreement(world.agent_a, products=[world.p1], hospitals=[world.hosp_xh], deposit_amount=Decimal("1000"))
    services.agreement_region_add(actor=world.org.rep_pd1, agreement_id=a.pk, region_code="330100")
    return SimpleNamespace(agreement=a, line=a.lines.get(), region=a.regions.get(), hospital=a.hospitals.get())


def _call(client, method, template, t, body):
    path = concrete_path(template, agreement_id=t.agreement.pk, line_id=t.line.pk, region_id=t.region.pk,
                         entry_id=t.hospital.pk)
    if method in ("GET", "DELETE"):
        return client.request(method, path)
    return client.request(method, path, body if body is not None else {})


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_agreement_route(world, target, api_as, outsider):
    client = api_as(getattr(world.org, outsider))
    client.get("/me")
    before = db_fingerprint()
    from pharmcrm.agency.models import AgencyAgreement, AgreementHospital, AgreementLine, AgreementRegion

    rows = lambda: [list(m.objects.order_by("pk").values()) for m in  # noqa: E731
                    (AgencyAgreement, AgreementLine, AgreementRegion, AgreementHospital)]
    before_rows = rows()
    for method, template in agreement_routes():
        body = CALLS[(method, template)]
        r = _call(client, method, template, target, body and body(world))
        assert_error(r, 404, "not_found")
        missing = SimpleNamespace(agreement=SimpleNamespace(pk=target.agreement.pk + 100000), line=target.line,
                                  region=target.region, hospital=target.hospital)
        other = _call(client, method, template, missing, body and body(world))
        assert (other.status_code, other.json()) == (r.status_code, r.json()), (method, template)
    assert db_fingerprint() == before and rows() == before_rows


def test_the_owner_succeeds_on_every_agreement_route(world, target, api_as):
    client = api_as(world.org.rep_pd1)
    order = list(CALLS)
    # the hospital entry goes before the region covering it is removed and it is added back
    order.remove(("DELETE", "/agreements/{agreement_id}/hospitals/{entry_id}"))
    order.insert(order.index(("POST", "/agreements/{agreement_id}/regions")),
                 ("DELETE", "/agreements/{agreement_id}/hospitals/{entry_id}"))
    for method, template in order:
        body = CALLS[(method, template)]
        r = _call(client, method, template, target, body and body(world))
        assert r.status_code in (200, 201, 204), (method, template, r.content)


def test_sub_ids_of_another_agreement_are_404(world, target, api_as):
    other = make_agreement(world.agent_a, products=[world.p2], regions=["320100"])
    client = api_as(world.org.rep_pd1)
    line = other.lines.get()
    assert_error(client.delete(f"/agreements/{target.agreement.pk}/lines/{line.pk}"), 404)
    assert_error(client.delete(f"/agreements/{target.agreement.pk}/regions/{other.regions.get().pk}"), 404)
    assert other.lines.count() == 1
