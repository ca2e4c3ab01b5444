"""An independent, slow reference for the permission rule of DOMAIN.md "Ownership, visibility, sharing".

It reads the raw tables into plain dicts and answers questions by walking the department
*parent links* in Python. It deliberately shares no code with ``pharmcrm.org.visibility``:
it never reads the closure table, never calls ``User.is_admin`` / ``headed_department_ids``
and builds no querysets beyond ``.values_list`` of whole tables.

The rules (see the docstring of ``org/visibility.py``):

* inactive users see, write and manage nothing;
* active administrators (role ``admin`` or ``is_superuser``) see, write and manage every
  non-deleted customer;
* the owner sees, writes and manages;
* a head of department D sees, writes and manages every customer whose ``owner_department``
  is D or any descendant of D at any depth;
* a share to the user, or to a share group the user belongs to, grants read (``read``) or
  read and write (``write``); shares never grant *manage*;
* a pool customer (no owner; pool department P) is read by a user with a sales role
  (``sales_rep``, ``sales_admin``) or who heads any department, when P is the user's own
  department or above it; a head of P or of any department above P sees, writes and manages it;
* pool customers are never transferable (they are assigned);
* deleted customers are in none of the default sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ADMIN_ROLE = "admin"
POOL_ROLES = {"sales_rep", "sales_admin"}


@dataclass
class RefUser:
    id: int
    department_id: int | None
    is_active: bool
    is_superuser: bool
    roles: set[str] = field(default_factory=set)
    heads: set[int] = field(default_factory=set)
    groups: set[int] = field(default_factory=set)


@dataclass
class RefCustomer:
    id: int
    owner_id: int | None
    owner_department_id: int | None
    deleted: bool
    pool_department_id: int | None = None

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


@dataclass
class World:
    parents: dict[int, int | None]
    users: dict[int, RefUser]
    customers: dict[int, RefCustomer]
    # (customer_id, user_id, group_id, access)
    shares: list[tuple[int, int | None, int | None, str]]

    # --- the tree, from parent links only -----------------------------------------------------

    def ancestors_or_self(self, dept_id: int | None) -> list[int]:
        """``dept_id`` then its parent, grandparent, ... up to the root (cycle-safe)."""
        chain: list[int] = []
        seen: set[int] = set()
        while dept_id is not None and dept_id not in seen:
            seen.add(dept_id)
            chain.append(dept_id)
            dept_id = self.parents.get(dept_id)
        return chain

    def closure(self) -> set[tuple[int, int, int]]:
        """Every (ancestor, descendant, depth) including (d, d, 0), recomputed from parent links."""
        rows = set()
        for d in self.parents:
            for depth, a in enumerate(self.ancestors_or_self(d)):
                rows.add((a, d, depth))
        return rows

    # --- the rule -------------------------------------------------------------------------------

    def is_admin(self, user_id: int) -> bool:
        u = self.users[user_id]
        return u.is_active and (u.is_superuser or ADMIN_ROLE in u.roles)

    def head_above(self, user_id: int, customer_id: int) -> bool:
        """A head of the owner's department or above (for a pool customer: of the pool's)."""
        u, c = self.users[user_id], self.customers[customer_id]
        dept = c.pool_department_id if c.in_pool else c.owner_department_id
        if dept is None or not u.heads:
            return False
        return any(d in u.heads for d in self.ancestors_or_self(dept))

    def reads_pool_of(self, user_id: int, customer_id: int) -> bool:
        """A sales user (or any head) whose own department is the pool's department or below it."""
        u, c = self.users[user_id], self.customers[customer_id]
        if not c.in_pool or u.department_id is None or not (u.heads or u.roles & POOL_ROLES):
            return False
        return c.pool_department_id in self.ancestors_or_self(u.department_id)

    def share_access(self, user_id: int, customer_id: int) -> set[str]:
        u = self.users[user_id]
        return {
            access
            for cid, uid, gid, access in self.shares
            if cid == customer_id and ((uid is not None and uid == user_id) or (gid is not None and gid in u.groups))
        }

    def _base(self, user_id: int, customer_id: int, *, include_deleted: bool) -> bool | None:
        """True/False when decided by activity, deletion or admin; None to look further."""
        u, c = self.users[user_id], self.customers[customer_id]
        if not u.is_active:
            return False
        if c.deleted and not include_deleted:
            return False
        if self.is_admin(user_id):
            return True
        if (c.owner_id is not None and c.owner_id == user_id) or self.head_above(user_id, customer_id):
            return True
        return None

    def can_see(self, user_id: int, customer_id: int, *, include_deleted: bool = False) -> bool:
        base = self._base(user_id, customer_id, include_deleted=include_deleted)
        if base is not None:
            return base
        return bool(self.share_access(user_id, customer_id)) or self.reads_pool_of(user_id, customer_id)

    def can_write(self, user_id: int, customer_id: int, *, include_deleted: bool = False) -> bool:
        base = self._base(user_id, customer_id, include_deleted=include_deleted)
        if base is not None:
            return base
        return "write" in self.share_access(user_id, customer_id)

    def can_manage(self, user_id: int, customer_id: int, *, include_deleted: bool = False) -> bool:
        base = self._base(user_id, customer_id, include_deleted=include_deleted)
        return bool(base)

    def visible(self, user_id: int, *, include_deleted: bool = False) -> set[int]:
        return {c for c in self.customers if self.can_see(user_id, c, include_deleted=include_deleted)}

    def pool(self) -> set[int]:
        return {c.id for c in self.customers.values() if c.in_pool}

    def transferable(self, user_id: int) -> set[int]:
        """Owned, alive customers: all for an admin, those owned below a headed department for a head."""
        u = self.users[user_id]
        if not u.is_active:
            return set()
        return {
            c.id for c in self.customers.values()
            if not c.in_pool and not c.deleted and (self.is_admin(user_id) or self.head_above(user_id, c.id))
        }

    def writable(self, user_id: int, *, include_deleted: bool = False) -> set[int]:
        return {c for c in self.customers if self.can_write(user_id, c, include_deleted=include_deleted)}

    def manageable(self, user_id: int, *, include_deleted: bool = False) -> set[int]:
        return {c for c in self.customers if self.can_manage(user_id, c, include_deleted=include_deleted)}

    def subtree(self, dept_id: int) -> set[int]:
        """``dept_id`` and every department below it (walking parent links upwards from each)."""
        return {d for d in self.parents if dept_id in self.ancestors_or_self(d)}

    def users_in_scope(self, user_id: int) -> set[int]:
        """Users a head supervises: themselves and members of headed subtrees; admins all."""
        u = self.users[user_id]
        if not u.is_active:
            return set()
        if self.is_admin(user_id):
            return set(self.users)
        return {user_id} | {
            o.id for o in self.users.values()
            if o.department_id is not None and any(h in self.ancestors_or_self(o.department_id) for h in u.heads)
        }


def load_world() -> World:
    """Read the raw tables (no closure table, no visibility code) into a ``World``."""
    from pharmcrm.customers.models import Customer, CustomerShare
    from pharmcrm.org.models import Department, DepartmentHead, ShareGroupMember, User, UserRole

    parents = dict(Department.objects.order_by().values_list("id", "parent_id"))
    users = {
        pk: RefUser(pk, dept, active, superuser)
        for pk, dept, active, superuser in User.objects.order_by().values_list(
            "id", "department_id", "is_active", "is_superuser"
        )
    }
    for uid, role in UserRole.objects.order_by().values_list("user_id", "role"):
        users[uid].roles.add(role)
    for uid, dept in DepartmentHead.objects.order_by().values_list("user_id", "department_id"):
        users[uid].heads.add(dept)
    for uid, gid in ShareGroupMember.objects.order_by().values_list("user_id", "group_id"):
        users[uid].groups.add(gid)
    customers = {
        pk: RefCustomer(pk, owner, dept, deleted_at is not None, pool_dept)
        for pk, owner, dept, deleted_at, pool_dept in Customer.objects.order_by().values_list(
            "id", "owner_id", "owner_department_id", "deleted_at", "pool_department_id"
        )
    }
    shares = list(CustomerShare.objects.order_by().values_list("customer_id", "user_id", "group_id", "access"))
    return World(parents=parents, users=users, customers=customers, shares=shares)


def db_closure() -> set[tuple[int, int, int]]:
    from pharmcrm.org.models import DepartmentClosure

    return set(DepartmentClosure.objects.order_by().values_list("ancestor_id", "descendant_id", "depth"))


def assert_engine_matches(world: World, *, user_ids=None, check_pairs=None) -> None:
    """Compare the engine with the reference for every user (and ``check_pairs`` for can_*).

    Users are loaded fresh from the database (the engine caches roles/heads per instance).
    """
    from pharmcrm.customers.models import Customer
    from pharmcrm.org import visibility
    from pharmcrm.org.models import User

    ids = sorted(world.users) if user_ids is None else list(user_ids)
    by_id = User.objects.in_bulk(ids)
    customers = list(Customer.objects.all())
    for uid in ids:
        u = by_id[uid]
        got_v = set(visibility.visible_customers(u).values_list("id", flat=True))
        got_w = set(visibility.writable_customers(u).values_list("id", flat=True))
        got_m = set(visibility.manageable_customers(u).values_list("id", flat=True))
        assert got_v == world.visible(uid), ("visible", uid, got_v ^ world.visible(uid))
        assert got_w == world.writable(uid), ("writable", uid, got_w ^ world.writable(uid))
        assert got_m == world.manageable(uid), ("manageable", uid, got_m ^ world.manageable(uid))
        got_md = set(visibility.manageable_customers(u, include_deleted=True).values_list("id", flat=True))
        assert got_md == world.manageable(uid, include_deleted=True), ("manageable+deleted", uid)
        # the pool / owned restrictions are the same rule cut by "has an owner"
        pool = world.pool()
        for name, fn, expected in (("visible", visibility.visible_customers, world.visible(uid)),
                                   ("writable", visibility.writable_customers, world.writable(uid)),
                                   ("manageable", visibility.manageable_customers, world.manageable(uid))):
            got_pool = set(fn(u, pool=True).values_list("id", flat=True))
            got_owned = set(fn(u, pool=False).values_list("id", flat=True))
            assert got_pool == expected & pool, (name + "+pool", uid, got_pool ^ (expected & pool))
            assert got_owned == expected - pool, (name + "-pool", uid, got_owned ^ (expected - pool))
        got_t = set(visibility.transferable_customers(u).values_list("id", flat=True))
        assert got_t == world.transferable(uid), ("transferable", uid, got_t ^ world.transferable(uid))
        # the same rule decided for one loaded row (the customer pages)
        managed_incl_deleted = world.manageable(uid, include_deleted=True)
        sets = world.visible(uid), world.writable(uid), world.manageable(uid), world.transferable(uid)
        for c in customers:
            expected = visibility.Rights(*(c.pk in s for s in sets))
            assert visibility.customer_rights(u, c) == expected, ("rights", uid, c.pk)
            got = visibility.customer_rights(u, c, include_deleted=True).manage
            assert got == (c.pk in managed_incl_deleted), ("rights+deleted", uid, c.pk)
    for uid, cid in check_pairs or ():
        u = by_id[uid]
        assert visibility.can_see(u, cid) == world.can_see(uid, cid), ("can_see", uid, cid)
        assert visibility.can_write(u, cid) == world.can_write(uid, cid), ("can_write", uid, cid)
        assert visibility.can_manage(u, cid) == world.can_manage(uid, cid), ("can_manage", uid, cid)
        assert visibility.can_manage(u, cid, include_deleted=True) == world.can_manage(
            uid, cid, include_deleted=True
        ), ("can_manage+deleted", uid, cid)
