"""Schemas of the organisation API: me, departments, users, share groups, tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from pharmcrm.api.common import DepartmentRef, Id, InSchema, PageQuery, SmallInt, Text
from pharmcrm.org.models import Role

RoleCode = Literal[tuple(Role.values)]
RoleFilter = Literal[("", "head", *Role.values)]


# --- users -----------------------------------------------------------------------------------

class UserOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    phone: str
    title: str
    department: DepartmentRef | None
    roles: list[str] = Field(description="role codes; heading a department is shown in headed_department_ids")
    headed_department_ids: list[int]
    is_active: bool
    deactivated_at: datetime | None

    @staticmethod
    def resolve_roles(obj) -> list[str]:
        return sorted(r.role for r in obj.roles.all())

    @staticmethod
    def resolve_headed_department_ids(obj) -> list[int]:
        return sorted(link.department_id for link in obj.head_links.all())


class UserPage(Schema):
    items: list[UserOut]
    count: int
    count_exact: bool


class UserQuery(PageQuery):
    q: Text(100) = Field("", description="matches username, name, phone or e-mail")
    department_id: Id | None = Field(None, description="users of this department and its sub-departments")
    role: RoleFilter = Field("", description="a role code, or 'head' for department heads")
    active: bool | None = None


class UserCreateIn(InSchema):
    username: Text(150)
    full_name: Text(50)
    password: Text(128)
    department_id: Id | None = None
    email: Text(254) = ""
    phone: Text(30) = ""
    title: Text(50) = ""
    roles: list[RoleCode] = Field(default_factory=lambda: [Role.SALES_REP.value], max_length=20)


class UserUpdateIn(InSchema):
    full_name: Text(50) | None = None
    email: Text(254) | None = None
    phone: Text(30) | None = None
    title: Text(50) | None = None
    department_id: Id | None = Field(None, description="null removes the user from any department")
    roles: list[RoleCode] | None = Field(None, max_length=20)
    password: Text(128) | None = Field(None, description="a new password")


class UserDeactivateIn(InSchema):
    successor_id: Id | None = Field(
        None, description="who takes over the user's customers (required if they own any)")


class MeOut(Schema):
    user: UserOut
    department: DepartmentRef | None
    roles: list[str]
    is_admin: bool
    headed_departments: list[DepartmentRef]


# --- departments -----------------------------------------------------------------------------

class DepartmentOut(Schema):
    id: int
    name: str
    parent_id: int | None
    depth: int
    sort_order: int
    head_ids: list[int]
    member_count: int = Field(description="active members of this department (not of sub-departments)")


class DepartmentCreateIn(InSchema):
    name: Text(100)
    parent_id: Id | None = None
    sort_order: SmallInt = 0


class DepartmentUpdateIn(InSchema):
    name: Text(100) | None = None
    parent_id: Id | None = Field(None, description="null moves the department to the top level")
    sort_order: SmallInt | None = None


class DepartmentHeadsIn(InSchema):
    head_ids: list[Id] = Field(max_length=100, description="the complete list of heads (replaces the old one)")


# --- share groups ----------------------------------------------------------------------------

class ShareGroupOut(Schema):
    id: int
    name: str
    description: str
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj) -> list[int]:
        return sorted(link.user_id for link in obj.member_links.all())


class ShareGroupIn(InSchema):
    name: Text(100)
    description: Text(300) = ""
    member_ids: list[Id] = Field(default_factory=list, max_length=10000)


class ShareGroupUpdateIn(InSchema):
    name: Text(100) | None = None
    description: Text(300) | None = None
    member_ids: list[Id] | None = Field(None, max_length=10000, description="the complete member list")


# --- tokens ----------------------------------------------------------------------------------

class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="the first characters of the token, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="the secret; shown once, store it now")


class TokenCreateIn(InSchema):
    name: Text(100) = "API"

