"""Reads of the organisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet

from pharmcrm.core.errors import NotFound
from pharmcrm.org.models import ApiToken, Department, DepartmentClosure, ShareGroup, User


@dataclass
class DeptNode:
    department: Department
    depth: int
    heads: list[User]
    member_count: int
    children: list[DeptNode]


def department_tree() -> list[DeptNode]:
    """The whole tree, in display order, in three queries."""
    # explicit order: Meta.ordering is not applied to this GROUP BY query (PostgreSQL returned any order)
    depts = list(
        Department.objects.annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("sort_order", "id")
    )
    heads: dict[int, list[User]] = {}
    for dept in Department.objects.prefetch_related("heads"):
        heads[dept.pk] = list(dept.heads.all())
    nodes = {d.pk: DeptNode(d, 0, heads.get(d.pk, []), d.member_count, []) for d in depts}
    roots: list[DeptNode] = []
    for d in depts:
        node = nodes[d.pk]
        if d.parent_id and d.parent_id in nodes:
            nodes[d.parent_id].children.append(node)
        else:
            roots.append(node)

    def set_depth(ns: list[DeptNode], depth: int) -> None:
        for n in ns:
            n.depth = depth
            set_depth(n.children, depth + 1)

    set_depth(roots, 0)
    return roots


def department_flat() -> list[DeptNode]:
    """The tree flattened depth-first (for selects with indentation)."""
    out: list[DeptNode] = []

    def walk(ns: list[DeptNode]) -> None:
        for n in ns:
            out.append(n)
            walk(n.children)

    walk(department_tree())
    return out


class DeptChoice(NamedTuple):
    """A light department node for filter dropdowns (cacheable: plain values only)."""

    id: int
    name: str
    depth: int
    parent_id: int | None


DEPARTMENT_CHOICES_CACHE_KEY = "org:department_choices:v1"


def _department_choices_build() -> list[DeptChoice]:
    rows = list(Department.objects.order_by("sort_order", "id").values_list("id", "name", "parent_id"))
    children: dict[int | None, list[tuple[int, str, int | None]]] = {}
    ids = {r[0] for r in rows}
    for r in rows:
        children.setdefault(r[2] if r[2] in ids else None, []).append(r)
    out: list[DeptChoice] = []

    def walk(parent: int | None, depth: int) -> None:
        for pk, name, parent_id in children.get(parent, []):
            out.append(DeptChoice(pk, name, depth, parent_id))
            walk(pk, depth + 1)

    walk(None, 0)
    return out


def department_choices_cached() -> list[DeptChoice]:
    """``department_flat()`` reduced to (id, name, depth, parent_id), depth-first, for filter selects.

    Cached in ``django.core.cache`` under a fingerprint of the table (latest ``updated_at``, row count,
    highest id): one cheap aggregate per call; any create, rename, move or delete changes the
    fingerprint (services save the department, so ``updated_at`` moves), so a stale tree is never served.
    Each process may hold its own copy (LocMemCache); the DB fingerprint keeps them all correct.
    """
    fp = Department.objects.aggregate(m=Max("updated_at"), n=Count("id"), x=Max("id"))
    fingerprint = f"{fp['m'].isoformat() if fp['m'] else ''}|{fp['n']}|{fp['x'] or 0}"
    hit = cache.get(DEPARTMENT_CHOICES_CACHE_KEY)
    if hit is not None and hit[0] == fingerprint:
        return [DeptChoice(*t) for t in hit[1]]
    nodes = _department_choices_build()
    cache.set(DEPARTMENT_CHOICES_CACHE_KEY, (fingerprint, [tuple(n) for n in nodes]), 24 * 3600)
    return nodes


def department_get(*, department_id: int) -> Department:
    dept = Department.objects.filter(pk=department_id).first()
    if dept is None:
        raise NotFound("Department not found.")
    return dept


def department_path(department: Department | None) -> list[Department]:
    if department is None:
        return []
    ids = DepartmentClosure.objects.filter(descendant=department).order_by("-depth").values_list(
        "ancestor_id", flat=True
    )
    by_id = Department.objects.in_bulk(list(ids))
    return [by_id[i] for i in ids]


@dataclass(frozen=True)
class UserFilters:
    q: str = ""
    department_id: int | None = None
    role: str = ""
    active: bool | None = None


def user_list(*, filters: UserFilters | None = None) -> QuerySet:
    f = filters or UserFilters()
    qs = User.objects.select_related("department").prefetch_related("roles", "head_links__department")
    if f.q:
        qs = qs.filter(Q(username__icontains=f.q) | Q(full_name__icontains=f.q) | Q(phone__icontains=f.q)
                       | Q(email__icontains=f.q))
    if f.department_id:
        qs = qs.filter(department_id__in=DepartmentClosure.objects.filter(ancestor_id=f.department_id).values(
            "descendant_id"))
    if f.role:
        if f.role == "head":
            qs = qs.filter(head_links__isnull=False).distinct()
        else:
            qs = qs.filter(roles__role=f.role)
    if f.active is not None:
        qs = qs.filter(is_active=f.active)
    return qs.order_by("department__sort_order", "department_id", "id")


def user_get(*, user_id: int) -> User:
    user = User.objects.select_related("department").filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


def share_group_list() -> QuerySet:
    return ShareGroup.objects.annotate(member_count=Count("member_links")).order_by("name")


def active_users() -> QuerySet:
    return User.objects.filter(is_active=True).select_related("department").order_by("full_name")


def api_token_list(*, actor: User) -> QuerySet:
    """``actor``'s own personal API tokens (revoked ones too, newest first)."""
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at", "-id")


def user_owned_customer_count(*, user_id: int) -> int:
    """How many customers (recycle bin included) ``user_id`` owns: what deactivation hands over."""
    from pharmcrm.customers.models import Customer

    return Customer.objects.filter(owner_id=user_id).count()


USER_LOOKUP_MAX = 20


def user_lookup(*, actor: User, q: str = "", scope: str = "", active_only: bool = False,
                limit: int = USER_LOOKUP_MAX) -> list[User]:
    """Users matching ``q`` (name or username) for a remote select, at most ``USER_LOOKUP_MAX``.

    ``scope=""``: ``users_in_scope(actor)`` (deactivated ones last unless ``active_only``).
    ``scope="all"``: active users company-wide (share targets: any active user may be shared with).
    """
    from pharmcrm.org.visibility import users_in_scope

    if not actor.is_active:
        return []
    if scope == "all":
        qs = User.objects.filter(is_active=True)
    else:
        qs = users_in_scope(actor)
        if active_only:
            qs = qs.filter(is_active=True)
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(username__icontains=q))
    limit = max(1, min(limit, USER_LOOKUP_MAX))
    return list(qs.select_related("department").order_by("-is_active", "full_name", "id")[:limit])
