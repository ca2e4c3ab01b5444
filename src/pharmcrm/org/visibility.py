"""THE rule of who sees and who may change what. One module, one place.

A user u sees a customer c when
  * u is an active administrator, or
  * u owns c, or
  * c's owner department lies in the subtree of a department u heads (any depth), or
  * c is shared with u, or with a share group u belongs to.
u may *write* c when u is an administrator, the owner, a head above the owner, or holds a
read-write share (directly or through a group). u may *manage* c (share, delete, restore,
transfer) when u is an administrator, the owner, or a head above the owner.
Inactive users see nothing. Peers see nothing of each other's.

Everything that hangs off a customer (contacts, follow-ups, orders, ...) joins to its
customer and is visible exactly when the customer is; cross-cutting roles get a scope
per area from the ``RoleScope`` table (``role_scope``).

Query shapes (measured with ``make bench``, see docs/benchmark.md). PostgreSQL plans
``OR`` across sub-selects as hashed sub-plans over a sequential scan, and cannot estimate
how many rows a sub-select lets through. So on PostgreSQL the rule is one filter,
``owner = u OR owner_department = ANY(<the subtree's department ids, one array
parameter>) OR id = ANY(ARRAY(<shared ids>))``: the array is a constant the planner
estimates from the column statistics, so it walks the default sort index with the filter
for a user who sees most rows (``LIMIT`` stops early) and ORs index scans for a user who
sees few. On SQLite, for a user who sees few rows we drive from the visible ids
(``id IN (owned UNION ALL shared UNION ALL subtree)``); for a user who sees many we keep
the predicate as a filter, with the subtree as a correlated ``EXISTS`` so that SQLite walks
the default sort index and ``LIMIT`` stops early (an ``IN`` lets it OR index scans and sort
everything); the switch is an estimate of the user's visible volume, cached briefly. All
shapes return the same set.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet

from pharmcrm.org.models import DepartmentClosure, RoleScope, ShareGroupMember, User

# Above this many visible customers, the "filter" shape beats "drive from ids". On PostgreSQL
# the filter (with a constant array of department ids) is faster at every volume (measured
# with ``make bench``), so it is always used (-1, and no estimate is made).
LARGE_VOLUME = -1 if connection.vendor == "postgresql" else 3000
_VOLUME_CACHE_SECONDS = 300


def _customer_model():
    from pharmcrm.customers.models import Customer

    return Customer


def _share_model():
    from pharmcrm.customers.models import CustomerShare

    return CustomerShare


def subtree_department_ids(user: User) -> QuerySet:
    """Sub-select of ids of every department below (and including) those ``user`` heads."""
    return DepartmentClosure.objects.filter(ancestor_id__in=user.headed_department_ids).values("descendant_id")


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


def _scope(user: User, *, write_only: bool, managers_only: bool = False) -> QuerySet:
    Customer = _customer_model()
    objects = Customer.objects
    if not user.is_active:
        return objects.none()
    if user.is_admin:
        return objects.all()
    heads = user.headed_department_ids
    shared = None if managers_only else _shared_customer_ids(user, write_only=write_only)
    if LARGE_VOLUME < 0 or (heads and _estimated_volume(user) > LARGE_VOLUME):
        q = Q(owner_id=user.pk)
        if connection.vendor == "postgresql":
            if heads:
                subtree = list(subtree_department_ids(user).values_list("descendant_id", flat=True))
                q |= Q(_EqualsAny(F("owner_department_id"), subtree))
            if shared is not None:
                q |= Q(_EqualsAny(F("id"), shared))
        else:
            if heads:  # correlated, so SQLite walks the sort index instead of OR-ing index scans
                q |= Q(Exists(DepartmentClosure.objects.filter(
                    ancestor_id__in=heads, descendant_id=OuterRef("owner_department_id"))))
            if shared is not None:
                q |= Q(id__in=shared)
        return objects.filter(q)
    ids = objects.filter(owner_id=user.pk).values("id")
    parts = []
    if heads:
        parts.append(objects.filter(owner_department_id__in=subtree_department_ids(user)).values("id"))
    if shared is not None:
        parts.append(shared)
    if parts:
        ids = ids.union(*parts, all=True)
    return objects.filter(id__in=ids)


def visible_customers(user: User, *, include_deleted: bool = False) -> QuerySet:
    """Every customer ``user`` may read. Start every customer read here."""
    return _alive(_scope(user, write_only=False), include_deleted)


def writable_customers(user: User, *, include_deleted: bool = False) -> QuerySet:
    """Every customer ``user`` may change (owner, heads above, read-write shares, admins)."""
    return _alive(_scope(user, write_only=True), include_deleted)


def manageable_customers(user: User, *, include_deleted: bool = False) -> QuerySet:
    """Customers ``user`` may share, delete, restore or transfer: owner, heads above, admins."""
    return _alive(_scope(user, write_only=True, managers_only=True), include_deleted)


def transferable_customers(user: User, *, include_deleted: bool = False) -> QuerySet:
    """Customers ``user`` may transfer: administrators all; a head what is owned in their
    subtree (not what they merely see through a share); nobody else anything."""
    if not user.is_active or not (user.is_admin or user.is_head):
        return _customer_model().objects.none()
    qs = manageable_customers(user, include_deleted=include_deleted)
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
