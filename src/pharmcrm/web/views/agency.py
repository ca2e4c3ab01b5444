"""Agency agreement pages: the list (filters, export), create/edit of the header, the detail page
(lines, territory, deposit, actions, history), the customer tab, and the look-ups behind the
remote selects. The actions that post from the detail page are in ``agency_actions``."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.agency import availability, selectors, services
from pharmcrm.agency.models import AGENT_TYPES, TERMINAL_TYPES, AgreementStatus, DepositStatus
from pharmcrm.agency.selectors import AgreementFilters
from pharmcrm.agency.services._common import DEPOSIT_NEXT
from pharmcrm.core.audit import audit_history
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.pagination import capped_count
from pharmcrm.org import visibility
from pharmcrm.web.forms_agency import (
    AgreementFilterForm,
    AgreementForm,
    DepositForm,
    HospitalAddForm,
    LineForm,
    RegionAddForm,
    TerminateForm,
)
from pharmcrm.web.views.agency_history import history_rows
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view

STATUS_CLASS = {
    AgreementStatus.DRAFT: "tag-blue", AgreementStatus.ACTIVE: "tag-green",
    AgreementStatus.EXPIRED: "tag-grey", AgreementStatus.TERMINATED: "tag-red",
}
DEPOSIT_CLASS = {
    DepositStatus.UNPAID: "tag-amber", DepositStatus.PAID: "tag-green", DepositStatus.PARTLY_REFUNDED: "tag-blue",
    DepositStatus.REFUNDED: "tag-grey", DepositStatus.FORFEITED: "tag-red",
}
SORTABLE = [("number", "Agreement number"), ("agent", "Agent"), ("start", "Term"), ("end", "Term")]
LOOKUP_MAX = 20


def decorate(agreement) -> None:
    """Presentation attributes for templates (tag classes)."""
    agreement.status_class = STATUS_CLASS.get(agreement.status, "tag-grey")
    agreement.deposit_class = DEPOSIT_CLASS.get(agreement.deposit_status, "tag-grey")


# --- list and export -----------------------------------------------------------------------

def _filters(request) -> tuple[AgreementFilterForm, dict, AgreementFilters]:
    product_id = int_or_none(request.GET.get("product"))
    products = []
    if product_id:
        from pharmcrm.catalog.models import Product

        products = list(Product.objects.filter(pk=product_id))
    form = AgreementFilterForm(request.GET, products=products)
    v = form.values()
    filters = AgreementFilters(
        q=v["q"], status=v["status"], product_id=v["product"], region_code=v["region"],
        exclusive={"1": True, "0": False}.get(v["exclusive"]),
        expiring_days=int(v["expiring"]) if v["expiring"] else None, sort=v["sort"],
    )
    return form, v, filters


def _query(values: dict, **override) -> str:
    params = {
        "q": values["q"], "status": values["status"], "product": values["product"] or "",
        "region": values["region"], "exclusive": values["exclusive"], "expiring": values["expiring"],
        "sort": "" if values["sort"] == "recent" else values["sort"],
        "size": "" if values["size"] == settings.PHARMCRM["LIST_PAGE_SIZE"] else values["size"],
    }
    params.update(override)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


@web_view
def agreement_list(request):
    form, values, filters = _filters(request)
    qs = selectors.agreement_list(actor=request.user, filters=filters)
    size = values["size"]
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    rows = list(selectors.with_details(qs)[(page - 1) * size: page * size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    for a in rows:
        decorate(a)
    count = capped_count(qs)
    pages = (count.value + size - 1) // size if count.exact else None
    sort = values["sort"]
    columns = []
    for key, label in SORTABLE:
        if sort == key:
            col = {"key": key, "label": _(label), "dir": "asc", "url": "?" + _query(values, sort=f"-{key}")}
        elif sort == f"-{key}":
            col = {"key": key, "label": _(label), "dir": "desc", "url": "?" + _query(values, sort=key)}
        else:
            col = {"key": key, "label": _(label), "dir": None, "url": "?" + _query(values, sort=key)}
        columns.append(col)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    return render(request, "web/agency/list.html", {
        "form": form, "values": values, "rows": rows, "count": count, "page": page, "pages": pages,
        "has_next": has_next, "columns": {c["key"]: c for c in columns},
        "prev_url": "?" + _query(values, page=page - 1) if page > 1 else None,
        "next_url": "?" + _query(values, page=page + 1) if has_next else None,
        "size_urls": [(n, "?" + _query(values, size=n), n == size) for n in (20, 50, 100)],
        "export_url": reverse("web:agreement_export") + "?" + _query(values, size=""),
        "export_capped": count.value > max_rows, "export_max_rows": max_rows,
        "filtered": any(values[k] for k in ("q", "status", "product", "region", "exclusive", "expiring")),
        "query": _query(values),
    })


@web_view
def agreement_export(request):
    from pharmcrm.web.views.agency_export import agreements_xlsx

    _form, _values, filters = _filters(request)
    qs = selectors.with_details(selectors.agreement_list(actor=request.user, filters=filters))
    content, n, capped = agreements_xlsx(qs, max_rows=settings.PHARMCRM["EXPORT_MAX_ROWS"])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="agreements-{stamp}.xlsx"'
    response["X-Export-Rows"] = str(n)
    response["X-Export-Capped"] = "1" if capped else "0"
    return response


# --- create / edit -------------------------------------------------------------------------

def _writable_agent(request, agent_id):
    if agent_id is None:
        return None
    return visibility.writable_customers(request.user).filter(pk=agent_id, type__in=AGENT_TYPES).first()


@web_view
def agreement_create(request):
    source = request.POST if request.method == "POST" else request.GET
    agent = _writable_agent(request, int_or_none(source.get("agent")))
    if request.method == "POST":
        form = AgreementForm(request.POST, agents=[agent] if agent else [])
        if form.is_valid():
            try:
                agreement = services.agreement_create(actor=request.user, agent_id=form.cleaned_data["agent"],
                                                      data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc, {"agent_id": "agent"})
            else:
                messages.success(request, _("Draft agreement %(number)s created. Now add its products and territory.")
                                 % {"number": agreement.number})
                return redirect("web:agreement_detail", agreement_id=agreement.pk)
        status = 400
    else:
        today = timezone.localdate()
        initial = {"agent": agent.pk if agent else None, "start_date": today,
                   "end_date": today.replace(year=today.year + 1) - datetime.timedelta(days=1)
                   if not (today.month == 2 and today.day == 29) else today + datetime.timedelta(days=364)}
        form = AgreementForm(agents=[agent] if agent else [], initial=initial)
        status = 200
    return render(request, "web/agency/form.html", {"form": form, "agreement": None, "agent": agent},
                  status=status)


LOCKED = {
    AgreementStatus.ACTIVE: ("number", "exclusive"),
    AgreementStatus.EXPIRED: tuple(AgreementForm.FIELDS[:-1]),
    AgreementStatus.TERMINATED: tuple(AgreementForm.FIELDS[:-1]),
}


@web_view
def agreement_edit(request, agreement_id: int):
    agreement = selectors.agreement_get(actor=request.user, agreement_id=agreement_id)
    perms = selectors.agreement_permissions(actor=request.user, agreement=agreement)
    if not perms["write"]:
        raise PermissionDenied(_("You may view this agreement but not change it."))
    locked = list(LOCKED.get(agreement.status, ()))
    if agreement.deposit_status != DepositStatus.UNPAID:
        locked.append("deposit_amount")
    initial = {name: getattr(agreement, name) for name in AgreementForm.FIELDS}
    if request.method == "POST":
        form = AgreementForm(request.POST, locked=locked, initial=initial)
        if form.is_valid():
            try:
                services.agreement_update(actor=request.user, agreement_id=agreement.pk, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc)
                conflicts = getattr(exc, "conflicts", None)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("web:agreement_detail", agreement_id=agreement.pk)
            return render(request, "web/agency/form.html",
                          {"form": form, "agreement": agreement, "conflicts": conflicts}, status=400)
        status = 400
    else:
        form = AgreementForm(initial=initial, locked=locked)
        status = 200
    return render(request, "web/agency/form.html", {"form": form, "agreement": agreement}, status=status)


# --- detail --------------------------------------------------------------------------------

def detail_context(request, agreement, **forms) -> dict:
    perms = selectors.agreement_permissions(actor=request.user, agreement=agreement)
    decorate(agreement)
    visible_hospitals = set(visibility.visible_customers(request.user).filter(
        pk__in=[h.hospital_id for h in agreement.hospitals.all()]).values_list("pk", flat=True))
    conflicts = forms.pop("conflicts", None)
    if conflicts is None and perms["activate"] and agreement.exclusive:
        conflicts = selectors.agreement_conflicts(actor=request.user, agreement_id=agreement.pk)
        precheck = True
    else:
        precheck = False
    next_deposit = [s for s in DepositStatus.values if s in DEPOSIT_NEXT[DepositStatus(agreement.deposit_status)]]
    ctx = {
        "agreement": agreement,
        "perms": perms,
        "lines": list(agreement.lines.all()),
        "regions": list(agreement.regions.all()),
        "hospitals": list(agreement.hospitals.all()),
        "visible_hospitals": visible_hospitals,
        "conflicts": conflicts or [],
        "precheck": precheck,
        "history": history_rows(audit_history(target_type="agencyagreement", target_id=agreement.pk)),
        "line_form": LineForm(),
        "region_form": RegionAddForm(),
        "hospital_form": HospitalAddForm(),
        "terminate_form": TerminateForm(),
        "deposit_form": DepositForm(next_states=next_deposit),
        "next_deposit": next_deposit,
        "open_dialog": "",
    }
    ctx.update(forms)
    return ctx


@web_view
def agreement_detail(request, agreement_id: int):
    agreement = selectors.agreement_get(actor=request.user, agreement_id=agreement_id)
    return render(request, "web/agency/detail.html", detail_context(request, agreement))


# --- the customer tab ----------------------------------------------------------------------

def tab_show(request, customer, perms) -> bool:
    return customer.type in AGENT_TYPES or customer.type in TERMINAL_TYPES


def tab_context(request, customer, perms) -> dict:
    if customer.type in AGENT_TYPES:
        agreements = selectors.agent_agreements(actor=request.user, customer_id=customer.pk)
        rows = availability.wanted_region_availability(actor=request.user, customer_id=customer.pk)
        named_in = []
    else:
        agreements, rows = [], []
        named_in = selectors.hospital_agreements(actor=request.user, customer_id=customer.pk)
    for a in [*agreements, *named_in]:
        decorate(a)
    return {
        "agreements": agreements, "availability": rows, "named_in": named_in,
        "is_agent": customer.type in AGENT_TYPES,
        "can_create": perms.get("write", False) and customer.type in AGENT_TYPES,
    }


# --- look-ups ------------------------------------------------------------------------------

@web_view
def hospital_lookup(request):
    """GET ?q= -> [{"id", "label"}]: hospitals, clinics and pharmacies the requester sees."""
    from pharmcrm.agency.territory import label as region_label

    found = selectors.hospital_lookup(actor=request.user, q=(request.GET.get("q") or "")[:100],
                                      limit=int_or_none(request.GET.get("limit")) or LOOKUP_MAX)
    return JsonResponse([{"id": c.pk, "label": f"{c.name} · {region_label(c.region_code)}" if c.region_code
                          else c.name} for c in found], safe=False)


@web_view
def agent_lookup(request):
    """GET ?q= -> [{"id", "label"}]: agents and distributors the requester may change."""
    found = selectors.agent_lookup(actor=request.user, q=(request.GET.get("q") or "")[:100],
                                   limit=int_or_none(request.GET.get("limit")) or LOOKUP_MAX)
    return JsonResponse([{"id": c.pk, "label": c.name} for c in found], safe=False)
