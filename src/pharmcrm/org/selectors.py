"""Reads of the organisation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

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
