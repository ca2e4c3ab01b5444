"""Platform listings (挂网): the state machine (stateful, against a reference), one live listing
per product × province, who may write, input checks."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.tenders import listing_services as ls
from pharmcrm.tenders.models import PlatformListing
from pharmcrm.tenders.selectors import listing_get
from tests.factories import make_user

pytestmark = pytest.mark.django_db

MOVES = {"not_applied": {"apply": "applying"}, "applying": {"list": "listed"},
         "listed": {"suspend": "suspended", "delist": "delisted"},
         "suspended": {"list": "listed", "delist": "delisted"}, "delisted": {}}


def test_listing_state_machine(org, tb):
    class Listings(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            PlatformListing.objects.all().delete()
            self.listing = ls.listing_create(actor=tb.weilin, data={"product_id": tb.p1.pk, "province": "310000"})
            self.status = "not_applied"

        @rule(action=st.sampled_from(["apply", "list", "suspend", "delist"]))
        def act(self, action):
            target = MOVES[self.status].get(action)
            try:
                ls.listing_transition(actor=tb.weilin, listing_id=self.listing.pk, action=action)
            except ApplicationError as exc:
                assert target is None and exc.code == "illegal_transition"
            else:
                assert target is not None
                self.status = target

        @invariant()
        def matches(self):
            if hasattr(self, "listing"):
                row = PlatformListing.objects.get(pk=self.listing.pk)
                assert row.status == self.status
                if self.status == "delisted":
                    assert row.delisted_on is not None
                if self.status != "not_applied":
                    assert row.applied_on is not None

    Listings.TestCase.settings = hsettings(max_examples=20, stateful_step_count=12, deadline=None)
    Listings.TestCase("runTest").runTest()


def test_one_live_listing_per_product_and_province(org, tb):
    a = ls.listing_create(actor=tb.weilin, data={"product_id": tb.p1.pk, "province": "310000"})
    with pytest.raises(ApplicationError) as exc:
        ls.listing_create(actor=tb.weilin, data={"product_id": tb.p1.pk, "province": "310000"})
    assert exc.value.code == "duplicate"
    ls.listing_create(actor=tb.weilin, data={"product_id": tb.p1.pk, "province": "440000"})
    ls.listing_create(actor=tb.weilin, data={"product_id": tb.p2.pk, "province": "310000"})
    for action in ("apply", "list", "delist"):
        ls.listing_transition(actor=tb.weilin, listing_id=a.pk, action=action, on=datetime.date(2026, 1, 5))
    b = ls.listing_create(actor=tb.weilin, data={"product_id": tb.p1.pk, "province": "310000"})  # again after delisting
    assert b.pk != a.pk
    with pytest.raises(ApplicationError):
        ls.listing_update(actor=tb.weilin, listing_id=a.pk, data={"platform_code": "X"})  # delisted is final


def test_who_writes_and_who_reads(org, tb):
    sales_admin = make_user("neiqin", department=org.hq, roles=("sales_admin",))
    listing = ls.listing_create(actor=sales_admin, data={"product_id": tb.p1.pk, "province": "310000"})
    ls.listing_create(actor=org.admin, data={"product_id": tb.p2.pk, "province": "310000"})
    for who in (org.rep_pd1, org.pd_head, org.finance):
        with pytest.raises(PermissionDenied):
            ls.listing_create(actor=who, data={"product_id": tb.p1.pk, "province": "440000"})
        with pytest.raises(PermissionDenied):
            ls.listing_transition(actor=who, listing_id=listing.pk, action="apply")
        assert listing_get(actor=who, listing_id=listing.pk) == listing  # everyone reads
    with pytest.raises(NotFound):
        ls.listing_transition(actor=tb.weilin, listing_id=2**40, action="apply")


@pytest.mark.parametrize("data, field", [
    ({"province": "310100"}, "province"), ({"listing_price": "1.23456"}, "listing_price"),
    ({"listing_price": "0"}, "listing_price"), ({"applied_on": "2026-13-01"}, "applied_on"),
    ({"product_id": 2**40}, "product_id"), ({"nope": 1}, "nope"),
])
def test_input_checks(org, tb, data, field):
    with pytest.raises(ApplicationError) as exc:
        ls.listing_create(actor=tb.weilin, data={"product_id": tb.p1.pk, "province": "310000", **data})
    assert field in exc.value.fields
