"""Property: contacts follow their customers — the engine equals the independent reference.

The foundation's random worlds (tests/org/test_visibility_properties.py: trees, users, roles,
heads, share groups, customers, shares) get random contacts with current and former
employments at random customers (some contacts deleted). For every user, in every query shape
(the customers' two, times the contacts' EXISTS / IN), the visible contacts, the employments
shown on each contact and the edit/delete rights equal ``tests/contacts/reference.py``.
The stateful scenario below moves a contact and checks that visibility follows.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.contacts import selectors, services
from pharmcrm.contacts.models import Contact, Employment
from pharmcrm.org.models import User
from tests.contacts.conftest import new_contact
from tests.contacts.reference import load_contact_world
from tests.org.reference import load_world
from tests.org.test_visibility_properties import SHAPES, build, query_shape, worlds

CONTACT_SHAPES = ("exists", "in")


@contextmanager
def contact_shape(shape: str):
    old = selectors.FORCE_SHAPE
    selectors.FORCE_SHAPE = shape
    try:
        yield
    finally:
        selectors.FORCE_SHAPE = old


@st.composite
def worlds_with_contacts(draw):
    spec = draw(worlds())
    n_customers = len(spec["customers"])
    contacts = []
    if n_customers:
        job = st.tuples(st.integers(0, n_customers - 1), st.booleans())  # (customer, current?)
        contacts = draw(st.lists(
            st.tuples(st.lists(job, min_size=1, max_size=3), st.integers(0, 4).map(lambda n: n == 0)),
            max_size=8))
    return spec, contacts


def build_contacts(contacts, customer_ids: list[int]) -> list[int]:
    today = timezone.localdate()
    made = Contact.objects.bulk_create([
        Contact(name=f"联系人{i}", deleted_at=timezone.now() if deleted else None)
        for i, (_jobs, deleted) in enumerate(contacts)
    ])
    Employment.objects.bulk_create([
        Employment(contact=c, customer_id=customer_ids[cust], role="other", role_other="x",
                   start_date=today - datetime.timedelta(days=100 + 10 * j),
                   end_date=None if current else today - datetime.timedelta(days=1 + j))
        for c, (jobs, _deleted) in zip(made, contacts, strict=True)
        for j, (cust, current) in enumerate(jobs)
    ])
    return [c.pk for c in made]


@pytest.mark.django_db
@given(data=worlds_with_contacts())
def test_contacts_follow_their_customers(data):
    spec, contacts = data
    with transaction.atomic():
        ids = build(spec)
        contact_ids = build_contacts(contacts, ids["customers"])
        ref = load_contact_world(load_world())
        users = User.objects.in_bulk(ids["users"])
        for large_volume in SHAPES.values():
            for shape in CONTACT_SHAPES:
                with query_shape(large_volume), contact_shape(shape):
                    for uid in ids["users"]:
                        user = User.objects.get(pk=uid)  # fresh: roles and heads are cached per instance
                        expected = ref.visible_contacts(uid)
                        assert set(selectors.visible_contacts(user).values_list("id", flat=True)) == expected, (
                            shape, large_volume, uid)
        for uid in ids["users"]:  # the list and its prefetched employments (default shapes)
            listed = {c.pk: c for c in selectors.contact_list(actor=User.objects.get(pk=uid))}
            assert set(listed) == ref.visible_contacts(uid)
            for cid, c in listed.items():
                assert {e.pk for e in c.seen_employments} == ref.visible_employments(uid, cid)
        for uid in ids["users"]:
            for cid in contact_ids:
                if cid in ref.visible_contacts(uid):
                    contact = Contact.objects.get(pk=cid)
                    perms = selectors.contact_permissions(actor=users[uid], contact=contact)
                    assert perms["edit"] == ref.can_edit(uid, cid), (uid, cid)
                    assert perms["delete"] == ref.can_delete(uid, cid), (uid, cid)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_two_contact_shapes_really_differ(org, book):
    sqls = {}
    for shape in CONTACT_SHAPES:
        with contact_shape(shape):
            sqls[shape] = str(selectors.visible_contacts(org.rep_pd1).query).upper()
    assert "EXISTS" in sqls["exists"] and "EXISTS" not in sqls["in"]


@pytest.mark.django_db
@pytest.mark.parametrize("shape", CONTACT_SHAPES)
def test_a_move_keeps_history_and_visibility_follows(org, book, shape):
    """王建华 moves from 张伟's hospital to 李娜's distributor, later to 刘洋's in 广州: each owner
    keeps seeing them (former or current), sees only their own employment, and heads see all
    the employments below them."""
    with contact_shape(shape):
        c = new_contact(org.rep_pd1, book.pd1, employment={"start_date": datetime.date(2020, 1, 1)})

        def seen_by(user) -> bool:
            return selectors.visible_contacts(User.objects.get(pk=user.pk)).filter(pk=c.pk).exists()

        def jobs(user) -> list[tuple[int, bool]]:
            return [(e.customer_id, e.end_date is None)
                    for e in selectors.contact_employments(actor=User.objects.get(pk=user.pk), contact=c)]

        assert [seen_by(u) for u in (org.rep_pd1, org.rep_pd2, org.rep_gz, org.pd_head)] == [True, False, False, True]
        services.contact_move(actor=org.pd_head, contact_id=c.pk, from_employment_id=c.employments.get().pk,
                              to_customer_id=book.pd2.pk, date=datetime.date(2023, 5, 1),
                              data={"role": "purchasing", "title": "采购经理"})
        assert seen_by(org.rep_pd1) and seen_by(org.rep_pd2) and not seen_by(org.rep_gz)
        assert jobs(org.rep_pd1) == [(book.pd1.pk, False)]        # a former contact for 张伟
        assert jobs(org.rep_pd2) == [(book.pd2.pk, True)]         # a current one for 李娜
        assert jobs(org.pd_head) == [(book.pd2.pk, True), (book.pd1.pk, False)]
        # the next move crosses regions: only the CEO (and admins) see all three
        current = Employment.objects.get(contact=c, end_date__isnull=True)
        services.contact_move(actor=org.ceo, contact_id=c.pk, from_employment_id=current.pk,
                              to_customer_id=book.gz.pk, date=datetime.date(2025, 1, 1),
                              data={"role": "general_manager"})
        assert [seen_by(u) for u in (org.rep_pd1, org.rep_pd2, org.rep_gz, org.south_head, org.rep_px)] == [
            True, True, True, True, False]
        assert jobs(org.rep_gz) == [(book.gz.pk, True)]
        assert jobs(org.rep_pd2) == [(book.pd2.pk, False)]
        assert len(jobs(org.ceo)) == 3 and len(jobs(org.admin)) == 3
        assert selectors.customer_contacts(actor=org.rep_pd1, customer_id=book.pd1.pk)[1][0].contact_id == c.pk
        assert selectors.customer_contacts(actor=org.rep_pd2, customer_id=book.pd2.pk)[1][0].contact_id == c.pk
        assert selectors.customer_contacts(actor=org.rep_gz, customer_id=book.gz.pk)[0][0].contact_id == c.pk
        # the history: three employments, none lost
        assert Employment.objects.filter(contact=c).count() == 3
        # 张伟 may no longer change the person (they left his customer), 刘洋 may
        perms = selectors.contact_permissions
        assert not perms(actor=org.rep_pd1, contact=c)["edit"] and perms(actor=org.rep_gz, contact=c)["edit"]
