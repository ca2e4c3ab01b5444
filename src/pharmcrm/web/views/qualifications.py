"""Qualification screens (首营资料): the customer's 资质 tab, upload / renew / void, the document
page with its scans, the permission-checked file view, and the expiring list with export."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.files import stored_file_response
from pharmcrm.core.pagination import capped_count
from pharmcrm.customers.selectors import customer_get, customer_permissions
from pharmcrm.qualifications import rules, selectors, services
from pharmcrm.qualifications.models import DocumentState, QualificationType
from pharmcrm.qualifications.validators import mask_id_number
from pharmcrm.web.forms_qualifications import DocumentForm, ExpiringFilterForm, VoidForm
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view
from pharmcrm.web.views.qualifications_export import expiring_xlsx

TAB_URL = "{}?tab=qualifications"


def _tab_url(customer_id: int) -> str:
    return TAB_URL.format(reverse("web:customer_detail", args=[customer_id]))


# --- the customer tab ------------------------------------------------------------------------

def tab_context(request, customer, perms) -> dict:
    """Context of the 资质 tab (web/customer_tabs.py)."""
    overview = selectors.customer_overview(actor=request.user, customer=customer)
    return {"qual": overview, "qual_can_write": perms["write"], "qual_today": overview.status.on,
            "qual_window": rules.warning_window()}


# --- upload / renew --------------------------------------------------------------------------

def _write_perms(request, customer_id: int):
    customer = customer_get(actor=request.user, customer_id=customer_id)
    perms = customer_permissions(actor=request.user, customer=customer)
    if not perms["write"]:
        raise PermissionDenied(_("You may view this customer but not change its qualification documents."))
    return customer, perms


@web_view
def qualification_create(request, customer_id: int):
    customer, _perms = _write_perms(request, customer_id)
    if request.method == "POST":
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                doc = services.document_create(actor=request.user, customer_id=customer.pk,
                                               data=form.service_data(), files=form.files_list())
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("“%(doc)s” uploaded.") % {"doc": doc})
                return redirect(_tab_url(customer.pk))
        status = 400
    else:
        kind = request.GET.get("type") or ""
        form = DocumentForm(initial={"type": kind if kind in QualificationType.values else ""})
        status = 200
    return render(request, "web/qualifications/form.html",
                  {"form": form, "customer": customer, "document": None}, status=status)


def _renewal_initial(doc) -> dict:
    """A renewal usually keeps the holder, the authority, the scope and the authorised person."""
    return {name: getattr(doc, name) for name in ("title", "number", "issuing_authority", "scope", "agent_name",
                                                  "agent_id_number", "agent_products", "agent_territory")}


@web_view
def qualification_replace(request, document_id: int):
    doc = selectors.document_get(actor=request.user, document_id=document_id)
    customer, _perms = _write_perms(request, doc.customer_id)
    if doc.state != DocumentState.CURRENT:
        messages.warning(request, _("Only a current document can be replaced; this one was already replaced or voided."))
        return redirect("web:qualification_detail", document_id=doc.pk)
    if request.method == "POST":
        form = DocumentForm(request.POST, request.FILES, fixed_type=doc.type)
        if form.is_valid():
            try:
                new = services.document_replace(actor=request.user, document_id=doc.pk, data=form.service_data(),
                                                files=form.files_list())
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("“%(doc)s” renewed; the previous one is kept in the history.")
                                 % {"doc": new})
                return redirect(_tab_url(customer.pk))
        status = 400
    else:
        form = DocumentForm(initial=_renewal_initial(doc), fixed_type=doc.type)
        status = 200
    return render(request, "web/qualifications/form.html",
                  {"form": form, "customer": customer, "document": doc}, status=status)


# --- detail, void, files ---------------------------------------------------------------------

def _detail_context(request, doc, void_form=None) -> dict:
    can_write = selectors.can_write_documents(actor=request.user, customer_id=doc.customer_id)
    return {
        "doc": doc,
        "customer": doc.customer,
        "status": rules.document_status(doc) if doc.state == DocumentState.CURRENT else "",
        "days_left": rules.days_left(doc),
        "can_write": can_write,
        "id_number": doc.agent_id_number if can_write else mask_id_number(doc.agent_id_number),
        "versions": selectors.document_history(document=doc),
        "void_form": void_form or (VoidForm() if can_write and doc.state == DocumentState.CURRENT else None),
        "open_void": void_form is not None,
    }


@web_view
def qualification_detail(request, document_id: int):
    doc = selectors.document_get(actor=request.user, document_id=document_id)
    return render(request, "web/qualifications/detail.html", _detail_context(request, doc))


@web_view
def qualification_void(request, document_id: int):
    doc = selectors.document_get(actor=request.user, document_id=document_id)  # invisible: 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.document_void(actor=request.user, document_id=doc.pk, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("“%(doc)s” voided. It is kept in the history.") % {"doc": doc})
            return redirect(_tab_url(doc.customer_id))
    if not selectors.can_write_documents(actor=request.user, customer_id=doc.customer_id):
        raise PermissionDenied(_("You may view this customer but not change its qualification documents."))
    return render(request, "web/qualifications/detail.html", _detail_context(request, doc, void_form=form), status=400)


@web_view
def qualification_file(request, file_id: int):
    """A scanned file, only through this permission check (never a public URL). ``?download=1``
    sends it as an attachment; otherwise inline (image preview, PDF in the browser's viewer)."""
    f = selectors.file_get(actor=request.user, file_id=file_id)
    return stored_file_response(f, download=request.GET.get("download") == "1")


# --- expiring list ---------------------------------------------------------------------------

def _expiring_query(values: dict, **override) -> str:
    params = {
        "within": "" if values["within"] == 90 else values["within"],
        "expired": "" if values["expired"] else "0",
        "type": values["type"],
        "sort": "" if values["sort"] == "valid_to" else values["sort"],
        "size": "" if values["size"] == settings.PHARMCRM["LIST_PAGE_SIZE"] else values["size"],
    }
    params.update(override)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _expiring_qs(request):
    form = ExpiringFilterForm(request.GET)
    values = form.values()
    qs = selectors.qualifications_expiring(request.user, values["within"], include_expired=values["expired"],
                                           type=values["type"], sort=values["sort"])
    return form, values, qs


@web_view
def qualifications_expiring(request):
    form, values, qs = _expiring_qs(request)
    size = values["size"]
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    rows = list(qs[(page - 1) * size: page * size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    today = rules.today()
    for doc in rows:
        doc.status = rules.document_status(doc, on=today)
        doc.days = rules.days_left(doc, on=today)
        doc.days_ago = -doc.days if doc.days is not None else None
    count = capped_count(qs)
    sort = values["sort"]
    columns = []
    for key, label, css in (("customer", _("Customer"), ""), ("type", _("Document type"), ""),
                            ("number", _("Document number"), "d-none d-md-table-cell"),
                            ("valid_to", _("Valid to"), "text-nowrap"), ("status", _("Status"), ""),
                            ("owner", _("Owner"), "d-none d-lg-table-cell")):
        col = {"key": key, "label": label, "css": css, "sortable": key in ("customer", "type", "valid_to")}
        if col["sortable"]:
            col["dir"] = "asc" if sort == key else "desc" if sort == f"-{key}" else None
            next_sort = f"-{key}" if sort == key else key
            col["url"] = "?" + _expiring_query(values, sort="" if next_sort == "valid_to" else next_sort)
        columns.append(col)
    context = {
        "form": form, "values": values, "rows": rows, "count": count, "page": page, "has_next": has_next,
        "pages": (count.value + size - 1) // size if count.exact else None,
        "prev_url": "?" + _expiring_query(values, page=page - 1) if page > 1 else None,
        "next_url": "?" + _expiring_query(values, page=page + 1) if has_next else None,
        "size_urls": [(n, "?" + _expiring_query(values, size=n), n == size) for n in (20, 50, 100)],
        "within_urls": [(n, "?" + _expiring_query(values, within=n), n == values["within"]) for n in (7, 30, 90, 180)],
        "columns": columns,
        "export_url": reverse("web:qualifications_expiring_export") + "?" + _expiring_query(values, size=""),
        "filtered": bool(values["type"]) or not values["expired"] or values["within"] != 90,
        "today": today,
        "steps": rules.warning_days(),
    }
    return render(request, "web/qualifications/expiring.html", context)


@web_view
def qualifications_expiring_export(request):
    _form, _values, qs = _expiring_qs(request)
    content, n, capped = expiring_xlsx(qs, max_rows=settings.PHARMCRM["EXPORT_MAX_ROWS"])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="qualifications-expiring-{stamp}.xlsx"'
    response["X-Export-Rows"] = str(n)
    response["X-Export-Capped"] = "1" if capped else "0"
    return response
