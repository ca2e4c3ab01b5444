"""Every API route that takes a customer id answers 404 to a peer and to another branch.

The routes are ENUMERATED from the NinjaAPI (tests/api/routes.py). A route with a
``{customer_id}`` path parameter that is not in ``CALLS`` below fails the test, so a new
route cannot be forgotten: add it to ``CALLS`` with a request that would succeed for the owner.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.api.conftest import assert_error, db_fingerprint
from tests.api.routes import api_routes, concrete_path, path_params
from tests.factories import make_customer, make_group, make_share
from tests.qualifications.api_helpers import Multipart, qualification_upload

pytestmark = pytest.mark.django_db

# (METHOD, path template) -> (which customer: "alive" | "deleted", body(ctx, outsider) or None)
CALLS = {
    ("GET", "/customers/{customer_id}"): ("alive", None),
    ("PATCH", "/customers/{customer_id}"): ("alive", lambda c, u: {"name": "改名"}),
    ("DELETE", "/customers/{customer_id}"): ("alive", None),
    ("POST", "/customers/{customer_id}/restore"): ("deleted", lambda c, u: {}),
    ("GET", "/customers/{customer_id}/history"): ("alive", None),
    ("GET", "/customers/{customer_id}/pool-events"): ("alive", None),  # the pool's actions: tests/api/test_pool_api.py
    ("GET", "/customers/{customer_id}/shares"): ("alive", None),
    ("POST", "/customers/{customer_id}/shares"): ("alive", lambda c, u: {"user_id": u.pk, "access": "write"}),
    ("DELETE", "/customers/{customer_id}/shares/{share_id}"): ("alive", None),
    ("GET", "/customers/{customer_id}/contacts"): ("alive", None),
    ("GET", "/customers/{customer_id}/qualifications"): ("alive", None),
    ("POST", "/customers/{customer_id}/qualifications"): ("alive", qualification_upload),  # multipart
    ("GET", "/customers/{customer_id}/qualification-status"): ("alive", None),
    # the activity timeline and the header's key figures (api/customer_timeline.py)
    ("GET", "/customers/{customer_id}/timeline"): ("alive", None),
    ("GET", "/customers/{customer_id}/figures"): ("alive", None),
    # the 360° profile (api/customer_profile.py); the section ids come from world.alive.path_ids
    ("GET", "/customers/{customer_id}/profile"): ("alive", None),
    ("GET", "/customers/{customer_id}/invoice-profile"): ("alive", None),
    ("PUT", "/customers/{customer_id}/invoice-profile"): (
        "alive", lambda c, u: {"title": "浦东大客户", "taxpayer_id": "91350100M000100Y43"}),
    ("GET", "/customers/{customer_id}/shipping-addresses"): ("alive", None),
    ("POST", "/customers/{customer_id}/shipping-addresses"): ("alive", lambda c, u: {
        "receiver": "王五", "phone": "13900001111", "region_code": "310115", "address": "张江路2号"}),
    ("PATCH", "/customers/{customer_id}/shipping-addresses/{address_id}"): ("alive", lambda c, u: {"notes": "后门"}),
    ("DELETE", "/customers/{customer_id}/shipping-addresses/{address_id}"): ("alive", None),
    ("POST", "/customers/{customer_id}/shipping-addresses/{address_id}/set-default"): ("alive", lambda c, u: {}),
    ("POST", "/customers/{customer_id}/shipping-addresses/{address_id}/reactivate"): ("alive", lambda c, u: {}),
    ("GET", "/customers/{customer_id}/wanted-regions"): ("alive", None),
    ("POST", "/customers/{customer_id}/wanted-regions"): ("alive", lambda c, u: {"region_code": "320500"}),
    ("PATCH", "/customers/{customer_id}/wanted-regions/{region_id}"): ("alive", lambda c, u: {"note": "全市"}),
    ("DELETE", "/customers/{customer_id}/wanted-regions/{region_id}"): ("alive", None),
    ("GET", "/customers/{customer_id}/products-of-interest"): ("alive", None),
    ("POST", "/customers/{customer_id}/products-of-interest"): ("alive", lambda c, u: {"product_id": c.product2.pk}),
    ("PATCH", "/customers/{customer_id}/products-of-interest/{interest_id}"): ("alive", lambda c, u: {"note": "样品"}),
    ("DELETE", "/customers/{customer_id}/products-of-interest/{interest_id}"): ("alive", None),
    ("GET", "/customers/{customer_id}/product-fields"): ("alive", None),
    ("POST", "/customers/{customer_id}/product-fields"): ("alive", lambda c, u: {"area": "oncology"}),
    ("PATCH", "/customers/{customer_id}/product-fields/{field_id}"): ("alive", lambda c, u: {"annual_volume": "5"}),
    ("DELETE", "/customers/{customer_id}/product-fields/{field_id}"): ("alive", None),
    ("GET", "/customers/{customer_id}/key-accounts"): ("alive", None),
    ("POST", "/customers/{customer_id}/key-accounts"): ("alive", lambda c, u: {"hospital_id": c.hospital2.pk}),
    ("PATCH", "/customers/{customer_id}/key-accounts/{key_account_id}"): ("alive", lambda c, u: {"strength": 3}),
    ("DELETE", "/customers/{customer_id}/key-accounts/{key_account_id}"): ("alive", None),
    ("GET", "/customers/{customer_id}/competitors"): ("alive", None),
    ("POST", "/customers/{customer_id}/competitors"): ("alive", lambda c, u: {"name": "扬子江药业"}),
    ("PATCH", "/customers/{customer_id}/competitors/{competitor_id}"): ("alive", lambda c, u: {"notes": "返点高"}),
    ("DELETE", "/customers/{customer_id}/competitors/{competitor_id}"): ("alive", None),
    ("PUT", "/customers/{customer_id}/head-office"): ("alive", lambda c, u: {"chain_id": None}),
    # the follow-up calendar (api/supervision.py); world.alive has a plan
    ("POST", "/customers/{customer_id}/plan/reschedule"): ("alive", lambda c, u: {"date": "2099-01-01"}),
}

OUTSIDERS = ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"]


def customer_routes() -> list[tuple[str, str]]:
    return [(m, p) for m, p in api_routes() if "customer_id" in path_params(p)]


def test_every_customer_id_route_is_covered():
    routes = set(customer_routes())
    assert routes, "no route takes a customer id?"
    missing = routes - set(CALLS)
    assert not missing, f"add these routes to CALLS in {__file__}: {sorted(missing)}"
    stale = set(CALLS) - routes
    assert not stale, f"CALLS lists routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(org):
    w = SimpleNamespace(org=org)
    w.alive = make_customer(org.rep_pd1, "浦东大客户")
    w.deleted = make_customer(org.rep_pd1, "已删除客户")
    from django.utils import timezone

    w.deleted.deleted_at = timezone.now()
    w.deleted.deleted_by = org.rep_pd1
    w.deleted.save()
    group = make_group("某组", members=[org.rep_pd1])
    w.shares = {
        "alive": make_share(w.alive, group=group, access="read"),
        "deleted": make_share(w.deleted, group=group, access="read"),
    }
    _profile_world(w, org)
    from pharmcrm.activities.services import followup_create

    followup_create(actor=org.rep_pd1, customer_id=w.alive.pk, data={"content": "拜访", "next_date": "2099-01-01"})
    return w


def _profile_world(w, org):
    """One row of each 360° profile section on the alive customer; their ids fill the route templates."""
    from tests.customers.profile_helpers import fill_profile

    w.path_ids, w.hospital2, w.product2 = fill_profile(org.rep_pd1, w.alive)
    w.alive.path_ids = w.path_ids


def _call(client, method, template, customer, share, body):
    path = concrete_path(template, customer_id=customer.pk, share_id=share.pk, **getattr(customer, "path_ids", {}))
    if isinstance(body, Multipart):
        return client.client.post("/api/v1" + path, data=body.data())
    if method in ("GET", "DELETE"):
        return client.request(method, path)
    return client.request(method, path, body if body is not None else {})


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_customer_route(world, as_user, outsider):
    user = getattr(world.org, outsider)
    client = as_user(user)
    client.get("/me")
    before = db_fingerprint()
    for method, template in customer_routes():
        which, body = CALLS[(method, template)]
        customer = getattr(world, which)
        response = _call(client, method, template, customer, world.shares[which], body and body(world, user))
        assert_error(response, 404, "not_found")
        # the same answer as for an id that does not exist: existence does not leak
        missing = SimpleNamespace(pk=customer.pk + 100000)
        other = _call(client, method, template, missing, world.shares[which], body and body(world, user))
        assert (other.status_code, other.json()) == (response.status_code, response.json()), (method, template)
    assert db_fingerprint() == before


def test_the_owner_succeeds_on_every_customer_route(world, as_user):
    """The same calls work for the owner, so the 404s above are about visibility, not bad requests."""
    client = as_user(world.org.rep_pd1)
    # the customer itself is deleted last
    order = sorted(customer_routes(), key=lambda r: (r[0] == "DELETE", r[1] == "/customers/{customer_id}"))
    for method, template in order:
        which, body = CALLS[(method, template)]
        customer = getattr(world, which)
        response = _call(client, method, template, customer, world.shares[which],
                         body and body(world, world.org.rep_pd2))
        assert response.status_code in (200, 201, 204), (method, template, response.content)


def test_transfer_of_an_invisible_customer_is_404(world, as_user):
    client = as_user(world.org.south_head)
    client.get("/me")
    before = db_fingerprint()
    r = client.post("/customers/transfer", {
        "assignments": [{"customer_ids": [world.alive.pk], "to_user_id": world.org.rep_gz.pk}]})
    assert_error(r, 404, "not_found")
    assert db_fingerprint() == before


def test_peer_lists_do_not_show_the_customer(world, as_user):
    for outsider in OUTSIDERS:
        client = as_user(getattr(world.org, outsider))
        assert world.alive.pk not in {c["id"] for c in client.get("/customers", limit=200).json()["items"]}
        assert world.deleted.pk not in {c["id"] for c in client.get("/customers/recycle-bin").json()["items"]}
