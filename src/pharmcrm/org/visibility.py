"""THE rule of who sees and who may change what. One module, one place.

A user u sees a customer c when
  * u is an active administrator, or
  * u owns c, or
  * c's owner department lies in the subtree of a department u heads (any depth), or
  * c is shared with u, or with a share group u belongs to, or
  * c is in the public pool (公海: no owner; ``pool_department`` P says whose pool) and
    - u holds a sales role (sales rep, sales admin) or heads a department, and u's own
      department lies in the subtree of P (a rep in 浦东组 sees 上海办事处's pool), or
    - P lies in the subtree of a department u heads (heads see the pools below them).
u may *write* c when u is an administrator, the owner, a head above the owner, or holds a
read-write share (directly or through a group). u may *manage* c (share, delete, restore,
transfer) when u is an administrator, the owner, or a head above the owner. A pool customer
is only *read* by the sales users of its pool (claiming is how one comes to own it); heads of
P or above and administrators write and manage it (assign it to a rep, exempt, delete).
Pool customers are not transferred (``transferable_customers``): they are assigned.
Inactive users see nothing. Peers see nothing of each other's.

Everything that hangs off a customer (contacts, follow-ups, orders, ...) joins to its
customer and is visible exactly when the customer is; cross-cutting roles get a scope
per area from the ``RoleScope`` table (``role_scope``).

``pool=None`` (default) gives owned and pool customers together; ``pool=False`` only owned
customers (the customer list), ``pool=True`` only pool customers (the pool page). Each is the
same rule restricted to ``owner IS [NOT] NULL``, with the clauses that cannot match dropped.

Query shapes (measured with ``make bench``, see docs/benchmark.md). PostgreSQL plans
``OR`` across sub-selects as hashed sub-plans over a sequential scan, and cannot estimate
how many rows a sub-select lets through. So on PostgreSQL the rule is one filter,
``owner = u OR owner_department = ANY(<the subtree's department ids, one array
parameter>) OR id = ANY(ARRAY(<shared ids>)) OR pool_department = ANY(ARRAY(<ancestors of
u's department>)) OR pool_department = ANY(<the subtree's ids>)``: the arrays are constants
(or one-time InitPlans over a handful of closure rows) that the planner estimates from the
column statistics, so it walks the default sort index with the filter for a user who sees
most rows (``LIMIT`` stops early) and ORs index scans (``cust_pool_idx`` for the pool) for
a user who sees few. On SQLite, for a user who sees few rows we drive from the visible ids
(``id IN (owned UNION ALL shared UNION ALL subtree UNION ALL pool)``); for a user who sees
many we keep the predicate as a filter, with the subtree as a correlated ``EXISTS`` so that
SQLite walks the default sort index and ``LIMIT`` stops early (an ``IN`` lets it OR index
scans and sort everything); the switch is an estimate of the user's visible volume, cached
briefly. All shapes return the same set.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet

from pharmcrm.core import request_memo
from pharmcrm.org.models import DepartmentClosure, Role, RoleScope, ShareGroupMember, User

# Above this many visible customers, the "filter" shape beats "drive from ids". On PostgreSQL
# the filter (with a constant array of department ids) is faster at every volume (measured
# with ``make bench``), so it is always used (-1, and no estimate is made).
LARGE_VOLUME = -1 if connection.vendor == "postgresql" else 3000
_VOLUME_CACHE_SECONDS = 300
# Roles that see the public pools above their department (heads see them too).
POOL_ROLES = frozenset({Role.SALES_REP, Role.SALES_ADMIN})


def _customer_model():
    from pharmcrm.customers.models import Customer

    return Customer


def _share_model():
    from pharmcrm.customers.models import CustomerShare

    return CustomerShare


def subtree_department_ids(user: User) -> QuerySet:
    """Sub-select of ids of every department below (and including) those ``user`` heads."""
    return DepartmentClosure.objects.filter(ancestor_id__in=user.headed_department_ids).values("descendant_id")


def subtree_department_list(user: User) -> list[int]:
    """``subtree_department_ids`` as a list, fetched once per request (every visibility check
    of a page needs it: read, write, manage and transfer)."""
    heads = tuple(user.headed_department_ids)
    return request_memo.memoised(("subtree", heads), lambda: list(
        DepartmentClosure.objects.filter(ancestor_id__in=heads).values_list("descendant_id", flat=True)))


def _group_ids(user: User) -> QuerySet:
    return ShareGroupMember.objects.filter(user_id=user.pk).values("group_id")


def _shared_customer_ids(user: User, *, write_only: bool = False) -> QuerySet:
    shares = _share_model().objects.filter(Q(user_id=user.pk) | Q(group_id__in=_group_ids(user)))
    if write_only:
        shares = shares.filter(access="write")
    return shares.values("customer_id")


class _EqualsAny(Lookup):
    """``lhs = ANY(rhs)`` (PostgreSQL): ``rhs`` is a list bound as ONE array parameter, or a
    sub-select, evaluated once as ``ARRAY(SELECT ...)`` instead of a hashed sub-plan."""

    lookup_name = "pharmcrm_equals_any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if isinstance(self.rhs, list | tuple):
            return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", [*lhs_params, list(self.rhs)]
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


def _alive(qs: QuerySet, include_deleted: bool) -> QuerySet:
    return qs if include_deleted else qs.filter(deleted_at__isnull=True)


def _estimated_volume(user: User) -> int:
    """Roughly how many customers a head sees (capped); cached, used only to pick a plan."""
    key = f"vis-volume:{user.pk}:{','.join(map(str, sorted(user.headed_department_ids)))}"
    value = cache.get(key)
    if value is None:
        Customer = _customer_model()
        value = (
            Customer.objects.filter(deleted_at__isnull=True, owner_department_id__in=subtree_department_ids(user))
            .order_by()[: LARGE_VOLUME + 1]
            .count()
        )
        cache.set(key, value, _VOLUME_CACHE_SECONDS)
    return value


def reads_pool(user: User) -> bool:
    """Whether ``user`` sees the pools above their own department (sales roles and heads)."""
    return user.department_id is not None and (user.is_head or bool(user.role_codes & POOL_ROLES))


def pool_ancestor_ids(user: User) -> QuerySet:
    """Sub-select of ids of ``user``'s own department and every department above it: the pools
    a sales user sees (a handful of closure rows)."""
    return DepartmentClosure.objects.filter(descendant_id=user.department_id).values("ancestor_id")


def _any_of(terms: list) -> Q | None:
    q = None
    for term in terms:
        q = term if q is None else q | term
    return q


def _scope(user: User, *, write_only: bool, managers_only: bool = False, pool: bool | None = None) -> QuerySet:
    Customer = _customer_model()
    objects = Customer.objects
    if not user.is_active:
        return objects.none()
    restrict = {} if pool is None else {"owner__isnull": pool}
    if user.is_admin:
        return objects.filter(**restrict)
    owned = pool is not True  # clauses about owners can only match owned customers
    heads = user.headed_department_ids
    pool_down = pool is not False and bool(heads)  # pools of headed subtrees: read, write, manage
    pool_up = pool is not False and not write_only and reads_pool(user)  # pools above: read only
    shared = None if managers_only else _shared_customer_ids(user, write_only=write_only)
    if LARGE_VOLUME < 0 or (heads and _estimated_volume(user) > LARGE_VOLUME):
        terms = [Q(owner_id=user.pk)] if owned else []
        if connection.vendor == "postgresql":
            if heads and (owned or pool_down):
                subtree = subtree_department_list(user)
                if owned:
                    terms.append(Q(_EqualsAny(F("owner_department_id"), subtree)))
                if pool_down:
                    terms.append(Q(_EqualsAny(F("pool_department_id"), subtree)))
            if pool_up:
                terms.append(Q(_EqualsAny(F("pool_department_id"), pool_ancestor_ids(user))))
            if shared is not None:
                terms.append(Q(_EqualsAny(F("id"), shared)))
        else:
            # correlated, so SQLite walks the sort index instead of OR-ing index scans
            if heads and owned:
                terms.append(Q(Exists(DepartmentClosure.objects.filter(
                    ancestor_id__in=heads, descendant_id=OuterRef("owner_department_id")))))
            if pool_down:
                terms.append(Q(Exists(DepartmentClosure.objects.filter(
                    ancestor_id__in=heads, descendant_id=OuterRef("pool_department_id")))))
            if pool_up:
                terms.append(Q(Exists(DepartmentClosure.objects.filter(
                    descendant_id=user.department_id, ancestor_id=OuterRef("pool_department_id")))))
            if shared is not None:
                terms.append(Q(id__in=shared))
        q = _any_of(terms)
        return objects.none() if q is None else objects.filter(q, **restrict)
    parts = [objects.filter(owner_id=user.pk).values("id")] if owned else []
    if heads and owned:
        parts.append(objects.filter(owner_department_id__in=subtree_department_ids(user)).values("id"))
    if pool_down:
        parts.append(objects.filter(pool_department_id__in=subtree_department_ids(user)).values("id"))
    if pool_up:
        parts.append(objects.filter(pool_department_id__in=pool_ancestor_ids(user)).values("id"))
    if shared is not None:
        parts.append(shared)
    if not parts:
        return objects.none()
    ids = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return objects.filter(id__in=ids, **restrict)


def visible_customers(user: User, *, include_deleted: bool = False, pool: bool | None = None) -> QuerySet:
    """Every customer ``user`` may read. Start every customer read here.

    ``pool``: None both owned and pool customers, False only owned ones, True only the pool."""
    return _alive(_scope(user, write_only=False, pool=pool), include_deleted)


def writable_customers(user: User, *, include_deleted: bool = False, pool: bool | None = None) -> QuerySet:
    """Every customer ``user`` may change (owner, heads above, read-write shares, admins;
    in the pool: heads of the pool's department or above, admins)."""
    return _alive(_scope(user, write_only=True, pool=pool), include_deleted)


def manageable_customers(user: User, *, include_deleted: bool = False, pool: bool | None = None) -> QuerySet:
    """Customers ``user`` may share, delete, restore or transfer: owner, heads above, admins
    (in the pool: assign and exempt — heads of the pool's department or above, admins)."""
    return _alive(_scope(user, write_only=True, managers_only=True, pool=pool), include_deleted)


def transferable_customers(user: User, *, include_deleted: bool = False) -> QuerySet:
    """Customers ``user`` may transfer: administrators all; a head what is owned in their
    subtree (not what they merely see through a share); nobody else anything. Pool customers
    are assigned (customers.pool_services), never transferred."""
    if not user.is_active or not (user.is_admin or user.is_head):
        return _customer_model().objects.none()
    qs = manageable_customers(user, include_deleted=include_deleted, pool=False)
    if user.is_admin:
        return qs
    return qs.filter(owner_department_id__in=subtree_department_ids(user))


def can_see(user: User, customer_id: int) -> bool:
    return visible_customers(user).filter(pk=customer_id).exists()


def can_write(user: User, customer_id: int) -> bool:
    return writable_customers(user).filter(pk=customer_id).exists()


def can_manage(user: User, customer_id: int, *, include_deleted: bool = False) -> bool:
    return manageable_customers(user, include_deleted=include_deleted).filter(pk=customer_id).exists()


def can_transfer(user: User, customer_id: int) -> bool:
    return transferable_customers(user).filter(pk=customer_id).exists()


@dataclass(frozen=True)
class Rights:
    """What a user may do with one customer: the four sets above, for one row."""

    read: bool = False
    write: bool = False
    manage: bool = False
    transfer: bool = False


_NO_RIGHTS = Rights()


def pool_ancestor_list(user: User) -> list[int]:
    """``pool_ancestor_ids`` as a list, fetched once per request."""
    dept = user.department_id
    return request_memo.memoised(("ancestors", dept), lambda: list(
        DepartmentClosure.objects.filter(descendant_id=dept).values_list("ancestor_id", flat=True)))


def customer_rights(user: User, customer, *, include_deleted: bool = False) -> Rights:
    """``user``'s rights on one loaded customer: the same rule as ``visible_customers``,
    ``writable_customers``, ``manageable_customers`` and ``transferable_customers``, decided
    from the row (owner, owner department, pool department, deleted) and the user's subtree
    (memoised per request) instead of by a query over the sets. The shares are read only when
    the structure does not already grant write (one small query); the pools above the user's
    department only for a pool customer nothing else lets them read.

    tests/org/reference.py checks it against the reference model for every user and customer
    of the property-based and stateful worlds, next to the sets themselves."""
    if not user.is_active or (customer.deleted_at is not None and not include_deleted):
        return _NO_RIGHTS
    owned = customer.owner_id is not None
    if user.is_admin:
        return Rights(read=True, write=True, manage=True, transfer=owned)
    # the terms of ``_scope`` (pool=None), one by one, on this row
    subtree = set(subtree_department_list(user)) if user.headed_department_ids else set()
    below = customer.owner_department_id in subtree
    if customer.owner_id == user.pk or below or customer.pool_department_id in subtree:
        return Rights(read=True, write=True, manage=True, transfer=owned and below)
    access = set(_share_model().objects.filter(
        Q(user_id=user.pk) | Q(group_id__in=_group_ids(user)), customer_id=customer.pk,
    ).values_list("access", flat=True))
    read = bool(access) or (customer.pool_department_id is not None and reads_pool(user)
                            and customer.pool_department_id in pool_ancestor_list(user))
    return Rights(read=read, write="write" in access)


def users_in_scope(user: User) -> QuerySet:
    """Users whose work ``user`` supervises: themselves, members of headed subtrees; admins all."""
    if not user.is_active:
        return User.objects.none()
    if user.is_admin:
        return User.objects.all()
    return User.objects.filter(Q(pk=user.pk) | Q(department_id__in=subtree_department_ids(user)))


def role_scope(user: User, area: str) -> str | None:
    """The widest scope any of ``user``'s roles grants on ``area`` ("all" > "approved"), or None."""
    if not user.is_active:
        return None
    if user.is_admin:
        return RoleScope.Scope.ALL
    scopes = set(RoleScope.objects.filter(role__in=user.role_codes, area=area).values_list("scope", flat=True))
    for scope in (RoleScope.Scope.ALL, RoleScope.Scope.APPROVED):
        if scope in scopes:
            return scope
    return None
