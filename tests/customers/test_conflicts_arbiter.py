"""Property: ``arbiter_department_for`` (one closure-table query) equals a naive walk up the tree."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.customers.conflicts import arbiter_department_for
from pharmcrm.org.models import Department, DepartmentClosure, DepartmentHead, User

_tags = itertools.count(1)


def naive_arbiter(parents, heads, active, a, b, exclude) -> int | None:
    """Walk up from ``a``; the first ancestor-or-self that is also above-or-equal ``b`` and has an
    active head outside ``exclude``. Indexes, not ids."""
    if a is None or b is None:
        return None

    def up(d):
        while d is not None:
            yield d
            d = parents[d]

    above_b = set(up(b))
    for d in up(a):
        if d in above_b and any(active[u] and u not in exclude for u in heads.get(d, ())):
            return d
    return None


@st.composite
def worlds(draw):
    n = draw(st.integers(1, 14))
    parents: list[int | None] = []
    for i in range(n):
        root = i == 0 or draw(st.integers(0, 9)) == 0  # mostly one tree, sometimes a forest
        parents.append(None if root else draw(st.integers(0, i - 1)))
    n_users = draw(st.integers(2, 8))
    active = draw(st.lists(st.integers(0, 5).map(lambda x: x != 0), min_size=n_users, max_size=n_users))
    head_pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n_users - 1)), max_size=12, unique=True))
    heads: dict[int, list[int]] = {}
    for d, u in head_pairs:
        heads.setdefault(d, []).append(u)
    dept_or_none = st.integers(-1, n - 1).map(lambda x: None if x < 0 else x)
    a, b = draw(dept_or_none), draw(dept_or_none)
    exclude = draw(st.sets(st.integers(0, n_users - 1), max_size=2))
    return parents, heads, active, a, b, exclude


@pytest.mark.django_db
@given(world=worlds())
def test_lowest_common_head_equals_naive_reference(world):
    parents, heads, active, a, b, exclude = world
    tag = next(_tags)
    with transaction.atomic():
        depts = Department.objects.bulk_create([Department(name=f"A{tag}-{i}") for i in range(len(parents))])
        for d, p in zip(depts, parents, strict=True):
            d.parent_id = None if p is None else depts[p].pk
        Department.objects.bulk_update(depts, ["parent"])
        rows = []
        for i, d in enumerate(depts):
            j, depth = i, 0
            while j is not None:
                rows.append(DepartmentClosure(ancestor_id=depts[j].pk, descendant_id=d.pk, depth=depth))
                j, depth = parents[j], depth + 1
        DepartmentClosure.objects.bulk_create(rows)
        users = User.objects.bulk_create(
            [User(username=f"a{tag}-{i}", full_name=f"人{i}", password="!", is_active=act)
             for i, act in enumerate(active)]
        )
        DepartmentHead.objects.bulk_create(
            [DepartmentHead(department_id=depts[d].pk, user_id=users[u].pk) for d, us in heads.items() for u in us]
        )
        got = arbiter_department_for(
            claimant_department_id=None if a is None else depts[a].pk,
            owner_department_id=None if b is None else depts[b].pk,
            exclude_user_ids={users[u].pk for u in exclude},
        )
        expected = naive_arbiter(parents, heads, active, a, b, exclude)
        assert (got.pk if got else None) == (None if expected is None else depts[expected].pk)
        # symmetric: it does not matter who claims and who owns
        swapped = arbiter_department_for(
            claimant_department_id=None if b is None else depts[b].pk,
            owner_department_id=None if a is None else depts[a].pk,
            exclude_user_ids={users[u].pk for u in exclude},
        )
        assert swapped == got
        transaction.set_rollback(True)
