"""Shared pieces of the settings area: access decorators, audit rows, the landing page."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from pharmcrm.core.audit import audit_history
from pharmcrm.org.models import Role
from pharmcrm.org.selectors import department_flat, share_group_list, user_list
from pharmcrm.org.services import require_admin
from pharmcrm.web.views.common import web_view

# Status used when a submitted form is re-rendered with errors (nothing was written).
INVALID = 400


def admin_view(view):
    """Logged in and an active administrator (``org.services.require_admin``), else 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        require_admin(request.user)  # raises PermissionDenied -> 403
        return view(request, *args, **kwargs)

    return web_view(wrapper)


def member_view(view):
    """Any logged-in user (pages about the user's own things, e.g. API tokens)."""
    return web_view(view)


def posted(request: HttpRequest):
    """The submitted data for a form, bound even when empty (``request.POST or None`` is not)."""
    return request.POST if request.method == "POST" else None


def settings_crumbs(request: HttpRequest, *items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    """Breadcrumb: 设置 / ... (the settings link only for those who may open it)."""
    home = reverse("web:settings_home") if getattr(request.user, "is_admin", False) else None
    return [(_("Settings"), home), *items]


# --- audit history ---------------------------------------------------------------------------

ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "update": gettext_lazy("Changed"),
    "delete": gettext_lazy("Deleted"),
    "set_heads": gettext_lazy("Heads changed"),
    "deactivate": gettext_lazy("Deactivated"),
    "reactivate": gettext_lazy("Reactivated"),
    "create_token": gettext_lazy("API token created"),
}

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "parent": gettext_lazy("Parent department"),
    "sort_order": gettext_lazy("Display order"),
    "heads": gettext_lazy("Heads"),
    "username": gettext_lazy("Username"),
    "full_name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Mobile"),
    "title": gettext_lazy("Job title"),
    "department": gettext_lazy("Department"),
    "is_active": pgettext_lazy("user account", "Active"),
    "roles": gettext_lazy("Roles"),
    "password": gettext_lazy("Password"),
    "description": gettext_lazy("Description"),
    "members": gettext_lazy("Members"),
    "token": gettext_lazy("API token"),
}

# Labels that depend on the kind of object ("name" of a department is not a person's name).
TYPE_FIELD_LABELS = {
    "department": {"name": gettext_lazy("Department name")},
    "sharegroup": {"name": gettext_lazy("Group name")},
}

ROLE_LABELS = dict(Role.choices)


def _display(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return str(value.get("label", value.get("id", "")))
    if isinstance(value, list):
        if field == "roles":
            return "、".join(str(ROLE_LABELS.get(v, v)) for v in value)
        return "、".join(_display(field, v) for v in value)
    if field == "password":
        return "••••••"
    return str(value)


def audit_rows(*, target_type: str, target_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The audit history of one object, ready to render: time, actor, action, changes."""
    rows = []
    labels = {**FIELD_LABELS, **TYPE_FIELD_LABELS.get(target_type, {})}
    for event in audit_history(target_type=target_type, target_id=target_id, limit=limit):
        changes = [
            {
                "field": str(labels.get(field, field)),
                "old": _display(field, pair[0] if isinstance(pair, list | tuple) and len(pair) == 2 else None),
                "new": _display(field, pair[1] if isinstance(pair, list | tuple) and len(pair) == 2 else pair),
            }
            for field, pair in (event.changes or {}).items()
        ]
        rows.append({
            "time": event.created_at,
            "actor": event.actor,
            "action": str(ACTION_LABELS.get(event.action, event.action)),
            "action_code": event.action,
            "changes": changes,
        })
    return rows


# --- landing page ----------------------------------------------------------------------------

@admin_view
def settings_home(request: HttpRequest) -> HttpResponse:
    from pharmcrm.org.selectors import UserFilters

    context = {
        "crumbs": [(_("Settings"), None)],
        "department_count": len(department_flat()),
        "active_user_count": user_list(filters=UserFilters(active=True)).count(),
        "inactive_user_count": user_list(filters=UserFilters(active=False)).count(),
        "group_count": share_group_list().count(),
    }
    return render(request, "web/settings/home.html", context)
