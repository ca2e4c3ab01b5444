"""Stateful: a company changes through the services; the engine keeps equal to the reference.

Every rule goes through ``org.services`` / ``customers.services`` / ``customers.pool_services``
(the only writers; customers are released to, recycled into, claimed and assigned from the public
pool too) and, where a rule can be refused, the expected outcome (success, ApplicationError, NotFound, PermissionDenied)
is predicted from the reference *before* the call. After every step: every user's visible,
writable and manageable sets equal the reference in both query shapes, the closure table
equals the one recomputed from parent links, and every customer's ``owner_department`` is
its owner's department (a pool customer has neither, but a pool department).
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.cache import cache
from django.db import transaction
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers import pool_services as ps
from pharmcrm.customers import services as cs
from pharmcrm.customers.models import Customer, CustomerShare, PoolEvent
from pharmcrm.org import services as os_
from pharmcrm.org.models import Role, ShareGroup, User
from tests.factories import make_user
from tests.org.reference import assert_engine_matches, db_closure, load_world
from tests.org.test_visibility_properties import SHAPES, query_shape

_seq = itertools.count(1)
idx = st.integers(0, 10**6)
ROLE_SETS = st.sampled_from([
    [Role.SALES_REP], [Role.SALES_REP], [Role.SALES_REP, Role.FINANCE], [Role.WAREHOUSE], [], [Role.ADMIN],
    [Role.SALES_ADMIN],
])
SALES_OWNERS = {Role.SALES_REP}
PASSWORD = "Pharm-2024-x"


def pick(items: list, i: int):
    return items[i % len(items)]


def fresh(pk: int) -> User:
    return User.objects.get(pk=pk)


class Expect:
    """``with Expect(None | ExceptionClass): call()`` — the call must do exactly that."""

    def __init__(self, error):
        self.error = error

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.error is None:
            return False  # any exception propagates: unexpected
        assert exc_type is not None, f"expected {self.error.__name__}, the call succeeded"
        assert issubclass(exc_type, self.error), f"expected {self.error.__name__}, got {exc_type.__name__}: {exc}"
        return True


class Company(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cache.clear()
        self.tag = next(_seq)
        self.admin = make_user(f"sm{self.tag}-admin", roles=(Role.ADMIN,), password=PASSWORD)
        root = os_.department_create(actor=self.admin, name=f"总部{self.tag}")
        # in a department, so that what the administrator owns has a pool to be released to
        os_.user_update(actor=self.admin, user_id=self.admin.pk, department_id=root.pk)
        self.admin = fresh(self.admin.pk)
        self.depts: list[int] = [root.pk]
        self.users: list[int] = [self.admin.pk]
        self.groups: list[int] = []
        self.customers: list[int] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        cache.clear()

    def name(self, prefix: str) -> str:
        return f"{prefix}{self.tag}-{next(_seq)}"

    # --- departments -------------------------------------------------------------------------

    @precondition(lambda self: len(self.depts) < 12)
    @rule(parent=st.none() | idx)
    def create_department(self, parent):
        parent_id = None if parent is None or not self.depts else pick(self.depts, parent)
        d = os_.department_create(actor=self.admin, name=self.name("部门"), parent_id=parent_id)
        self.depts.append(d.pk)

    @precondition(lambda self: self.depts)
    @rule(d=idx, p=st.none() | idx)
    def move_department(self, d, p):
        dept = pick(self.depts, d)
        parent = None if p is None else pick(self.depts, p)
        cycle = parent is not None and parent in load_world().subtree(dept)
        with Expect(ApplicationError if cycle else None):
            os_.department_update(actor=self.admin, department_id=dept, parent_id=parent)

    @precondition(lambda self: self.depts)
    @rule(d=idx)
    def delete_department(self, d):
        dept = pick(self.depts, d)
        w = load_world()
        busy = (
            any(p == dept for p in w.parents.values())
            or any(u.department_id == dept for u in w.users.values())
            or any(c.owner_department_id == dept for c in w.customers.values())
            or any(c.pool_department_id == dept for c in w.customers.values())
        )
        with Expect(ApplicationError if busy else None):
            os_.department_delete(actor=self.admin, department_id=dept)
        if not busy:
            self.depts.remove(dept)

    @precondition(lambda self: self.depts)
    @rule(d=idx, heads=st.lists(idx, max_size=2))
    def set_heads(self, d, heads):
        dept = pick(self.depts, d)
        ids = {pick(self.users, h) for h in heads}
        w = load_world()
        bad = any(not w.users[u].is_active for u in ids)
        with Expect(ApplicationError if bad else None):
            os_.department_set_heads(actor=self.admin, department_id=dept, user_ids=ids)

    # --- users -------------------------------------------------------------------------------

    @precondition(lambda self: len(self.users) < 10)
    @rule(d=st.none() | idx, roles=ROLE_SETS)
    def create_user(self, d, roles):
        dept = None if d is None or not self.depts else pick(self.depts, d)
        u = os_.user_create(actor=self.admin, username=self.name("u"), full_name=self.name("用户"),
                            password=PASSWORD, department_id=dept, roles=roles)
        self.users.append(u.pk)

    @precondition(lambda self: len(self.users) > 1)
    @rule(u=idx, d=st.none() | idx)
    def move_user(self, u, d):
        user = pick(self.users[1:], u)
        dept = None if d is None or not self.depts else pick(self.depts, d)
        os_.user_update(actor=self.admin, user_id=user, department_id=dept)

    @precondition(lambda self: len(self.users) > 1)
    @rule(u=idx, roles=ROLE_SETS)
    def set_roles(self, u, roles):
        os_.user_update(actor=self.admin, user_id=pick(self.users[1:], u), roles=roles)

    @precondition(lambda self: len(self.users) > 1)
    @rule(u=idx, successor=st.none() | idx)
    def deactivate_user(self, u, successor):
        user = pick(self.users[1:], u)
        succ = None if successor is None else pick(self.users, successor)
        w = load_world()
        owns = any(c.owner_id == user for c in w.customers.values())
        refused = w.users[user].is_active and owns and (
            succ is None or succ == user or not w.users[succ].is_active)
        with Expect(ApplicationError if refused else None):
            os_.user_deactivate(actor=self.admin, user_id=user, successor_id=succ)
        if not refused and w.users[user].is_active:
            assert not Customer.objects.filter(owner_id=user).exists()
            assert not fresh(user).is_active

    @precondition(lambda self: len(self.users) > 1)
    @rule(u=idx)
    def reactivate_user(self, u):
        os_.user_reactivate(actor=self.admin, user_id=pick(self.users[1:], u))

    # --- share groups ------------------------------------------------------------------------

    @precondition(lambda self: len(self.groups) < 3)
    @rule(members=st.lists(idx, max_size=3))
    def create_group(self, members):
        g = os_.share_group_save(actor=self.admin, name=self.name("组"),
                                 member_ids={pick(self.users, m) for m in members})
        self.groups.append(g.pk)

    @precondition(lambda self: self.groups)
    @rule(g=idx, members=st.lists(idx, max_size=4))
    def set_group_members(self, g, members):
        group = ShareGroup.objects.get(pk=pick(self.groups, g))
        os_.share_group_save(actor=self.admin, group_id=group.pk, name=group.name,
                             member_ids={pick(self.users, m) for m in members})

    # --- customers ---------------------------------------------------------------------------

    @precondition(lambda self: len(self.customers) < 16)
    @rule(owner=idx)
    def create_customer(self, owner):
        owner_id = pick(self.users, owner)
        active = load_world().users[owner_id].is_active
        with Expect(None if active else ApplicationError):
            c = cs.customer_create(actor=self.admin, data={"type": "agent", "name": self.name("客户")},
                                   owner_id=owner_id)
            self.customers.append(c.pk)

    @precondition(lambda self: self.customers)
    @rule(c=idx, actor=idx)
    def delete_customer(self, c, actor):
        cid, uid = pick(self.customers, c), pick(self.users, actor)
        w = load_world()
        if not w.can_see(uid, cid):
            expected = NotFound
        elif not w.can_manage(uid, cid):
            expected = PermissionDenied
        else:
            expected = None
        with Expect(expected):
            cs.customer_delete(actor=fresh(uid), customer_id=cid)

    @precondition(lambda self: self.customers)
    @rule(c=idx, actor=idx)
    def restore_customer(self, c, actor):
        cid, uid = pick(self.customers, c), pick(self.users, actor)
        w = load_world()
        if not w.customers[cid].deleted or not w.can_see(uid, cid, include_deleted=True):
            expected = NotFound
        elif not w.can_manage(uid, cid, include_deleted=True):
            expected = PermissionDenied
        else:
            expected = None
        with Expect(expected):
            cs.customer_restore(actor=fresh(uid), customer_id=cid)

    @precondition(lambda self: self.customers)
    @rule(c=idx, actor=idx, who=idx, to_group=st.booleans(), access=st.sampled_from(["read", "write"]))
    def share(self, c, actor, who, to_group, access):
        cid, uid = pick(self.customers, c), pick(self.users, actor)
        w = load_world()
        kw = {}
        if to_group and self.groups:
            kw["group_id"] = pick(self.groups, who)
        else:
            kw["user_id"] = pick(self.users, who)
        if not w.can_see(uid, cid):
            expected = NotFound
        elif not w.can_manage(uid, cid):
            expected = PermissionDenied
        elif w.customers[cid].in_pool:
            expected = ApplicationError  # pool customers are not shared
        elif "user_id" in kw and (not w.users[kw["user_id"]].is_active
                                  or kw["user_id"] == w.customers[cid].owner_id):
            expected = ApplicationError
        else:
            expected = None
        with Expect(expected):
            cs.share_create(actor=fresh(uid), customer_id=cid, access=access, **kw)

    @precondition(lambda self: self.customers)
    @rule(s=idx, actor=idx)
    def unshare(self, s, actor):
        shares = list(CustomerShare.objects.filter(customer_id__in=self.customers).order_by("pk").values_list(
            "pk", "customer_id"))
        if not shares:
            return
        sid, cid = pick(shares, s)
        uid = pick(self.users, actor)
        w = load_world()
        if not w.can_see(uid, cid):
            expected = NotFound
        elif not w.can_manage(uid, cid):
            expected = PermissionDenied
        else:
            expected = None
        with Expect(expected):
            cs.share_delete(actor=fresh(uid), customer_id=cid, share_id=sid)

    @precondition(lambda self: self.customers)
    @rule(picks=st.lists(idx, min_size=1, max_size=4), to=idx, keep=st.booleans(), actor=st.none() | idx)
    def transfer(self, picks, to, keep, actor):
        """A transfer by the admin (actor None) or by anybody (predicted from the reference)."""
        ids = sorted({pick(self.customers, p) for p in picks})
        to_id = pick(self.users, to)
        uid = self.admin.pk if actor is None else pick(self.users, actor)
        w = load_world()
        u = w.users[uid]
        if not u.is_active:
            expected = (ApplicationError, NotFound, PermissionDenied)
        elif not (w.is_admin(uid) or u.heads):
            expected = PermissionDenied
        elif not w.users[to_id].is_active or to_id not in w.users_in_scope(uid):
            expected = ApplicationError
        elif any(w.customers[c].deleted or w.customers[c].in_pool or not (
                w.is_admin(uid) or w.head_above(uid, c)) for c in ids):
            expected = NotFound
        else:
            expected = None
        before = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
        with Expect(expected if not isinstance(expected, tuple) else Exception):
            cs.customer_transfer(actor=fresh(uid), keep_shares=keep,
                                 assignments=[cs.TransferAssignment(ids, to_id)])
        after = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
        assert after == ({c: to_id for c in ids} if expected is None else before)
        if expected is None:
            assert not CustomerShare.objects.filter(customer_id__in=ids, user_id=to_id).exists()

    @precondition(lambda self: len(self.users) > 1)
    @rule(frm=idx, to=idx)
    def transfer_all(self, frm, to):
        from_id, to_id = pick(self.users, frm), pick(self.users, to)
        w = load_world()
        owned = {c.id for c in w.customers.values() if c.owner_id == from_id}
        if from_id == to_id:
            expected = ApplicationError
        elif not owned:
            expected = None
        elif not w.users[to_id].is_active:
            expected = ApplicationError
        else:
            expected = None
        with Expect(expected):
            cs.customer_transfer_all(actor=self.admin, from_user_id=from_id, to_user_id=to_id)
        if expected is None:
            assert set(Customer.objects.filter(pk__in=owned).values_list("owner_id", flat=True)) <= {to_id}

    # --- the public pool ---------------------------------------------------------------------

    def _may_claim(self, w, uid) -> bool:
        u = w.users[uid]
        return u.is_active and bool(u.heads or u.roles & SALES_OWNERS)

    def _pick_customer(self, c: int, in_pool: bool) -> int:
        """Mostly a customer of the kind asked for (in the pool or owned), when there is one."""
        pool = set(Customer.objects.filter(pk__in=self.customers, owner__isnull=True).values_list("pk", flat=True))
        wanted = [x for x in self.customers if (x in pool) == in_pool]
        return pick(wanted or self.customers, c)

    @precondition(lambda self: self.customers)
    @rule(c=idx, actor=st.none() | idx)
    def release(self, c, actor):
        """By the owner (actor None) or by anybody."""
        cid = self._pick_customer(c, in_pool=False)
        cust = load_world().customers[cid]
        self._release(cid, (cust.owner_id or self.admin.pk) if actor is None else pick(self.users, actor))

    def _release(self, cid: int, uid: int):
        w = load_world()
        cust = w.customers[cid]
        if not w.can_see(uid, cid):
            expected = NotFound
        elif cust.in_pool:
            expected = ApplicationError
        elif not w.can_manage(uid, cid):
            expected = PermissionDenied
        elif cust.owner_department_id is None and w.users[uid].department_id is None:
            expected = ApplicationError  # no pool to go to
        else:
            expected = None
        with Expect(expected):
            ps.customer_release(actor=fresh(uid), customer_id=cid, reason="测试释放")
        after = Customer.objects.get(pk=cid)
        if expected is None:
            assert after.owner_id is None and after.owner_department_id is None
            assert after.pool_department_id == (cust.owner_department_id or w.users[uid].department_id)
            assert not CustomerShare.objects.filter(customer_id=cid).exists()
        else:
            assert (after.owner_id, after.pool_department_id) == (cust.owner_id, cust.pool_department_id)

    @precondition(lambda self: self.customers)
    @rule(c=idx, actor=idx, likely=st.booleans())
    def claim(self, c, actor, likely):
        """By anybody, or (``likely``) by somebody who sees the customer and may claim, if there is one."""
        cid = self._pick_customer(c, in_pool=True)
        w = load_world()
        able = [u for u in self.users if w.can_see(u, cid) and self._may_claim(w, u)]
        self._claim(cid, pick(able, actor) if likely and able else pick(self.users, actor))

    def _claim(self, cid: int, uid: int):
        w = load_world()
        cust = w.customers[cid]
        last = ps.last_release(cid)
        claimed_today = ps.claims_today(fresh(uid))
        if not w.can_see(uid, cid):
            expected = NotFound
        elif not cust.in_pool:
            expected = ApplicationError
        elif not self._may_claim(w, uid):
            expected = PermissionDenied
        elif last is not None and last.from_user_id == uid:
            expected = ApplicationError  # the previous owner: no reclaim for 30 days
        elif claimed_today >= 5:
            expected = ApplicationError  # the daily limit
        else:
            expected = None
        with Expect(expected):
            ps.customer_claim(actor=fresh(uid), customer_id=cid)
        after = Customer.objects.get(pk=cid)
        if expected is None:
            assert (after.owner_id, after.owner_department_id, after.pool_department_id) == (
                uid, w.users[uid].department_id, None)
        else:
            assert (after.owner_id, after.pool_department_id) == (cust.owner_id, cust.pool_department_id)

    @precondition(lambda self: self.customers)
    @rule(c=idx, who=idx)
    def release_then_claim(self, c, who):
        """An owner releases a customer and somebody who sees it in the pool claims it at once."""
        cid = self._pick_customer(c, in_pool=False)
        owner = load_world().customers[cid].owner_id
        self._release(cid, owner or self.admin.pk)
        w = load_world()
        able = [u for u in self.users if w.can_see(u, cid) and self._may_claim(w, u) and u != owner]
        if able:
            self._claim(cid, pick(able, who))

    @precondition(lambda self: self.customers)
    @rule(c=idx, actor=st.none() | idx, to=idx)
    def assign(self, c, actor, to):
        """By the administrator (actor None) or by anybody."""
        cid = self._pick_customer(c, in_pool=True)
        uid = self.admin.pk if actor is None else pick(self.users, actor)
        w = load_world()
        able = [u for u in self.users if self._may_claim(w, u)]
        to_id = pick(able or self.users, to)
        cust = w.customers[cid]
        if not w.can_see(uid, cid):
            expected = NotFound
        elif not cust.in_pool:
            expected = ApplicationError
        elif not w.can_manage(uid, cid):
            expected = PermissionDenied
        elif to_id not in w.users_in_scope(uid) or not self._may_claim(w, to_id):
            expected = ApplicationError
        else:
            expected = None
        with Expect(expected):
            ps.customer_assign_from_pool(actor=fresh(uid), customer_id=cid, user_id=to_id)
        if expected is None:
            assert Customer.objects.get(pk=cid).owner_id == to_id

    @precondition(lambda self: self.customers)
    @rule(picks=st.lists(idx, min_size=1, max_size=3))
    def recycle(self, picks):
        """Time passes for some customers (their clocks go back 40 days); the daily job runs."""
        ids = sorted({pick(self.customers, p) for p in picks})
        old = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        Customer.objects.filter(pk__in=ids).update(created_at=old, owned_since=old)
        w = load_world()
        due = {c for c in ids if not w.customers[c].in_pool and not w.customers[c].deleted}
        ps.pool_recycle()
        after = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
        for cid in due:
            expect_pool = w.customers[cid].owner_department_id is not None
            assert (after[cid] is None) == expect_pool, (cid, w.customers[cid])
        assert not ps.pool_recycle().recycled  # idempotent

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def engine_equals_reference(self):
        world = load_world()
        for large_volume in SHAPES.values():
            with query_shape(large_volume):
                assert_engine_matches(world)

    @invariant()
    def closure_equals_parent_links(self):
        assert db_closure() == load_world().closure()

    @invariant()
    def owner_department_follows_owner(self):
        w = load_world()
        for c in w.customers.values():
            if c.in_pool:
                assert c.owner_department_id is None and c.pool_department_id is not None, c
            else:
                assert c.owner_department_id == w.users[c.owner_id].department_id, c
                assert c.pool_department_id is None, c

    @invariant()
    def pool_history_is_consistent(self):
        """Every customer in the pool got there by a release or a recycling, the latest pool event."""
        for cid, pool_dept in Customer.objects.filter(pk__in=self.customers, owner__isnull=True).values_list(
                "pk", "pool_department_id"):
            last = PoolEvent.objects.filter(customer_id=cid).exclude(kind=PoolEvent.Kind.WARNING).first()
            assert last is not None and last.kind in (PoolEvent.Kind.RELEASE, PoolEvent.Kind.AUTO_RECYCLE), cid
            assert last.department_id == pool_dept


@pytest.mark.django_db
def test_company_state_machine(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    run_state_machine_as_test(
        Company,
        settings=hsettings(hsettings.default, max_examples=max(20, hsettings.default.max_examples // 8),
                           stateful_step_count=30),
    )
