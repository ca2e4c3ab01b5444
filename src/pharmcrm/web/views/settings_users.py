"""Settings: users (list with filters and export, form, detail with history, (de)activation)."""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from pharmcrm.core.errors import ApplicationError
from pharmcrm.org import services
from pharmcrm.org.models import Role
from pharmcrm.org.selectors import (
    UserFilters,
    active_users,
    department_flat,
    user_get,
    user_list,
    user_owned_customer_count,
)
from pharmcrm.web.forms_settings import UserDeactivateForm, UserFilterForm, UserForm
from pharmcrm.web.views.common import apply_errors
from pharmcrm.web.views.settings_common import INVALID, admin_view, audit_rows, posted, settings_crumbs

ROLE_LABELS = dict(Role.choices)
PAGE_SIZES = (20, 50, 100)


def _crumbs(request, *items):
    return settings_crumbs(request, (_("Users"), reverse("web:settings_users")), *items)


def _filters(request: HttpRequest, flat) -> tuple[UserFilterForm, UserFilters]:
    form = UserFilterForm(request.GET, departments=flat)
    v = form.values()
    active = {"active": True, "inactive": False}.get(v["status"])
    return form, UserFilters(q=v["q"], department_id=v["department"], role=v["role"], active=active)


def _role_labels(user) -> list[str]:
    return [str(ROLE_LABELS.get(r.role, r.role)) for r in user.roles.all()]


def _headed(user) -> list:
    return [link.department for link in user.head_links.all()]


@admin_view
def users(request: HttpRequest) -> HttpResponse:
    flat = department_flat()
    form, filters = _filters(request, flat)
    qs = user_list(filters=filters)
    try:
        page_size = int(request.GET.get("page_size", ""))
    except ValueError:
        page_size = settings.PHARMCRM["LIST_PAGE_SIZE"]
    if page_size not in PAGE_SIZES:
        page_size = PAGE_SIZES[0]
    page = Paginator(qs, page_size).get_page(request.GET.get("page"))
    rows = [{"user": u, "roles": _role_labels(u), "headed": _headed(u)} for u in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    size_links = []
    for n in PAGE_SIZES:
        p = params.copy()
        p["page_size"] = str(n)
        size_links.append((n, "?" + p.urlencode(), n == page_size))
    export_params = params.copy()
    export_params.pop("page_size", None)
    context = {
        "crumbs": settings_crumbs(request, (_("Users"), None)),
        "filter_form": form,
        "page": page,
        "rows": rows,
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "size_links": size_links,
        "querystring": params.urlencode(),
        "export_querystring": export_params.urlencode(),
        "filtered": any(request.GET.get(k) for k in ("q", "department", "role", "status")),
    }
    return render(request, "web/settings/users.html", context)


@admin_view
def users_export(request: HttpRequest) -> HttpResponse:
    """The filtered user list as an Excel workbook (exactly the rows the filters select)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    _form, filters = _filters(request, department_flat())
    qs = user_list(filters=filters)[: settings.PHARMCRM["EXPORT_MAX_ROWS"]]
    wb = Workbook()
    ws = wb.active
    ws.title = _("Users")[:31]
    headers = [_("Username"), _("Name"), _("Department"), _("Job title"), _("Mobile"), _("Email"), _("Roles"),
               _("Head of"), _("Status"), _("Last login")]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    tz = timezone.get_current_timezone()
    for u in qs:
        ws.append([
            u.username,
            u.full_name,
            u.department.name if u.department else "",
            u.title,
            u.phone,
            u.email,
            "、".join(_role_labels(u)),
            "、".join(d.name for d in _headed(u)),
            pgettext("user account", "Active") if u.is_active else _("Deactivated"),
            timezone.localtime(u.last_login, tz).strftime("%Y-%m-%d %H:%M") if u.last_login else "",
        ])
    for letter, width in zip("ABCDEFGHIJ", (16, 12, 18, 14, 16, 26, 24, 20, 8, 18), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    buffer = BytesIO()
    wb.save(buffer)
    filename = f"users-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin_view
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    flat = department_flat()
    initial = {"roles": [Role.SALES_REP]}
    dept_param = request.GET.get("department", "")
    if dept_param.isdigit():
        initial["department"] = int(dept_param)
    form = UserForm(posted(request), departments=flat, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user, username=data["username"], full_name=data["full_name"],
                password=data["password"], department_id=data["department"], email=data["email"],
                phone=data["phone"], title=data["title"], roles=data["roles"],
            )
        except ApplicationError as exc:
            apply_errors(form, exc, UserForm.ERROR_MAP)
        else:
            messages.success(request, _("User “%(name)s” created.") % {"name": user})
            return redirect("web:settings_user", user_id=user.pk)
    context = {"crumbs": _crumbs(request, (_("New user"), None)), "form": form, "editing": False}
    return render(request, "web/settings/user_form.html", context, status=INVALID if request.method == "POST" else 200)


@admin_view
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = user_get(user_id=user_id)
    initial = {
        "username": user.username, "full_name": user.full_name, "email": user.email, "phone": user.phone,
        "title": user.title, "department": user.department_id,
        "roles": sorted(user.roles.values_list("role", flat=True)),
    }
    form = UserForm(posted(request), departments=department_flat(), initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user, user_id=user.pk, full_name=data["full_name"], email=data["email"],
                phone=data["phone"], title=data["title"], department_id=data["department"], roles=data["roles"],
                password=data["password"] or None,
            )
        except ApplicationError as exc:
            apply_errors(form, exc, UserForm.ERROR_MAP)
        else:
            messages.success(request, _("User “%(name)s” saved.") % {"name": data["full_name"]})
            return redirect("web:settings_user", user_id=user.pk)
    context = {
        "crumbs": _crumbs(request, (str(user), reverse("web:settings_user", args=[user.pk])), (_("Edit"), None)),
        "form": form, "editing": True, "subject": user,
    }
    return render(request, "web/settings/user_form.html", context, status=INVALID if request.method == "POST" else 200)


@admin_view
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    user = user_get(user_id=user_id)
    context = {
        "crumbs": _crumbs(request, (str(user), None)),
        "subject": user,
        "roles": _role_labels(user),
        "headed": _headed(user),
        "owned_count": user_owned_customer_count(user_id=user.pk),
        "is_self": user.pk == request.user.pk,
        "history": audit_rows(target_type="user", target_id=user.pk),
    }
    return render(request, "web/settings/user_detail.html", context)


@admin_view
@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    """Block a user's login. If they own customers, a successor takes over all of them first."""
    user = user_get(user_id=user_id)
    if not user.is_active:
        messages.info(request, _("%(name)s is already deactivated.") % {"name": user})
        return redirect("web:settings_user", user_id=user.pk)
    owned = user_owned_customer_count(user_id=user.pk)
    candidates = active_users().exclude(pk=user.pk)
    form = UserDeactivateForm(posted(request), users=candidates, successor_required=owned > 0)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_deactivate(actor=request.user, user_id=user.pk,
                                     successor_id=form.cleaned_data["successor"] if owned else None)
        except ApplicationError as exc:
            apply_errors(form, exc, UserDeactivateForm.ERROR_MAP)
        else:
            if owned:
                messages.success(request, _("%(name)s was deactivated; %(n)d customers were transferred.") % {
                    "name": user, "n": owned})
            else:
                messages.success(request, _("%(name)s was deactivated.") % {"name": user})
            return redirect("web:settings_user", user_id=user.pk)
    context = {
        "crumbs": _crumbs(request, (str(user), reverse("web:settings_user", args=[user.pk])),
                          (_("Deactivate"), None)),
        "subject": user,
        "owned_count": owned,
        "form": form,
        "is_self": user.pk == request.user.pk,
        "confirm_text": (
            _("Transfer all %(n)d customers of %(name)s, with their contacts, follow-ups, orders and everything "
              "else, to {successor} and deactivate %(name)s?") % {"n": owned, "name": user}
            if owned else _("Deactivate %(name)s? They will no longer be able to log in.") % {"name": user}
        ),
    }
    status = INVALID if request.method == "POST" else 200
    return render(request, "web/settings/user_deactivate.html", context, status=status)


@admin_view
@require_POST
def user_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = user_get(user_id=user_id)
    services.user_reactivate(actor=request.user, user_id=user.pk)
    messages.success(request, _("%(name)s can log in again.") % {"name": user})
    return redirect("web:settings_user", user_id=user.pk)
