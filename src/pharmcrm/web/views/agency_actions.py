"""The actions posted from an agreement's page: put in force, terminate, deposit, lines and
territory. Success redirects to the page; an error re-renders it (400) with the dialog open,
the message under the field, and what the user typed kept. An overlap refusal shows the
conflicts (only what the user may see: agency.conflicts)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pharmcrm.agency import selectors, services
from pharmcrm.agency.conflicts import OverlapError
from pharmcrm.agency.models import DepositStatus
from pharmcrm.agency.services._common import DEPOSIT_NEXT
from pharmcrm.core.errors import ApplicationError
from pharmcrm.web.forms_agency import DepositForm, HospitalAddForm, LineForm, RegionAddForm, TerminateForm
from pharmcrm.web.views.agency import detail_context
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view


def _load(request, agreement_id: int):
    """The agreement (404 if invisible) — checked before the method, so a peer learns nothing."""
    return selectors.agreement_get(actor=request.user, agreement_id=agreement_id)


def _back(agreement, anchor: str = ""):
    return redirect(reverse("web:agreement_detail", args=[agreement.pk]) + (f"#{anchor}" if anchor else ""))


def _again(request, agreement_id: int, *, dialog: str = "", **forms):
    agreement = selectors.agreement_get(actor=request.user, agreement_id=agreement_id)
    ctx = detail_context(request, agreement, **forms)
    ctx["open_dialog"] = dialog
    return render(request, "web/agency/detail.html", ctx, status=400)


@web_view
def agreement_activate(request, agreement_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.agreement_activate(actor=request.user, agreement_id=agreement.pk)
    except OverlapError as exc:
        messages.error(request, _("Not put in force: it overlaps an exclusive agreement in force."))
        return _again(request, agreement.pk, conflicts=exc.conflicts)
    except ApplicationError as exc:  # incomplete (no products, no territory, ended) or not a draft
        for m in [m for msgs in exc.fields.values() for m in msgs] or [exc.message]:
            messages.error(request, m)
        return _again(request, agreement.pk)
    messages.success(request, _("Agreement %(number)s is in force.") % {"number": agreement.number})
    return _back(agreement)


@web_view
def agreement_terminate(request, agreement_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = TerminateForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_terminate(actor=request.user, agreement_id=agreement.pk,
                                         reason=form.cleaned_data["reason"],
                                         terminated_on=form.cleaned_data.get("terminated_on"))
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Agreement %(number)s was terminated.") % {"number": agreement.number})
            return _back(agreement)
    return _again(request, agreement.pk, dialog="terminate-dialog", terminate_form=form)


@web_view
def agreement_deposit(request, agreement_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    next_states = [s for s in DepositStatus.values if s in DEPOSIT_NEXT[DepositStatus(agreement.deposit_status)]]
    form = DepositForm(request.POST, next_states=next_states)
    if form.is_valid():
        try:
            services.agreement_deposit_update(
                actor=request.user, agreement_id=agreement.pk, status=form.cleaned_data["status"],
                on=form.cleaned_data.get("on"), refunded_amount=form.cleaned_data.get("refunded_amount"))
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Deposit recorded."))
            return _back(agreement, "deposit")
    return _again(request, agreement.pk, dialog="deposit-dialog", deposit_form=form)


def _products_for(request, product_id):
    from pharmcrm.catalog.models import Product

    return list(Product.objects.filter(pk=product_id)) if product_id else []


@web_view
def line_add(request, agreement_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = LineForm(request.POST, products=_products_for(request, int_or_none(request.POST.get("product"))))
    if form.is_valid():
        try:
            services.agreement_line_add(actor=request.user, agreement_id=agreement.pk,
                                        product_id=form.cleaned_data["product"], data=form.service_data())
        except ApplicationError as exc:
            apply_errors(form, exc, {"product_id": "product"})
        else:
            messages.success(request, _("Product added."))
            return _back(agreement, "lines")
    return _again(request, agreement.pk, dialog="line-dialog", line_form=form)


@web_view
def line_edit(request, agreement_id: int, line_id: int):
    agreement = _load(request, agreement_id)
    line = next((ln for ln in agreement.lines.all() if ln.pk == line_id), None)
    if line is None:
        raise Http404
    if request.method == "POST":
        form = LineForm(request.POST, edit=True)
        if form.is_valid():
            try:
                services.agreement_line_update(actor=request.user, agreement_id=agreement.pk, line_id=line.pk,
                                               data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return _back(agreement, "lines")
        status = 400
    else:
        form = LineForm(edit=True, initial={k: getattr(line, k) for k in
                                            ("agency_price", "supply_price", "monthly_quantity", "yearly_quantity",
                                             "notes")})
        status = 200
    return render(request, "web/agency/line_form.html", {"agreement": agreement, "line": line, "form": form},
                  status=status)


@web_view
def line_remove(request, agreement_id: int, line_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.agreement_line_remove(actor=request.user, agreement_id=agreement.pk, line_id=line_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _again(request, agreement.pk)
    messages.success(request, _("Product removed from the agreement."))
    return _back(agreement, "lines")


@web_view
def region_add(request, agreement_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RegionAddForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_region_add(actor=request.user, agreement_id=agreement.pk,
                                          region_code=form.cleaned_data["region_code"])
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Region added."))
            return _back(agreement, "territory")
    return _again(request, agreement.pk, dialog="region-dialog", region_form=form)


@web_view
def region_remove(request, agreement_id: int, region_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.agreement_region_remove(actor=request.user, agreement_id=agreement.pk, region_id=region_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _again(request, agreement.pk)
    messages.success(request, _("Region removed from the agreement."))
    return _back(agreement, "territory")


@web_view
def hospital_add(request, agreement_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    hospital_id = int_or_none(request.POST.get("hospital"))
    from pharmcrm.org import visibility

    chosen = list(visibility.visible_customers(request.user).filter(pk=hospital_id)) if hospital_id else []
    form = HospitalAddForm(request.POST, hospitals=chosen)
    if form.is_valid():
        try:
            services.agreement_hospital_add(actor=request.user, agreement_id=agreement.pk,
                                            hospital_id=form.cleaned_data["hospital"])
        except ApplicationError as exc:
            apply_errors(form, exc, {"hospital_id": "hospital"})
        else:
            messages.success(request, _("Hospital added."))
            return _back(agreement, "territory")
    return _again(request, agreement.pk, dialog="hospital-dialog", hospital_form=form)


@web_view
def hospital_remove(request, agreement_id: int, entry_id: int):
    agreement = _load(request, agreement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.agreement_hospital_remove(actor=request.user, agreement_id=agreement.pk, entry_id=entry_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _again(request, agreement.pk)
    messages.success(request, _("Hospital removed from the agreement."))
    return _back(agreement, "territory")
