"""The only writers of organisation state: departments, users, roles, share groups, tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core import request_memo
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.org.models import (
    ApiToken,
    Department,
    DepartmentClosure,
    DepartmentHead,
    Role,
    ShareGroup,
    ShareGroupMember,
    User,
    UserRole,
)

USER_AUDIT_FIELDS = ["username", "full_name", "email", "phone", "title", "department", "is_active"]


def require_admin(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.is_admin):
        raise PermissionDenied(_("Only administrators may do this."))


def _validation_to_app_error(exc: ValidationError) -> ApplicationError:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(fields.values()))[0] if fields else _("Invalid input.")
    return ApplicationError(first, code="invalid", fields=fields)


# --- departments ---------------------------------------------------------------------------

def _get_department(department_id: int | None, field: str = "parent_id") -> Department | None:
    if department_id is None:
        return None
    try:
        return Department.objects.get(pk=department_id)
    except Department.DoesNotExist:
        raise ApplicationError(
            _("The department does not exist."), code="department_not_found",
            fields={field: [_("The department does not exist.")]},
        ) from None


def _clean_name(name: str, field: str = "name", max_length: int = 100) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Please enter a name."), code="required", fields={field: [_("This field is required.")]})
    if len(name) > max_length:
        msg = _("At most %(n)d characters.") % {"n": max_length}
        raise ApplicationError(msg, code="too_long", fields={field: [msg]})
    return name


@transaction.atomic
def department_create(*, actor: User, name: str, parent_id: int | None = None, sort_order: int = 0) -> Department:
    require_admin(actor)
    name = _clean_name(name)
    parent = _get_department(parent_id)
    if parent is None and Department.objects.filter(parent__isnull=True, name=name).exists():
        raise ApplicationError(_("A department with this name already exists here."), code="duplicate",
                               fields={"name": [_("A department with this name already exists here.")]})
    try:
        with transaction.atomic():
            dept = Department.objects.create(name=name, parent=parent, sort_order=sort_order)
    except IntegrityError:
        raise ApplicationError(_("A department with this name already exists here."), code="duplicate",
                               fields={"name": [_("A department with this name already exists here.")]}) from None
    rows = [DepartmentClosure(ancestor=dept, descendant=dept, depth=0)]
    if parent is not None:
        rows += [
            DepartmentClosure(ancestor_id=a, descendant=dept, depth=d + 1)
            for a, d in DepartmentClosure.objects.filter(descendant=parent).values_list("ancestor_id", "depth")
        ]
    DepartmentClosure.objects.bulk_create(rows)
    request_memo.forget()
    audit_record(actor=actor, action="create", target=dept, changes={"name": [None, name],
                 "parent": [None, parent and str(parent)]})
    return dept


@transaction.atomic
def department_update(
    *, actor: User, department_id: int, name: str | None = None, parent_id: int | None | type(...) = ...,
    sort_order: int | None = None,
) -> Department:
    """Rename and/or move a department (``parent_id=None`` moves it to the top)."""
    require_admin(actor)
    dept = Department.objects.select_for_update().filter(pk=department_id).first()
    if dept is None:
        raise NotFound(_("Department not found."))
    before = snapshot(dept, ["name", "parent", "sort_order"])
    if name is not None:
        dept.name = _clean_name(name)
    if sort_order is not None:
        dept.sort_order = sort_order
    if parent_id is not ...:
        new_parent = _get_department(parent_id)
        if new_parent is not None and DepartmentClosure.objects.filter(
            ancestor=dept, descendant=new_parent
        ).exists():
            msg = _("A department cannot be moved under itself or one of its sub-departments.")
            raise ApplicationError(msg, code="cycle", fields={"parent_id": [msg]})
        if (new_parent and new_parent.pk) != dept.parent_id:
            _closure_move(dept, new_parent)
            dept.parent = new_parent
    # the unique constraint on (parent, name) does not cover top-level departments (NULL parent)
    if Department.objects.filter(parent_id=dept.parent_id, name=dept.name).exclude(pk=dept.pk).exists():
        raise ApplicationError(_("A department with this name already exists here."), code="duplicate",
                               fields={"name": [_("A department with this name already exists here.")]})
    try:
        with transaction.atomic():
            dept.save()
    except IntegrityError:
        raise ApplicationError(_("A department with this name already exists here."), code="duplicate",
                               fields={"name": [_("A department with this name already exists here.")]}) from None
    changes = diff(before, snapshot(dept, ["name", "parent", "sort_order"]))
    if changes:
        audit_record(actor=actor, action="update", target=dept, changes=changes)
    return dept


def _closure_move(dept: Department, new_parent: Department | None) -> None:
    subtree = list(DepartmentClosure.objects.filter(ancestor=dept).values_list("descendant_id", "depth"))
    sub_ids = [d for d, _ in subtree]
    DepartmentClosure.objects.filter(descendant_id__in=sub_ids).exclude(ancestor_id__in=sub_ids).delete()
    request_memo.forget()
    if new_parent is None:
        return
    ancestors = list(DepartmentClosure.objects.filter(descendant=new_parent).values_list("ancestor_id", "depth"))
    DepartmentClosure.objects.bulk_create(
        [
            DepartmentClosure(ancestor_id=a, descendant_id=d, depth=ad + 1 + dd)
            for a, ad in ancestors
            for d, dd in subtree
        ]
    )
    request_memo.forget()


@transaction.atomic
def department_delete(*, actor: User, department_id: int) -> None:
    require_admin(actor)
    dept = Department.objects.select_for_update().filter(pk=department_id).first()
    if dept is None:
        raise NotFound(_("Department not found."))
    if dept.children.exists():
        raise ApplicationError(_("The department still has sub-departments; move or delete them first."),
                               code="not_empty")
    if User.objects.filter(department=dept).exists():
        raise ApplicationError(_("The department still has members; move them to another department first."),
                               code="not_empty")
    from pharmcrm.customers.models import Customer

    if Customer.objects.filter(owner_department=dept).exists():
        raise ApplicationError(_("Customers still belong to this department; transfer them first."),
                               code="not_empty")
    if Customer.objects.filter(pool_department=dept).exists():
        raise ApplicationError(_("The department's public pool still holds customers; assign them first."),
                               code="not_empty")
    audit_record(actor=actor, action="delete", target=dept, changes={"name": [dept.name, None]})
    dept.delete()
    request_memo.forget()


@transaction.atomic
def department_set_heads(*, actor: User, department_id: int, user_ids: Iterable[int]) -> Department:
    require_admin(actor)
    dept = Department.objects.select_for_update().filter(pk=department_id).first()
    if dept is None:
        raise NotFound(_("Department not found."))
    wanted = set(user_ids)
    users = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    if users != wanted:
        msg = _("Heads must be existing, active users.")
        raise ApplicationError(msg, code="invalid_user", fields={"head_ids": [msg]})
    current = set(DepartmentHead.objects.filter(department=dept).values_list("user_id", flat=True))
    if current == wanted:
        return dept
    DepartmentHead.objects.filter(department=dept).exclude(user_id__in=wanted).delete()
    DepartmentHead.objects.bulk_create([DepartmentHead(department=dept, user_id=u) for u in wanted - current])
    names = dict(User.objects.filter(pk__in=current | wanted).values_list("pk", "full_name"))
    audit_record(actor=actor, action="set_heads", target=dept, changes={
        "heads": [sorted(names[u] for u in current), sorted(names[u] for u in wanted)]})
    return dept


# --- users ---------------------------------------------------------------------------------

def _clean_roles(roles: Iterable[str]) -> set[str]:
    roles = set(roles)
    bad = roles - set(Role.values)
    if bad:
        msg = _("Unknown role: %(r)s") % {"r": ", ".join(sorted(bad))}
        raise ApplicationError(msg, code="invalid_role", fields={"roles": [msg]})
    return roles


def _set_roles(user: User, roles: set[str]) -> tuple[list[str], list[str]]:
    current = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
    UserRole.objects.filter(user=user).exclude(role__in=roles).delete()
    UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles - current])
    user.__dict__.pop("role_codes", None)
    return sorted(current), sorted(roles)


def _full_clean(user: User, exclude: list[str] | None = None) -> None:
    try:
        user.full_clean(exclude=["password", *(exclude or [])])
    except ValidationError as exc:
        raise _validation_to_app_error(exc) from None


@transaction.atomic
def user_create(
    *, actor: User, username: str, full_name: str, password: str, department_id: int | None = None,
    email: str = "", phone: str = "", title: str = "", roles: Iterable[str] = (Role.SALES_REP,),
) -> User:
    require_admin(actor)
    roles = _clean_roles(roles)
    dept = _get_department(department_id, "department_id")
    user = User(username=(username or "").strip(), full_name=(full_name or "").strip(), department=dept,
                email=(email or "").strip(), phone=(phone or "").strip(), title=(title or "").strip())
    _full_clean(user)
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], code="weak_password", fields={"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    _set_roles(user, roles)
    audit_record(actor=actor, action="create", target=user,
                 changes={**{k: [None, v] for k, v in snapshot(user, USER_AUDIT_FIELDS).items()},
                          "roles": [None, sorted(roles)]})
    return user


def _lock_user(user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("User not found."))
    return user


@transaction.atomic
def user_update(
    *, actor: User, user_id: int, full_name: str | None = None, email: str | None = None,
    phone: str | None = None, title: str | None = None, department_id: int | None | type(...) = ...,
    roles: Iterable[str] | None = None, password: str | None = None,
) -> User:
    require_admin(actor)
    user = _lock_user(user_id)
    before = snapshot(user, USER_AUDIT_FIELDS)
    for field, value in (("full_name", full_name), ("email", email), ("phone", phone), ("title", title)):
        if value is not None:
            setattr(user, field, value.strip())
    moved = False
    if department_id is not ...:
        dept = _get_department(department_id, "department_id")
        moved = (dept and dept.pk) != user.department_id
        user.department = dept
    _full_clean(user, exclude=["username"])
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], code="weak_password", fields={"password": exc.messages}) from None
        user.set_password(password)
    user.save()
    changes = diff(before, snapshot(user, USER_AUDIT_FIELDS))
    if roles is not None:
        old, new = _set_roles(user, _clean_roles(roles))
        if old != new:
            changes["roles"] = [old, new]
            if user.pk == actor.pk and Role.ADMIN in old and Role.ADMIN not in new and not user.is_superuser:
                raise ApplicationError(_("You cannot remove your own administrator role."), code="self_demotion")
    if password:
        changes["password"] = ["***", "***"]
    if moved:
        from pharmcrm.customers.services import customers_follow_owner_department

        customers_follow_owner_department(owner=user)
    if changes:
        audit_record(actor=actor, action="update", target=user, changes=changes)
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user_id: int, successor_id: int | None = None) -> User:
    """Block the login; keep everything. If they still own customers, transfer them first."""
    require_admin(actor)
    user = _lock_user(user_id)
    if user.pk == actor.pk:
        raise ApplicationError(_("You cannot deactivate yourself."), code="self_deactivate")
    if not user.is_active:
        return user
    from pharmcrm.customers.models import Customer
    from pharmcrm.customers.services import customer_transfer_all

    owned = Customer.objects.filter(owner=user).count()
    if owned:
        if successor_id is None:
            msg = _("%(name)s still owns %(n)d customers: choose a successor to take them over.") % {
                "name": user, "n": owned}
            raise ApplicationError(msg, code="successor_required", fields={"successor_id": [msg]})
        customer_transfer_all(actor=actor, from_user_id=user.pk, to_user_id=successor_id,
                              reason=_("Deactivation of %(name)s") % {"name": user})
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(actor=actor, action="deactivate", target=user, changes={"is_active": [True, False]})
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user_id: int) -> User:
    require_admin(actor)
    user = _lock_user(user_id)
    if not user.is_active:
        user.is_active = True
        user.deactivated_at = None
        user.save(update_fields=["is_active", "deactivated_at"])
        audit_record(actor=actor, action="reactivate", target=user, changes={"is_active": [False, True]})
    return user


# --- share groups --------------------------------------------------------------------------

@transaction.atomic
def share_group_save(
    *, actor: User, name: str, description: str = "", member_ids: Iterable[int] = (), group_id: int | None = None
) -> ShareGroup:
    require_admin(actor)
    name = _clean_name(name)
    description = (description or "").strip()
    if len(description) > 300:
        msg = _("At most %(n)d characters.") % {"n": 300}
        raise ApplicationError(msg, code="too_long", fields={"description": [msg]})
    if group_id is None:
        group = ShareGroup(name=name, description=description)
        before, old_members = {}, set()
    else:
        group = ShareGroup.objects.select_for_update().filter(pk=group_id).first()
        if group is None:
            raise NotFound(_("Share group not found."))
        before = snapshot(group, ["name", "description"])
        old_members = set(group.member_links.values_list("user_id", flat=True))
        group.name, group.description = name, description
    if ShareGroup.objects.filter(name=name).exclude(pk=group.pk).exists():
        msg = _("A share group with this name already exists.")
        raise ApplicationError(msg, code="duplicate", fields={"name": [msg]})
    group.save()
    wanted = set(member_ids)
    found = set(User.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if found != wanted:
        msg = _("Members must be existing users.")
        raise ApplicationError(msg, code="invalid_user", fields={"member_ids": [msg]})
    ShareGroupMember.objects.filter(group=group).exclude(user_id__in=wanted).delete()
    ShareGroupMember.objects.bulk_create([ShareGroupMember(group=group, user_id=u) for u in wanted - old_members])
    changes = diff(before, snapshot(group, ["name", "description"]))
    if old_members != wanted:
        names = dict(User.objects.filter(pk__in=old_members | wanted).values_list("pk", "full_name"))
        changes["members"] = [sorted(names[u] for u in old_members), sorted(names[u] for u in wanted)]
    audit_record(actor=actor, action="create" if group_id is None else "update", target=group, changes=changes)
    return group


@transaction.atomic
def share_group_delete(*, actor: User, group_id: int) -> None:
    require_admin(actor)
    group = ShareGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("Share group not found."))
    audit_record(actor=actor, action="delete", target=group, changes={"name": [group.name, None]})
    group.delete()


# --- API tokens ----------------------------------------------------------------------------

def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, user_id: int | None = None, name: str = "API") -> tuple[ApiToken, str]:
    """Create a personal token; the raw secret is returned once and never stored."""
    user_id = user_id or actor.pk
    if user_id != actor.pk:
        require_admin(actor)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("User not found."))
    raw = "pcrm_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=_clean_name(name), prefix=raw[:12], key_hash=token_hash(raw))
    audit_record(actor=actor, action="create_token", target=user, changes={"token": [None, token.prefix]})
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> None:
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None or (token.user_id != actor.pk and not actor.is_admin):
        raise NotFound(_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_user(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
