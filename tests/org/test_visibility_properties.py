"""Property: the permission engine equals the independent reference (tests/org/reference.py).

Random trees, users (roles incl. admin, active flag, 0-2 headed departments), share groups,
customers (some deleted, some in the public pool of a department) and shares (user or group,
read or write). For every user the
visible / writable / manageable sets must equal the reference, and can_see / can_write /
can_manage agree — in *both* query shapes of ``org/visibility.py`` (the switch on
``LARGE_VOLUME``), on whatever database the suite runs on.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pharmcrm.customers.models import Customer, CustomerShare
from pharmcrm.org import visibility
from pharmcrm.org.models import (
    Department,
    DepartmentClosure,
    DepartmentHead,
    Role,
    ShareGroup,
    ShareGroupMember,
    User,
    UserRole,
)
from tests.org.reference import assert_engine_matches, load_world

MAX_DEPTH = 6  # levels, the root being level 1
SHAPES = {"drive_from_ids": 10**9, "filter": -1}
_names = itertools.count(1)


@contextmanager
def query_shape(large_volume: int):
    """Force a query shape: every head's estimate is > -1 ("filter"), none is > 1e9 ("ids")."""
    old = visibility.LARGE_VOLUME
    visibility.LARGE_VOLUME = large_volume
    cache.clear()
    try:
        yield
    finally:
        visibility.LARGE_VOLUME = old
        cache.clear()


@st.composite
def worlds(draw):
    n_depts = draw(st.integers(1, 15))
    parents: list[int | None] = []
    levels: list[int] = []
    for i in range(n_depts):
        allowed = [j for j in range(i) if levels[j] < MAX_DEPTH]
        # mostly attach below an existing department (preferring recent, deeper ones): deep trees
        root = not allowed or draw(st.integers(0, 7)) == 0
        p = None if root else draw(st.sampled_from(allowed[-3:]) | st.sampled_from(allowed))
        parents.append(p)
        levels.append(1 if p is None else levels[p] + 1)
    dept = st.integers(0, n_depts - 1)
    n_users = draw(st.integers(1, 8))
    users = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "dept": st.integers(-1, n_depts - 1).map(lambda i: None if i < 0 else i),
                    "roles": st.sets(st.sampled_from([Role.SALES_REP, Role.SALES_ADMIN, Role.FINANCE,
                                                      Role.WAREHOUSE]), max_size=2)
                    | st.just({Role.ADMIN}) | st.just({Role.ADMIN, Role.FINANCE}),
                    "active": st.integers(0, 4).map(lambda n: n != 0),
                    "superuser": st.integers(0, 9).map(lambda n: n == 0),
                    "heads": st.integers(0, 2).flatmap(lambda n: st.sets(dept, min_size=min(n, n_depts),
                                                                          max_size=min(n, n_depts))),
                }
            ),
            min_size=n_users,
            max_size=n_users,
        )
    )
    user = st.integers(0, n_users - 1)
    groups = draw(st.lists(st.sets(user, max_size=n_users), max_size=3))
    n_customers = draw(st.integers(0, 14))
    deleted = st.integers(0, 4).map(lambda n: n == 0)
    # an owner index, or None and a pool department (about one customer in four is in the pool)
    owner_or_pool = st.one_of(user.map(lambda u: (u, None)), user.map(lambda u: (u, None)),
                              user.map(lambda u: (u, None)), dept.map(lambda d: (None, d)))
    customers = draw(st.lists(st.tuples(owner_or_pool, deleted), min_size=n_customers, max_size=n_customers))
    shares = []
    if customers:
        target = st.tuples(st.just("user"), user) | (
            st.tuples(st.just("group"), st.integers(0, len(groups) - 1)) if groups else st.nothing()
        )
        raw = draw(
            st.lists(
                st.tuples(st.integers(0, len(customers) - 1), target, st.sampled_from(["read", "write"])),
                max_size=12,
                unique_by=lambda s: (s[0], s[1]),
            )
        )
        shares = raw
    pairs = []
    if customers:
        pairs = draw(st.lists(st.tuples(user, st.integers(0, len(customers) - 1)), max_size=12, unique=True))
    return {"parents": parents, "users": users, "groups": groups, "customers": customers, "shares": shares,
            "pairs": pairs}


def build(spec) -> dict[str, list[int]]:
    """Write the world with bulk inserts; return the ids by index."""
    tag = next(_names)
    depts = Department.objects.bulk_create(
        [Department(name=f"D{tag}-{i}") for i in range(len(spec["parents"]))]
    )
    for d, p in zip(depts, spec["parents"], strict=True):
        d.parent_id = None if p is None else depts[p].pk
    Department.objects.bulk_update(depts, ["parent"])
    # closure rows from the parent links (the engine reads them; services are tested elsewhere)
    rows = []
    for i, d in enumerate(depts):
        j, depth = i, 0
        while j is not None:
            rows.append(DepartmentClosure(ancestor_id=depts[j].pk, descendant_id=d.pk, depth=depth))
            j, depth = spec["parents"][j], depth + 1
    DepartmentClosure.objects.bulk_create(rows)

    users = User.objects.bulk_create(
        [
            User(username=f"u{tag}-{i}", full_name=f"用户{i}", password="!",
                 department_id=None if u["dept"] is None else depts[u["dept"]].pk,
                 is_active=u["active"], is_superuser=u["superuser"])
            for i, u in enumerate(spec["users"])
        ]
    )
    UserRole.objects.bulk_create(
        [UserRole(user_id=users[i].pk, role=r) for i, u in enumerate(spec["users"]) for r in u["roles"]]
    )
    DepartmentHead.objects.bulk_create(
        [DepartmentHead(user_id=users[i].pk, department_id=depts[d].pk)
         for i, u in enumerate(spec["users"]) for d in u["heads"]]
    )
    groups = ShareGroup.objects.bulk_create([ShareGroup(name=f"G{tag}-{i}") for i in range(len(spec["groups"]))])
    ShareGroupMember.objects.bulk_create(
        [ShareGroupMember(group_id=groups[g].pk, user_id=users[m].pk)
         for g, members in enumerate(spec["groups"]) for m in members]
    )
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        [
            Customer(type="agent", name=f"客户{tag}-{i}", deleted_at=now if deleted else None,
                     owner_id=None if o is None else users[o].pk,
                     owner_department_id=None if o is None else users[o].department_id,
                     pool_department_id=None if p is None else depts[p].pk)
            for i, ((o, p), deleted) in enumerate(spec["customers"])
        ]
    )
    # (services never share a pool customer; the engine must still count such shares exactly)
    CustomerShare.objects.bulk_create(
        [
            CustomerShare(customer_id=customers[c].pk, access=access,
                          created_by_id=customers[c].owner_id or users[0].pk,
                          user_id=users[t].pk if kind == "user" else None,
                          group_id=groups[t].pk if kind == "group" else None)
            for c, (kind, t), access in spec["shares"]
        ]
    )
    return {"users": [u.pk for u in users], "customers": [c.pk for c in customers]}


@pytest.mark.django_db
@hsettings(max_examples=max(200, hsettings.default.max_examples))
@given(spec=worlds())
def test_engine_equals_reference(spec):
    with transaction.atomic():
        ids = build(spec)
        world = load_world()
        pairs = [(ids["users"][u], ids["customers"][c]) for u, c in spec["pairs"]]
        for large_volume in SHAPES.values():
            with query_shape(large_volume):
                assert_engine_matches(world, check_pairs=pairs)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_shapes_really_differ():
    """Guard for the property above: the two LARGE_VOLUME settings select different SQL."""
    from tests.factories import make_customer, make_department, make_user

    d = make_department()
    head = make_user(department=d, heads=(d,))
    make_customer(make_user(department=d))
    sqls = {}
    for name, large_volume in SHAPES.items():
        with query_shape(large_volume):
            sqls[name] = str(visibility.visible_customers(User.objects.get(pk=head.pk)).query).upper()
    assert "UNION" in sqls["drive_from_ids"]
    assert "UNION" not in sqls["filter"]


@pytest.mark.django_db
def test_cached_volume_estimate_never_changes_the_answer():
    """A stale estimate (cached 5 minutes) may pick the other shape, never another set."""
    from tests.factories import make_customer, make_department, make_user

    d = make_department()
    head = make_user(department=d, heads=(d,))
    rep = make_user(department=d)
    visibility.visible_customers(head).count()  # caches the estimate "0"
    old = visibility.LARGE_VOLUME
    visibility.LARGE_VOLUME = 2
    try:
        made = {make_customer(rep).pk for _ in range(4)}
        fresh = User.objects.get(pk=head.pk)
        assert set(visibility.visible_customers(fresh).values_list("id", flat=True)) == made
        cache.clear()
        assert set(visibility.visible_customers(fresh).values_list("id", flat=True)) == made
    finally:
        visibility.LARGE_VOLUME = old
