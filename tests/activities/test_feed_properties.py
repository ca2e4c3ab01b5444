"""Property: the team feed of a user is exactly the follow-ups whose author's department lies
in the subtree of the departments the user heads AND whose customer the user can see (the
independent reference, tests/org/reference.py), on random worlds, in both query shapes;
anyone who heads nothing (or is inactive) gets NotFound."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.activities import feed
from pharmcrm.activities.models import FollowUp
from pharmcrm.core.errors import NotFound
from pharmcrm.org.models import User
from tests.org.reference import load_world
from tests.org.test_visibility_properties import SHAPES, build, query_shape, worlds


@st.composite
def worlds_with_followups(draw):
    spec = draw(worlds())
    n, m = len(spec["customers"]), len(spec["users"])
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)) if n and m else st.nothing()
    return spec, (draw(st.lists(pairs, max_size=10)) if n and m else [])


@pytest.mark.django_db
@given(data=worlds_with_followups())
def test_the_feed_is_the_subtree_authors_visible_followups(data):
    spec, followups = data
    when = timezone.now() - datetime.timedelta(hours=1)
    with transaction.atomic():
        ids = build(spec)
        made = FollowUp.objects.bulk_create([
            FollowUp(customer_id=ids["customers"][c], author_id=ids["users"][a], content=f"跟进{i}", occurred_at=when)
            for i, (c, a) in enumerate(followups)
        ])
        world = load_world()
        period = feed.Period.of(None, None)
        for large_volume in SHAPES.values():
            with query_shape(large_volume):
                for uid in ids["users"]:
                    user = User.objects.get(pk=uid)
                    ref = world.users[uid]
                    if not ref.is_active or not ref.heads:
                        with pytest.raises(NotFound):
                            feed.team_feed(actor=user, filters=feed.FeedFilters(period=period))
                        continue
                    below = set().union(*(world.subtree(h) for h in ref.heads))
                    expected = {f.pk for f in made
                                if world.users[f.author_id].department_id in below
                                and world.can_see(uid, f.customer_id)}
                    got = feed.team_feed(actor=user, filters=feed.FeedFilters(period=period))
                    assert set(got.values_list("id", flat=True)) == expected, (large_volume, uid)
                    members = set(feed.team_members(user).values_list("id", flat=True))
                    assert members == {u for u, r in world.users.items() if r.department_id in below}
        transaction.set_rollback(True)
