"""Platform listing pages (挂网): the list (filters product / province / status, sort,
pagination, Excel export), new / edit, and the state actions. Read by every internal user,
written by tender specialists, sales admins and administrators."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from pharmcrm.catalog.models import Product
from pharmcrm.core.audit import audit_history
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.regions import region_label
from pharmcrm.tenders import listing_services as services
from pharmcrm.tenders import selectors
from pharmcrm.web.export import _excel_safe, _save, header_sheet
from pharmcrm.web.forms_tenders import FIELD_MAP, ListingFilterForm, ListingForm
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view

PAGE_SIZE = 20
MAX_PAGE = 500
ACTION_LABELS = {"apply": gettext_noop("Apply for listing"), "list": gettext_noop("Listed"),
                 "suspend": gettext_noop("Suspend"), "delist": gettext_noop("Delist")}


def _filters(request):
    form = ListingFilterForm(request.GET)
    form.is_valid()
    d = getattr(form, "cleaned_data", {})
    f = selectors.ListingFilters(product_id=d.get("product"), province=d.get("province") or "",
                                 status=d.get("status") or "", q=d.get("q") or "", sort=d.get("sort") or "province")
    params = {"q": f.q, "product": f.product_id or "", "province": f.province, "status": f.status,
              "sort": d.get("sort") or ""}
    return form, params, f


@web_view
def listing_list(request):
    form, params, f = _filters(request)
    qs = selectors.listing_list(actor=request.user, filters=f)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for r in rows:
        r.province_label = region_label(r.province)

    def url(**extra) -> str:
        return "?" + urlencode({k: v for k, v in {**params, **extra}.items() if v})

    return render(request, "web/tenders/listings.html", {
        "form": form, "listings": rows, "page": page,
        "product": Product.objects.filter(pk=f.product_id).first() if f.product_id else None,
        "sort_links": {k: url(sort=k, page="") for k in selectors.LISTING_SORTS},
        "prev_url": url(page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": url(page=page + 1) if has_next else None,
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "export_url": reverse("web:listing_export") + url(),
        "can_write": services.can_write_listings(request.user),
    })


_COLUMNS = [(gettext_noop("Product"), 36), (gettext_noop("Province"), 10), (gettext_noop("Platform product code"), 18),
            (gettext_noop("Listing price"), 12), (gettext_noop("Status"), 10), (gettext_noop("Applied on"), 12),
            (gettext_noop("Listed on"), 12), (gettext_noop("Delisted on"), 12), (gettext_noop("Distributors"), 40)]


@web_view
def listing_export(request):
    _form, _params, f = _filters(request)
    qs = selectors.listing_list(actor=request.user, filters=f)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    wb, ws = header_sheet(_("Platform listings"), _COLUMNS)
    for n, r in enumerate(qs[: max_rows + 1].iterator(chunk_size=1000)):
        if n == max_rows:
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            break
        ws.append([_excel_safe(v) for v in (str(r.product), region_label(r.province), r.platform_code,
                                            r.listing_price, r.get_status_display(), r.applied_on, r.listed_on,
                                            r.delisted_on, r.distributors)])
    response = HttpResponse(_save(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="listings-{timezone.localtime():%Y%m%d-%H%M}.xlsx"'
    return response


def _products(chosen):
    return list(Product.objects.filter(pk=chosen)) if chosen else []


@web_view
def listing_create(request):
    if not services.can_write_listings(request.user):
        raise PermissionDenied(_("Platform listings are kept by tender specialists, sales admins and administrators."))
    status = 200
    if request.method == "POST":
        form = ListingForm(request.POST, products=_products(int_or_none(request.POST.get("product"))))
        if form.is_valid():
            try:
                listing = services.listing_create(actor=request.user, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("Platform listing created."))
                return redirect("web:listing_detail", listing_id=listing.pk)
        status = 400
    else:
        pid = int_or_none(request.GET.get("product"))
        form = ListingForm(initial={"product": pid}, products=_products(pid))
    return render(request, "web/tenders/listing_form.html", {"form": form, "listing": None}, status=status)


@web_view
def listing_detail(request, listing_id: int):
    listing = selectors.listing_get(actor=request.user, listing_id=listing_id)
    can_write = services.can_write_listings(request.user)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(_("Platform listings are kept by tender specialists, sales admins and "
                                     "administrators."))
        form = ListingForm(request.POST, products=_products(int_or_none(request.POST.get("product"))))
        if form.is_valid():
            try:
                services.listing_update(actor=request.user, listing_id=listing.pk, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("Platform listing saved."))
                return redirect("web:listing_detail", listing_id=listing.pk)
        status = 400
    else:
        status = 200
        initial = {"product": listing.product_id, "province": listing.province, "platform_code": listing.platform_code,
                   "listing_price": f"{listing.listing_price:f}" if listing.listing_price is not None else "",
                   "distributors": listing.distributors, "notes": listing.notes,
                   **{k: (getattr(listing, k).isoformat() if getattr(listing, k) else "")
                      for k in ("applied_on", "listed_on", "delisted_on")}}
        form = ListingForm(initial=initial, products=[listing.product])
    return render(request, "web/tenders/listing_form.html", {
        "form": form, "listing": listing, "can_write": can_write, "province_label": region_label(listing.province),
        "actions": [(a, _(ACTION_LABELS[a])) for a in services.allowed_actions(listing, can_write=can_write)],
        "history": audit_history(target_type="platformlisting", target_id=listing.pk, limit=50),
    }, status=status)


@web_view
@require_POST
def listing_action(request, listing_id: int, action: str):
    if action not in ACTION_LABELS:
        raise Http404
    listing = selectors.listing_get(actor=request.user, listing_id=listing_id)
    try:
        services.listing_transition(actor=request.user, listing_id=listing.pk, action=action,
                                    on=request.POST.get("on") or None)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": _(ACTION_LABELS[action])})
    return redirect("web:listing_detail", listing_id=listing.pk)
