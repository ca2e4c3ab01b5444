"""Customer pages: list, export, detail (overview, shares, history), create/edit, delete, recycle bin."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pharmcrm.core.audit import audit_customer_history
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.pagination import capped_count
from pharmcrm.core.regions import region_label
from pharmcrm.customers import selectors, services
from pharmcrm.customers.models import Customer, CustomerShare
from pharmcrm.customers.selectors import CustomerFilters, customer_get, customer_permissions
from pharmcrm.org import visibility
from pharmcrm.org.selectors import DeptChoice, active_users, department_choices_cached, share_group_list
from pharmcrm.web import customer_tabs, export
from pharmcrm.web.forms import CustomerFilterForm, CustomerForm, ShareForm
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view

SORTABLE = {"name", "status", "owner", "created", "recent"}
_MARK = 9_876_543_210_123  # an id in a reversed URL, replaced by each row's


# --- helpers -------------------------------------------------------------------------------

def _team_view(user) -> bool:
    return user.is_admin or user.is_head


def _owner_choices(user, owner_id) -> list:
    """The owner select holds only the chosen user (the rest are looked up as the user types,
    ``web:user_lookup``). The id is checked against ``users_in_scope`` with one query."""
    if not _team_view(user):
        return [user]  # "my customers" (the desktop links here); the select itself is not shown
    if owner_id is None:
        return []
    return list(visibility.users_in_scope(user).filter(pk=owner_id)[:1])


def _department_choices(user) -> list[DeptChoice]:
    if user.is_admin:
        return department_choices_cached()
    if not user.is_head:
        return []
    heads = set(user.headed_department_ids)
    out, inside_depth = [], None
    for node in department_choices_cached():  # depth-first: a headed node is followed by its subtree
        if inside_depth is not None and node.depth <= inside_depth:
            inside_depth = None
        if inside_depth is None and node.id in heads:
            inside_depth = node.depth
        if inside_depth is not None:
            out.append(node)
    return out


def _filters(request) -> tuple[CustomerFilterForm, dict, CustomerFilters]:
    user = request.user
    owners = _owner_choices(user, int_or_none(request.GET.get("owner")))
    form = CustomerFilterForm(request.GET, owners=owners, departments=_department_choices(user))
    v = form.values()
    filters = CustomerFilters(q=v["q"], owner_id=v["owner"], department_id=v["department"], status=v["status"],
                              type=v["type"], grade=v["grade"], region=v["region"], sort=v["sort"])
    return form, v, filters


def _query(values: dict, **override) -> str:
    params = {
        "q": values["q"], "owner": values["owner"] or "", "department": values["department"] or "",
        "status": values["status"], "type": values["type"], "grade": values["grade"], "region": values["region"],
        "sort": "" if values["sort"] == "recent" else values["sort"],
        "size": "" if values["size"] == settings.PHARMCRM["LIST_PAGE_SIZE"] else values["size"],
    }
    params.update(override)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _wants_partial(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _load_customer(request, customer_id: int) -> tuple[Customer, dict[str, bool]]:
    customer = customer_get(actor=request.user, customer_id=customer_id)
    perms = customer_permissions(actor=request.user, customer=customer)
    return customer, perms


# --- list and export -----------------------------------------------------------------------

@web_view
def customer_list(request):
    form, values, filters = _filters(request)
    qs = selectors.customer_list(actor=request.user, filters=filters)
    size = values["size"]
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    rows = list(qs[(page - 1) * size: page * size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    detail_url = reverse("web:customer_detail", args=[_MARK])  # one reverse() a page, not two a row
    # the labels once a page (get_FOO_display hashes every lazy label of the choices, for every row)
    type_labels = {v: str(label) for v, label in Customer._meta.get_field("type").flatchoices}
    status_labels = {v: str(label) for v, label in Customer._meta.get_field("status").flatchoices}
    for c in rows:
        c.detail_url = detail_url.replace(str(_MARK), str(c.pk))
        c.type_label = type_labels.get(c.type, c.type)
        c.status_label = status_labels.get(c.status, c.status)
    count = capped_count(qs)
    pages = (count.value + size - 1) // size if count.exact else None
    sort = values["sort"]
    columns = []
    for key, label, css in (
        ("name", _("Customer name"), ""), ("type", _("Type"), ""), ("grade", _("Grade"), ""),
        ("status", _("Status"), ""), ("region", _("Location"), "d-none d-xl-table-cell"),
        ("owner", _("Owner"), ""), ("department", _("Department"), "d-none d-lg-table-cell"),
        ("recent", _("Last updated"), "text-nowrap"),
    ):
        col = {"key": key, "label": label, "css": css, "sortable": key in SORTABLE}
        if col["sortable"]:
            desc_first = key == "recent"
            if sort == key:
                col["dir"] = "desc" if desc_first else "asc"
                next_sort = f"-{key}"
            elif sort == f"-{key}":
                col["dir"] = "asc" if desc_first else "desc"
                next_sort = key
            else:
                next_sort = key
            col["url"] = "?" + _query(values, sort="" if next_sort == "recent" else next_sort)
        columns.append(col)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    context = {
        "form": form,
        "values": values,
        "rows": rows,
        "count": count,
        "page": page,
        "pages": pages,
        "has_next": has_next,
        "prev_url": "?" + _query(values, page=page - 1) if page > 1 else None,
        "next_url": "?" + _query(values, page=page + 1) if has_next else None,
        "size_urls": [(n, "?" + _query(values, size=n), n == size) for n in (20, 50, 100)],
        "columns": columns,
        "export_url": reverse("web:customer_export") + "?" + _query(values, size=""),
        "export_capped": count.value > max_rows,
        "export_max_rows": max_rows,
        "filtered": any(values[k] for k in ("q", "owner", "department", "status", "type", "grade", "region")),
        "team_view": _team_view(request.user),
        "can_transfer": _team_view(request.user),
        "query": _query(values),
    }
    return render(request, "web/customers/list.html", context)


@web_view
def customer_export(request):
    _form, _values, filters = _filters(request)
    qs = selectors.customer_list(actor=request.user, filters=filters)
    content, _n, _capped = export.customers_xlsx(qs, max_rows=settings.PHARMCRM["EXPORT_MAX_ROWS"])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.xlsx"'
    response["X-Export-Rows"] = str(_n)
    response["X-Export-Capped"] = "1" if _capped else "0"
    return response


# --- detail --------------------------------------------------------------------------------

@functools.cache
def _event_model(target_type: str):
    """The model of an audited object (a profile row, a contact, ...): its field names and choices
    label the history's changes. Customer when unknown."""
    from django.apps import apps

    return next((m for m in apps.get_models() if m._meta.model_name == target_type), Customer)


def _display(field_name: str, value, model=Customer) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return str(value.get("label", value.get("id", "")))
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if field_name == "access":
        return str(dict(CustomerShare.Access.choices).get(value, value))
    if field_name == "region_code":
        return region_label(value)
    try:
        field = model._meta.get_field(field_name)
    except Exception:
        return str(value)
    if getattr(field, "choices", None):  # a reverse relation (merged_from, ...) has none
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _field_label(name: str, model=Customer) -> str:
    if name == "shared_with":
        return _("Shared with")
    if name == "access":
        return _("Access")
    if name in getattr(model, "AUDIT_LABELS", {}):  # keys a model records that are not fields
        return str(model.AUDIT_LABELS[name])
    if name in CHANGE_LABELS:
        return _(CHANGE_LABELS[name])
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))
    except Exception:
        return name


ACTION_LABELS = {
    # contacts (contacts/services.py); the target label is the person's name
    "contact_create": gettext_noop("Contact added"),
    "contact_update": gettext_noop("Contact details changed"),
    "contact_delete": gettext_noop("Contact moved to the recycle bin"),
    "contact_restore": gettext_noop("Contact restored"),
    "employment_start": gettext_noop("Started working here"),
    "employment_update": gettext_noop("Employment changed"),
    "employment_end": gettext_noop("Left (employment ended)"),
    "contact_move_out": gettext_noop("Moved to another company"),
    "contact_move_in": gettext_noop("Joined from another company"),
    "create": gettext_noop("Created"),
    "update": gettext_noop("Edited"),
    "delete": gettext_noop("Moved to the recycle bin"),
    "restore": gettext_noop("Restored"),
    "share": gettext_noop("Shared"),
    "share_update": gettext_noop("Changed share access"),
    "unshare": gettext_noop("Withdrew share"),
    "transfer": gettext_noop("Transferred"),
    "pool_release": gettext_noop("Released to the public pool"),
    "pool_recycle": gettext_noop("Returned to the public pool automatically"),
    "pool_claim": gettext_noop("Claimed from the public pool"),
    "pool_assign": gettext_noop("Assigned from the public pool"),
    "pool_warning": gettext_noop("Reminder: returns to the public pool soon"),
    "pool_exempt": gettext_noop("Exempted from returning to the public pool"),
    "pool_unexempt": gettext_noop("Follows the public pool rules again"),
    "merge": gettext_noop("Merged another customer into this one"),
    "merged_into": gettext_noop("Merged into another customer"),
    "conflict_raise": gettext_noop("Raised a duplicate conflict"),
    "conflict_withdraw": gettext_noop("Withdrew a duplicate conflict"),
    "conflict_decide": gettext_noop("Decided a duplicate conflict"),
    "qualification_upload": gettext_noop("Uploaded qualification document"),
    "qualification_replace": gettext_noop("Renewed qualification document"),
    "qualification_void": gettext_noop("Voided qualification document"),
    # the 360° profile (customers/profile_*.py); the target label names the section
    "profile_add": gettext_noop("Added"),
    "profile_update": gettext_noop("Edited"),
    "profile_remove": gettext_noop("Removed"),
    "address_default": gettext_noop("Set as the default address"),
    "address_deactivate": gettext_noop("Deactivated"),
    "address_reactivate": gettext_noop("Reactivated"),
    # agency agreements (agency/services); the target label is the agreement number
    "agreement_create": gettext_noop("Created agency agreement"),
    "agreement_update": gettext_noop("Edited agency agreement"),
    "agreement_activate": gettext_noop("Put agency agreement in force"),
    "agreement_terminate": gettext_noop("Terminated agency agreement"),
    "agreement_expire": gettext_noop("Agency agreement expired"),
    "agreement_line_add": gettext_noop("Added a product to the agreement"),
    "agreement_line_update": gettext_noop("Changed a product of the agreement"),
    "agreement_line_remove": gettext_noop("Removed a product from the agreement"),
    "agreement_region_add": gettext_noop("Added a region to the agreement"),
    "agreement_region_remove": gettext_noop("Removed a region from the agreement"),
    "agreement_hospital_add": gettext_noop("Added a hospital to the agreement"),
    "agreement_hospital_remove": gettext_noop("Removed a hospital from the agreement"),
    "agreement_deposit": gettext_noop("Recorded the deposit"),
}


# labels of change keys that are not customer fields (customers.merge, customers.conflicts)
CHANGE_LABELS = {
    "merged_from": gettext_noop("Merged from"),
    "moved_records": gettext_noop("Records moved"),
    "kept_on_source": gettext_noop("Left on the merged customer"),
    "filled_fields": gettext_noop("Fields filled in"),
    "claimant": gettext_noop("Claimant"),
    "matched_on": gettext_noop("Matched on"),
    "reason": gettext_noop("Reason"),
    "conflict_status": gettext_noop("Status of the conflict"),
    "decision_note": gettext_noop("Decision note"),
}


def _history(customer_id: int) -> list[dict]:
    rows = []
    for event in audit_customer_history(customer_id=customer_id):
        model = _event_model(event.target_type)
        changes = [
            {"label": _field_label(name, model), "old": _display(name, pair[0] if pair else None, model),
             "new": _display(name, pair[1] if pair and len(pair) > 1 else None, model)}
            for name, pair in (event.changes or {}).items()
            if name != "search_text"
        ]
        label = ACTION_LABELS.get(event.action)
        rows.append({
            "event": event,
            "action": _(label) if label else event.action,
            "target": event.target_label if event.target_type != "customer" else "",
            "changes": changes,
        })
    return rows


def _share_form(request, customer: Customer, data=None) -> ShareForm:
    # Only the chosen user is an option (others are looked up as the user types, web:user_lookup);
    # the posted id is checked against the active users with one query.
    kind, _sep, pk = ((data or {}).get("target") or "").partition(":")
    user_id = int_or_none(pk) if kind == "u" else None
    users = active_users().exclude(pk=customer.owner_id).filter(pk=user_id) if user_id else []
    return ShareForm(data, users=users, groups=share_group_list())


def _overview(customer: Customer) -> list[tuple[str, str]]:
    rows = []
    for name in ("name", "short_name", "type", "status", "grade", "source", "credit_code", "phone",
                 "region_code", "address", "owner", "owner_department", "created_by", "created_at",
                 "updated_at", "notes"):
        field = Customer._meta.get_field(name)
        value = getattr(customer, name)
        if field.choices:
            value = getattr(customer, f"get_{name}_display")()
        if name == "region_code":  # 浙江省 杭州市 西湖区, from memory
            rows.append((name, _("Location"), region_label(value)))
            continue
        rows.append((name, capfirst(str(field.verbose_name)), value))
    return rows


@web_view
def customer_detail(request, customer_id: int):
    customer, perms = _load_customer(request, customer_id)
    tab, tabs = customer_tabs.tab_get(request, customer, perms, request.GET.get("tab"))
    context = {"customer": customer, "perms": perms, "tab": tab.key, "tab_obj": tab, "tabs": tabs}
    context.update(tab.load_context(request, customer, perms))
    return render(request, "web/customers/detail.html", context)


def overview_context(request, customer, perms) -> dict:
    from pharmcrm.web.views.customer_profile import profile_context  # the 360° profile's cards

    return {"overview": _overview(customer), **profile_context(request, customer, perms)}


def history_context(request, customer, perms) -> dict:
    return {"history": _history(customer.pk)}


def shares_tab_context(request, customer, perms) -> dict:
    return _shares_context(request, customer, perms)


def _shares_context(request, customer, perms, form=None, open_dialog=False) -> dict:
    return {
        "customer": customer,
        "perms": perms,
        "shares": list(selectors.customer_shares(actor=request.user, customer_id=customer.pk)),
        "share_form": form or (_share_form(request, customer) if perms["manage"] else None),
        "open_dialog": open_dialog,
    }


@web_view
def customer_shares(request, customer_id: int):
    """GET: the shares panel. POST: add (or change) a share; htmx gets the panel back."""
    customer, perms = _load_customer(request, customer_id)
    if request.method == "POST":
        if not perms["manage"]:
            raise PermissionDenied(_("Only the owner, their heads or an administrator may do this."))
        form = _share_form(request, customer, request.POST)
        if form.is_valid():
            user_id, group_id = form.target_ids()
            try:
                services.share_create(actor=request.user, customer_id=customer.pk, user_id=user_id,
                                      group_id=group_id, access=form.cleaned_data["access"])
            except ApplicationError as exc:
                apply_errors(form, exc, {"user_id": "target", "group_id": "target"})
            else:
                messages.success(request, _("Shared."))
                if not _wants_partial(request):
                    return redirect(reverse("web:customer_detail", args=[customer.pk]) + "?tab=shares")
                return render(request, "web/customers/_shares.html", _shares_context(request, customer, perms))
        ctx = _shares_context(request, customer, perms, form=form, open_dialog=True)
        status = 200 if _wants_partial(request) else 400
        if _wants_partial(request):
            return render(request, "web/customers/_shares.html", ctx)
        tab, tabs = customer_tabs.tab_get(request, customer, perms, "shares")
        ctx.update({"tab": tab.key, "tab_obj": tab, "tabs": tabs})
        return render(request, "web/customers/detail.html", ctx, status=status)
    if _wants_partial(request):
        return render(request, "web/customers/_shares.html", _shares_context(request, customer, perms))
    return redirect(reverse("web:customer_detail", args=[customer.pk]) + "?tab=shares")


@web_view
def customer_share_delete(request, customer_id: int, share_id: int):
    customer, perms = _load_customer(request, customer_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.share_delete(actor=request.user, customer_id=customer.pk, share_id=share_id)
    messages.success(request, _("Share withdrawn."))
    if _wants_partial(request):
        return render(request, "web/customers/_shares.html", _shares_context(request, customer, perms))
    return redirect(reverse("web:customer_detail", args=[customer.pk]) + "?tab=shares")


# --- create / edit / delete ----------------------------------------------------------------

def _owners_for_create(user, owner_id):
    """The owner select holds only the chosen owner (looked up remotely); one query checks the id."""
    if not _team_view(user):
        return None
    if owner_id is None:
        return []
    return list(visibility.users_in_scope(user).filter(is_active=True, pk=owner_id).select_related("department"))


@web_view
def customer_create(request):
    owner_id = int_or_none(request.POST.get("owner")) if request.method == "POST" else request.user.pk
    owners = _owners_for_create(request.user, owner_id)
    matches = []  # the duplicate check's matches (customers.duplicates), shown under the form
    if request.method == "POST":
        form = CustomerForm(request.POST, owners=owners)
        if form.is_valid():
            try:
                customer = services.customer_create(
                    actor=request.user, data=form.service_data(), owner_id=form.cleaned_data.get("owner"),
                )
            except ApplicationError as exc:
                apply_errors(form, exc, {"owner_id": "owner"})
                matches = getattr(exc, "matches", [])
            else:
                messages.success(request, _("Customer “%(name)s” created.") % {"name": customer.name})
                return redirect("web:customer_detail", customer_id=customer.pk)
        status = 400
    else:
        form = CustomerForm(owners=owners, initial={"owner": request.user.pk})
        status = 200
    return render(request, "web/customers/form.html", {"form": form, "customer": None, "duplicates": matches},
                  status=status)


@web_view
def customer_edit(request, customer_id: int):
    customer, perms = _load_customer(request, customer_id)
    if not perms["write"]:
        raise PermissionDenied(_("You may view this customer but not change it."))
    matches = []  # the duplicate check's matches (customers.duplicates), shown under the form
    if request.method == "POST":
        form = CustomerForm(request.POST)
        if form.is_valid():
            try:
                services.customer_update(actor=request.user, customer_id=customer.pk, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc)
                matches = getattr(exc, "matches", [])
            else:
                messages.success(request, _("Changes saved."))
                return redirect("web:customer_detail", customer_id=customer.pk)
        status = 400
    else:
        form = CustomerForm(initial={name: getattr(customer, name) for name in CustomerForm.FIELDS})
        status = 200
    return render(request, "web/customers/form.html", {"form": form, "customer": customer, "duplicates": matches},
                  status=status)


@web_view
def customer_delete(request, customer_id: int):
    if request.method != "POST":
        customer_get(actor=request.user, customer_id=customer_id)  # invisible: 404 before anything else
        return HttpResponseNotAllowed(["POST"])
    customer = services.customer_delete(actor=request.user, customer_id=customer_id)
    messages.success(request, _("“%(name)s” was moved to the recycle bin. You can restore it from there.")
                     % {"name": customer.name})
    return redirect("web:customer_list")


@web_view
def customer_restore(request, customer_id: int):
    if request.method != "POST":
        if not selectors.customer_recycle_bin(actor=request.user).filter(pk=customer_id).exists():
            raise Http404
        return HttpResponseNotAllowed(["POST"])
    try:
        customer = services.customer_restore(actor=request.user, customer_id=customer_id)
    except ApplicationError as exc:  # e.g. merged into another customer (customers.merge)
        messages.error(request, exc.message)
        return redirect("web:customer_recycle_bin")
    messages.success(request, _("“%(name)s” was restored.") % {"name": customer.name})
    return redirect("web:customer_detail", customer_id=customer.pk)


@web_view
def customer_recycle_bin(request):
    qs = selectors.customer_recycle_bin(actor=request.user)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    size = settings.PHARMCRM["LIST_PAGE_SIZE"]
    rows = list(qs[(page - 1) * size: page * size + 1])
    has_next = len(rows) > size
    return render(request, "web/customers/recycle_bin.html", {
        "rows": rows[:size], "count": capped_count(qs), "page": page,
        "prev_url": f"?page={page - 1}" if page > 1 else None,
        "next_url": f"?page={page + 1}" if has_next else None,
    })
