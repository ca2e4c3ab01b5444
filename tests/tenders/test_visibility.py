"""Property: ``visible_tenders`` / ``writable_tenders`` equal a slow reference written in plain
Python (walking the department parent links, not the closure table) over random owners,
customers, shares (user or group, read or write), heads and tender specialists."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pharmcrm.org.models import Department, DepartmentHead, ShareGroup, ShareGroupMember, User, UserRole
from pharmcrm.tenders import selectors
from pharmcrm.tenders.models import Tender, TenderShare
from tests.factories import make_customer
from tests.org.reference import load_world

pytestmark = pytest.mark.django_db

NAMES = ["admin", "ceo", "east_head", "sh_head", "pd_head", "rep_pd1", "rep_pd2", "rep_px", "south_head", "rep_gz",
         "finance"]


class _Rollback(Exception):
    pass


def _ref_heads_above(owner: User, user: User) -> bool:
    """Does ``user`` head the owner's department or one above it (parent links, in Python)?"""
    parents = dict(Department.objects.values_list("id", "parent_id"))
    heads = set(DepartmentHead.objects.filter(user=user).values_list("department_id", flat=True))
    d = owner.department_id
    while d is not None:
        if d in heads:
            return True
        d = parents[d]
    return False


def _reference(user: User, tender: Tender, world) -> tuple[bool, bool]:
    roles = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
    if not user.is_active:
        return False, False
    if "admin" in roles or user.is_superuser or "tender" in roles:
        return True, True
    groups = set(ShareGroupMember.objects.filter(user=user).values_list("group_id", flat=True))
    if tender.customer_id:
        sees = world.can_see(user.pk, tender.customer_id)
        writes = world.can_write(user.pk, tender.customer_id) or (
            sees and (tender.owner_id == user.pk or _ref_heads_above(tender.owner, user)))
        return sees, writes
    own = tender.owner_id == user.pk or _ref_heads_above(tender.owner, user)
    access = {s.access for s in TenderShare.objects.filter(tender=tender)
              if s.user_id == user.pk or s.group_id in groups}
    return own or bool(access), own or "write" in access


@hsettings(max_examples=40, deadline=None)
@given(data=st.data())
def test_visible_tenders_match_the_reference(org, tb, data):
    users = [getattr(org, n) for n in NAMES] + [tb.weilin]
    try:
        with transaction.atomic():
            group = ShareGroup.objects.create(name="招标协作组")
            for u in data.draw(st.lists(st.sampled_from(users), max_size=3, unique=True)):
                group.members.add(u)
            if data.draw(st.booleans()):
                UserRole.objects.get_or_create(user=org.rep_px, role="tender")
            customers = [make_customer(data.draw(st.sampled_from(users[1:10]))) for _ in range(2)]
            tenders = []
            for i in range(data.draw(st.integers(1, 5))):
                owner = data.draw(st.sampled_from(users[1:]))
                customer = data.draw(st.sampled_from([None, None, *customers]))
                t = Tender.objects.create(number=f"T{i}", name="项目", province="310000", owner=owner,
                                          customer=customer, created_by=owner)
                for _ in range(data.draw(st.integers(0, 2))):
                    to_group = data.draw(st.booleans())
                    TenderShare.objects.get_or_create(
                        tender=t, user=None if to_group else data.draw(st.sampled_from(users)),
                        group=group if to_group else None,
                        defaults={"access": data.draw(st.sampled_from(["read", "write"])), "created_by": owner})
                tenders.append(t)
            if data.draw(st.booleans()):
                User.objects.filter(pk=org.rep_pd1.pk).update(is_active=False)
            world = load_world()
            for user in User.objects.filter(pk__in=[u.pk for u in users]):
                visible = set(selectors.visible_tenders(user).values_list("id", flat=True))
                writable = set(selectors.writable_tenders(user).values_list("id", flat=True))
                ref = {t.pk: _reference(user, t, world) for t in tenders}
                assert visible == {k for k, (s, _w) in ref.items() if s}, user.username
                assert writable == {k for k, (_s, w) in ref.items() if w}, user.username
            raise _Rollback
    except _Rollback:
        pass
