"""Property: a user sees a follow-up iff they see its customer — the engine against the
independent reference (tests/org/reference.py) on the foundation's random worlds (trees, users,
roles, heads, share groups, owned and pool customers, shares), in both query shapes."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.activities import selectors
from pharmcrm.activities.models import FollowUp
from pharmcrm.core.errors import NotFound
from pharmcrm.org.models import User
from tests.org.reference import load_world
from tests.org.test_visibility_properties import SHAPES, build, query_shape, worlds


@st.composite
def worlds_with_followups(draw):
    spec = draw(worlds())
    n = len(spec["customers"])
    followups = draw(st.lists(st.integers(0, n - 1), max_size=10)) if n and spec["users"] else []
    return spec, followups


@pytest.mark.django_db
@given(data=worlds_with_followups())
def test_a_follow_up_is_visible_iff_its_customer_is(data):
    spec, followups = data
    with transaction.atomic():
        ids = build(spec)
        made = FollowUp.objects.bulk_create([
            FollowUp(customer_id=ids["customers"][c], author_id=ids["users"][0], content=f"跟进{i}")
            for i, c in enumerate(followups)
        ])
        world = load_world()
        customer_of = {f.pk: f.customer_id for f in made}
        for large_volume in SHAPES.values():
            with query_shape(large_volume):
                for uid in ids["users"]:
                    user = User.objects.get(pk=uid)  # fresh: roles and heads are cached per instance
                    expected = {f for f, c in customer_of.items() if world.can_see(uid, c)}
                    assert set(selectors.visible_followups(user).values_list("id", flat=True)) == expected, (
                        large_volume, uid)
                    assert {f.pk for f in selectors.followup_list(actor=user)} == expected
                    for fid, cid in customer_of.items():
                        if fid in expected:
                            assert selectors.followup_get(actor=user, followup_id=fid).pk == fid
                            assert fid in {f.pk for f in selectors.followups_last_ten(actor=user, customer_id=cid)}
                        else:
                            with pytest.raises(NotFound):
                                selectors.followup_get(actor=user, followup_id=fid)
        transaction.set_rollback(True)
