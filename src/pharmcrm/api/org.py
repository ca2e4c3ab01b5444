"""The organisation API: me, departments, users, share groups.

Reads: everybody signed in sees the department tree and the share groups (they are needed to
pick share targets). Users: administrators see every user; everybody else sees the users in
``org.visibility.users_in_scope`` (themselves and the members of the department subtrees
they head); any other user id is a 404.
Writes: administrators only (the services check it; anybody else gets a 403).
"""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.org_schemas import (
    DepartmentCreateIn,
    DepartmentHeadsIn,
    DepartmentOut,
    DepartmentUpdateIn,
    MeOut,
    ShareGroupIn,
    ShareGroupOut,
    ShareGroupUpdateIn,
    UserCreateIn,
    UserDeactivateIn,
    UserOut,
    UserPage,
    UserQuery,
    UserUpdateIn,
)
from pharmcrm.core.errors import NotFound
from pharmcrm.org import selectors, services, visibility
from pharmcrm.org.models import User

router = Router()


# --- me --------------------------------------------------------------------------------------

@router.get("/me", response=MeOut, tags=["me"], summary="The signed-in user")
def me(request):
    actor: User = request.auth
    user = _visible_users(actor).get(pk=actor.pk)
    return {
        "user": user,
        "department": user.department,
        "roles": sorted(actor.role_codes),
        "is_admin": actor.is_admin,
        "headed_departments": [link.department for link in user.head_links.all()],
    }


# --- departments -----------------------------------------------------------------------------

def _department_out(node: selectors.DeptNode) -> dict:
    d = node.department
    return {
        "id": d.pk, "name": d.name, "parent_id": d.parent_id, "depth": node.depth,
        "sort_order": d.sort_order, "head_ids": sorted(h.pk for h in node.heads),
        "member_count": node.member_count,
    }


def _department(department_id: int) -> dict:
    for node in selectors.department_flat():
        if node.department.pk == department_id:
            return _department_out(node)
    raise NotFound("Department not found.")


@router.get("/departments", response=list[DepartmentOut], tags=["departments"],
            summary="All departments, depth-first in display order")
def department_list(request):
    return [_department_out(n) for n in selectors.department_flat()]


@router.post("/departments", response={201: DepartmentOut}, tags=["departments"],
             summary="Create a department (administrators)")
def department_create(request, payload: DepartmentCreateIn):
    dept = services.department_create(actor=request.auth, **payload.model_dump())
    return Status(201, _department(dept.pk))


@router.patch("/departments/{department_id}", response=DepartmentOut, tags=["departments"],
              summary="Rename, move or reorder a department (administrators)")
def department_update(request, department_id: Id, payload: DepartmentUpdateIn):
    data = payload.model_dump(exclude_unset=True)
    if data.get("name", "") is None:
        data.pop("name")
    services.department_update(actor=request.auth, department_id=department_id, **data)
    return _department(department_id)


@router.put("/departments/{department_id}/heads", response=DepartmentOut, tags=["departments"],
            summary="Set the heads of a department (administrators)")
def department_set_heads(request, department_id: Id, payload: DepartmentHeadsIn):
    services.department_set_heads(actor=request.auth, department_id=department_id, user_ids=payload.head_ids)
    return _department(department_id)


@router.delete("/departments/{department_id}", response={204: None}, tags=["departments"],
               summary="Delete an empty department (administrators)")
def department_delete(request, department_id: Id):
    services.department_delete(actor=request.auth, department_id=department_id)
    return Status(204, None)


# --- users -----------------------------------------------------------------------------------

def _visible_users(actor: User, filters: selectors.UserFilters | None = None) -> QuerySet:
    qs = selectors.user_list(filters=filters)
    if not actor.is_admin:
        qs = qs.filter(pk__in=visibility.users_in_scope(actor).values("pk"))
    return qs


def _user(actor: User, user_id: int) -> User:
    user = _visible_users(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


@router.get("/users", response=UserPage, tags=["users"],
            summary="Users (administrators: all; others: themselves and their teams)")
def user_list(request, query: Query[UserQuery]):
    filters = selectors.UserFilters(q=query.q.strip(), department_id=query.department_id, role=query.role,
                                    active=query.active)
    return paginate(_visible_users(request.auth, filters), query)


@router.get("/users/{user_id}", response=UserOut, tags=["users"], summary="One user")
def user_get(request, user_id: Id):
    return _user(request.auth, user_id)


@router.post("/users", response={201: UserOut}, tags=["users"], summary="Create a user (administrators)")
def user_create(request, payload: UserCreateIn):
    user = services.user_create(actor=request.auth, **payload.model_dump())
    return Status(201, _user(request.auth, user.pk))


@router.patch("/users/{user_id}", response=UserOut, tags=["users"],
              summary="Change a user: name, contact, department, roles, password (administrators)")
def user_update(request, user_id: Id, payload: UserUpdateIn):
    services.user_update(actor=request.auth, user_id=user_id, **payload.model_dump(exclude_unset=True))
    return _user(request.auth, user_id)


@router.post("/users/{user_id}/deactivate", response=UserOut, tags=["users"],
             summary="Block a user's login, handing their customers to a successor (administrators)")
def user_deactivate(request, user_id: Id, payload: UserDeactivateIn):
    services.user_deactivate(actor=request.auth, user_id=user_id, successor_id=payload.successor_id)
    return _user(request.auth, user_id)


@router.post("/users/{user_id}/reactivate", response=UserOut, tags=["users"],
             summary="Let a deactivated user log in again (administrators)")
def user_reactivate(request, user_id: Id):
    services.user_reactivate(actor=request.auth, user_id=user_id)
    return _user(request.auth, user_id)


# --- share groups ----------------------------------------------------------------------------

def _groups() -> QuerySet:
    return selectors.share_group_list().prefetch_related("member_links")


def _group(group_id: int):
    group = _groups().filter(pk=group_id).first()
    if group is None:
        raise NotFound("Share group not found.")
    return group


@router.get("/share-groups", response=list[ShareGroupOut], tags=["share groups"], summary="All share groups")
def share_group_list(request):
    return list(_groups())


@router.post("/share-groups", response={201: ShareGroupOut}, tags=["share groups"],
             summary="Create a share group (administrators)")
def share_group_create(request, payload: ShareGroupIn):
    group = services.share_group_save(actor=request.auth, **payload.model_dump())
    return Status(201, _group(group.pk))


@router.patch("/share-groups/{group_id}", response=ShareGroupOut, tags=["share groups"],
              summary="Rename a share group or change its members (administrators)")
def share_group_update(request, group_id: Id, payload: ShareGroupUpdateIn):
    services.require_admin(request.auth)
    current = _group(group_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    services.share_group_save(
        actor=request.auth, group_id=group_id,
        name=data.get("name", current.name),
        description=data.get("description", current.description),
        member_ids=data.get("member_ids", [m.user_id for m in current.member_links.all()]),
    )
    return _group(group_id)


@router.delete("/share-groups/{group_id}", response={204: None}, tags=["share groups"],
               summary="Delete a share group and its shares (administrators)")
def share_group_delete(request, group_id: Id):
    services.share_group_delete(actor=request.auth, group_id=group_id)
    return Status(204, None)
