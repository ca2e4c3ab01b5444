"""Settings: the department tree (create, rename, move, heads, delete-if-empty, history)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pharmcrm.core.errors import ApplicationError
from pharmcrm.org import services
from pharmcrm.org.selectors import (
    UserFilters,
    active_users,
    department_flat,
    department_get,
    department_path,
    department_tree,
    user_list,
)
from pharmcrm.web.forms_settings import DepartmentForm, DepartmentHeadsForm
from pharmcrm.web.views.common import apply_errors
from pharmcrm.web.views.settings_common import INVALID, admin_view, audit_rows, posted, settings_crumbs

MEMBERS_SHOWN = 50


def _crumbs(request, *items):
    return settings_crumbs(request, (_("Departments"), reverse("web:settings_departments")), *items)


def _node_for(flat, department_id: int):
    return next((n for n in flat if n.department.pk == department_id), None)


@admin_view
def departments(request: HttpRequest) -> HttpResponse:
    tree = department_tree()
    flat = department_flat()
    context = {
        "crumbs": settings_crumbs(request, (_("Departments"), None)),
        "tree": tree,
        "department_count": len(flat),
        "member_total": sum(n.member_count for n in flat),
    }
    return render(request, "web/settings/departments.html", context)


@admin_view
@require_http_methods(["GET", "POST"])
def department_new(request: HttpRequest) -> HttpResponse:
    flat = department_flat()
    initial = {}
    parent_param = request.GET.get("parent", "")
    if parent_param.isdigit() and _node_for(flat, int(parent_param)):
        initial["parent"] = int(parent_param)
    form = DepartmentForm(posted(request), departments=flat, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dept = services.department_create(
                actor=request.user, name=data["name"], parent_id=data["parent"], sort_order=data["sort_order"] or 0,
            )
        except ApplicationError as exc:
            apply_errors(form, exc, {"parent_id": "parent"})
        else:
            messages.success(request, _("Department “%(name)s” created.") % {"name": dept.name})
            return redirect("web:settings_department", department_id=dept.pk)
    context = {"crumbs": _crumbs(request, (_("New department"), None)), "form": form}
    status = INVALID if request.method == "POST" else 200
    return render(request, "web/settings/department_new.html", context, status=status)


def _detail(request: HttpRequest, department_id: int, *, form=None, heads_form=None, status: int = 200):
    dept = department_get(department_id=department_id)
    flat = department_flat()
    node = _node_for(flat, dept.pk)
    if form is None:
        form = DepartmentForm(
            departments=flat,
            initial={"name": dept.name, "parent": dept.parent_id, "sort_order": dept.sort_order},
        )
    if heads_form is None:
        heads_form = DepartmentHeadsForm(users=active_users(), initial={"heads": [u.pk for u in node.heads]})
    members_qs = user_list(filters=UserFilters(department_id=dept.pk, active=True))
    members = list(members_qs[:MEMBERS_SHOWN])
    path = department_path(dept)
    context = {
        "crumbs": _crumbs(request, *[(d.name, reverse("web:settings_department", args=[d.pk])) for d in path[:-1]],
                          (dept.name, None)),
        "department": dept,
        "node": node,
        "path": path,
        "form": form,
        "heads_form": heads_form,
        "members": members,
        "member_count": members_qs.count(),
        "members_shown": MEMBERS_SHOWN,
        "history": audit_rows(target_type="department", target_id=dept.pk),
    }
    return render(request, "web/settings/department_detail.html", context, status=status)


@admin_view
@require_http_methods(["GET", "POST"])
def department_detail(request: HttpRequest, department_id: int) -> HttpResponse:
    """The department page; POST saves name, parent (a move) and order."""
    if request.method == "GET":
        return _detail(request, department_id)
    dept = department_get(department_id=department_id)
    form = DepartmentForm(request.POST, departments=department_flat())
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.department_update(
                actor=request.user, department_id=dept.pk, name=data["name"], parent_id=data["parent"],
                sort_order=data["sort_order"] if data["sort_order"] is not None else dept.sort_order,
            )
        except ApplicationError as exc:
            apply_errors(form, exc, {"parent_id": "parent"})
        else:
            messages.success(request, _("Department saved."))
            return redirect("web:settings_department", department_id=dept.pk)
    return _detail(request, dept.pk, form=form, status=INVALID)


@admin_view
@require_POST
def department_heads(request: HttpRequest, department_id: int) -> HttpResponse:
    dept = department_get(department_id=department_id)
    form = DepartmentHeadsForm(request.POST, users=active_users())
    if form.is_valid():
        try:
            services.department_set_heads(actor=request.user, department_id=dept.pk, user_ids=form.cleaned_data["heads"])
        except ApplicationError as exc:
            apply_errors(form, exc, {"head_ids": "heads"})
        else:
            messages.success(request, _("Heads of “%(name)s” saved.") % {"name": dept.name})
            return redirect("web:settings_department", department_id=dept.pk)
    return _detail(request, dept.pk, heads_form=form, status=INVALID)


@admin_view
@require_http_methods(["GET", "POST"])
def department_delete(request: HttpRequest, department_id: int) -> HttpResponse:
    dept = department_get(department_id=department_id)
    error = None
    if request.method == "POST":
        try:
            services.department_delete(actor=request.user, department_id=dept.pk)
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Department “%(name)s” deleted.") % {"name": dept.name})
            return redirect("web:settings_departments")
    node = _node_for(department_flat(), dept.pk)
    context = {
        "crumbs": _crumbs(request, (dept.name, reverse("web:settings_department", args=[dept.pk])),
                          (_("Delete"), None)),
        "department": dept,
        "node": node,
        "error": error,
    }
    return render(request, "web/settings/department_delete.html", context, status=INVALID if error else 200)
