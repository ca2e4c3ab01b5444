"""Quotation pages (报价记录): the list (filters, sort, pagination, Excel export), the form
(choosing the customer first; lines with product search and list-price default, like the order
form), the quotation page (send / accept / reject, convert to an order draft, link the
follow-up where the price was given), the printable quotation in Chinese, the customer page's
报价 tab with the price history, and the product page's price-history block. Thin: parse, call
one service or selector, render."""

from __future__ import annotations

import datetime
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
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers.selectors import customer_get, customer_permissions
from pharmcrm.quotations import selectors, services
from pharmcrm.quotations.models import Status
from pharmcrm.web.export import _excel_safe, _save, header_sheet
from pharmcrm.web.views.common import int_or_none, web_view
from pharmcrm.web.views.followups import _contact_choices

PAGE_SIZE = 20
MAX_PAGE = 500
TAB_ROWS = 20
HISTORY_ROWS = 50


def detail_url(qid: int) -> str:
    return reverse("web:quotation_detail", args=[qid])


def _url(params: dict, **extra) -> str:
    merged = {**params, **extra}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})


def _filters(request) -> tuple[dict, selectors.QuotationFilters]:
    g = request.GET
    status = g.get("status") if g.get("status") in Status.values else ""
    sort = g.get("sort") if g.get("sort") in selectors.SORTS else selectors.DEFAULT_SORT
    f = selectors.QuotationFilters(status=status, mine=g.get("who") == "mine", q=(g.get("q") or "")[:100], sort=sort)
    params = {"q": f.q, "status": status, "who": "mine" if f.mine else "",
              "sort": sort if sort != selectors.DEFAULT_SORT else ""}
    return params, f


@web_view
def quotation_list(request):
    params, f = _filters(request)
    qs = selectors.quotation_list(actor=request.user, filters=f)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    sort = f.sort

    def flip(key: str) -> str:
        return _url(params, sort=("-" + key) if sort == key else key, page="")

    return render(request, "web/quotations/list.html", {
        "quotes": rows[:PAGE_SIZE], "page": page, "params": params, "sort": sort, "statuses": Status.choices,
        "sort_links": {k: flip(k) for k in ("number", "created", "valid", "amount")},
        "prev_url": _url(params, page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": _url(params, page=page + 1) if has_next else None,
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "export_url": reverse("web:quotation_export") + _url(params),
    })


_LABELS = [gettext_noop("Number"), gettext_noop("Customer"), gettext_noop("Contact"), gettext_noop("Status"),
           gettext_noop("Total amount"), gettext_noop("Valid until"), gettext_noop("Created by"),
           gettext_noop("Created at"), gettext_noop("Sent at"), gettext_noop("Decided at"),
           gettext_noop("Opportunity"), gettext_noop("Order draft"), gettext_noop("Terms")]
_COLUMNS = list(zip(_LABELS, (16, 30, 10, 8, 14, 12, 10, 18, 18, 18, 24, 16, 40), strict=True))


@web_view
def quotation_export(request):
    _params, f = _filters(request)
    qs = selectors.quotation_list(actor=request.user, filters=f)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    wb, ws = header_sheet(_("Quotations"), _COLUMNS)

    def local(dt):
        return timezone.localtime(dt).replace(tzinfo=None) if dt else None

    for n, q in enumerate(qs[: max_rows + 1].iterator(chunk_size=1000)):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            break
        ws.append([_excel_safe(v) for v in (
            q.number, q.customer.name, q.contact.name if q.contact_id else "", q.get_status_display(),
            q.amount_total, q.valid_until, q.created_by.full_name or q.created_by.username, local(q.created_at),
            local(q.sent_at), local(q.decided_at), q.opportunity.name if q.opportunity_id else "",
            q.order.number if q.order_id else "", q.terms)])
    response = HttpResponse(_save(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="quotations-{stamp}.xlsx"'
    return response


# --- the form ----------------------------------------------------------------------------------

def _lines_from_post(post) -> list[dict]:
    products, qtys = post.getlist("product_id"), post.getlist("quantity")
    prices, untils = post.getlist("unit_price"), post.getlist("line_valid_until")
    out = []
    for i in range(max(len(products), len(qtys), len(prices))):
        row = {"product_id": products[i] if i < len(products) else "",
               "quantity": qtys[i] if i < len(qtys) else "",
               "unit_price": prices[i] if i < len(prices) else "",
               "valid_until": untils[i] if i < len(untils) else ""}
        if not (row["product_id"] or row["quantity"] or row["unit_price"]):
            continue
        out.append(row)
    return out


def _form_context(request, customer, *, quote=None, values=None, errors=None, rows=None) -> dict:
    from pharmcrm.opportunities.selectors import OpportunityFilters, opportunity_list

    errors = errors or {}
    if rows is None:
        rows = ([{"product_id": ln.product_id, "quantity": f"{ln.quantity.normalize():f}",
                  "unit_price": f"{ln.unit_price.normalize():f}", "valid_until": ln.valid_until.isoformat()}
                 for ln in quote.lines.all()] if quote else []) or [
            {"product_id": "", "quantity": "", "unit_price": "", "valid_until": ""}]
    ids = [int_or_none(r.get("product_id")) for r in rows]
    products = {p.pk: p for p in Product.objects.filter(pk__in=[i for i in ids if i])}
    for i, r in enumerate(rows):
        r["product"] = products.get(int_or_none(r.get("product_id")))
        r["errors"] = [m for k in ("product_id", "quantity", "unit_price", "valid_until", "")
                       for m in errors.get(f"lines.{i}.{k}" if k else f"lines.{i}", [])]
        r["error_fields"] = {k for k in ("product_id", "quantity", "unit_price", "valid_until")
                             if f"lines.{i}.{k}" in errors}
    v = values or {}
    if quote is not None and not values:
        v = {"contact_id": quote.contact_id, "opportunity_id": quote.opportunity_id, "terms": quote.terms,
             "valid_until": quote.valid_until.isoformat()}
    if not v.get("valid_until") and not quote:
        v = {**v, "valid_until": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()}
    contact = int_or_none(v.get("contact_id"))
    opps = list(opportunity_list(actor=request.user, filters=OpportunityFilters(customer_id=customer.pk))[:100])
    return {"customer": customer, "quote": quote, "rows": rows, "errors": errors, "v": v,
            "contacts": _contact_choices(customer.pk, [contact]), "contact_id": contact,
            "opportunities": opps, "opportunity_id": int_or_none(v.get("opportunity_id")),
            "general_errors": errors.get("__all__", []) + errors.get("lines", []),
            "price_url": reverse("web:order_product_options") + f"?customer={customer.pk}"}


def _post_data(request) -> dict:
    p = request.POST
    return {"contact_id": p.get("contact_id") or None, "opportunity_id": p.get("opportunity_id") or None,
            "terms": p.get("terms", ""), "valid_until": p.get("valid_until") or None,
            "lines": _lines_from_post(p)}


@web_view
def quotation_new(request):
    customer_id = int_or_none(request.GET.get("customer"))
    if customer_id:
        return redirect("web:quotation_create", customer_id=customer_id)
    return render(request, "web/quotations/choose_customer.html", {})


@web_view
def quotation_create(request, customer_id: int):
    customer = customer_get(actor=request.user, customer_id=customer_id)
    if not customer_permissions(actor=request.user, customer=customer)["write"]:
        raise PermissionDenied(_("You may view this customer but not quote to it; ask its owner to share it with "
                                 "you read-write."))
    if request.method == "POST":
        data = _post_data(request)
        try:
            q = services.quotation_create(actor=request.user, data={"customer_id": customer.pk, **data})
        except ApplicationError as exc:
            ctx = _form_context(request, customer, values=request.POST.dict(),
                                errors={**exc.fields, "__all__": [] if exc.fields else [exc.message]},
                                rows=data["lines"] or None)
            return render(request, "web/quotations/form.html", ctx, status=400)
        messages.success(request, _("Quotation %(number)s saved as a draft.") % {"number": q.number})
        return redirect(detail_url(q.pk))
    values = {}
    if int_or_none(request.GET.get("opportunity")):
        values["opportunity_id"] = int_or_none(request.GET.get("opportunity"))
    return render(request, "web/quotations/form.html", _form_context(request, customer, values=values or None))


@web_view
def quotation_edit(request, quotation_id: int):
    q = selectors.quotation_get(actor=request.user, quotation_id=quotation_id)
    if not selectors.quotation_permissions(actor=request.user, q=q)["edit"]:
        messages.error(request, _("Only a draft quotation can be changed, by whoever may change the customer."))
        return redirect(detail_url(q.pk))
    if request.method == "POST":
        data = _post_data(request)
        try:
            services.quotation_update(actor=request.user, quotation_id=q.pk, data=data)
        except ApplicationError as exc:
            ctx = _form_context(request, q.customer, quote=q, values=request.POST.dict(),
                                errors={**exc.fields, "__all__": [] if exc.fields else [exc.message]},
                                rows=data["lines"] or None)
            return render(request, "web/quotations/form.html", ctx, status=400)
        messages.success(request, _("Quotation saved."))
        return redirect(detail_url(q.pk))
    return render(request, "web/quotations/form.html", _form_context(request, q.customer, quote=q))


# --- the quotation page ------------------------------------------------------------------------

STEPS = [Status.DRAFT, Status.SENT, Status.ACCEPTED]


def _followup_choices(customer_id: int, current: int | None) -> list:
    from pharmcrm.activities.models import FollowUp

    rows = list(FollowUp.objects.filter(customer_id=customer_id).select_related("author")
                .order_by("-occurred_at", "-id")[:30])
    if current and current not in {f.pk for f in rows}:
        rows += list(FollowUp.objects.filter(pk=current, customer_id=customer_id).select_related("author"))
    return rows


@web_view
def quotation_detail(request, quotation_id: int):
    q = selectors.quotation_get(actor=request.user, quotation_id=quotation_id)
    perms = selectors.quotation_permissions(actor=request.user, q=q)
    lines = selectors.quotation_lines(q)
    history = []
    if lines:
        history = list(selectors.price_history(actor=request.user, customer_id=q.customer_id)
                       .filter(product_id__in={ln.product_id for ln in lines}).exclude(quotation_id=q.pk)[:20])
    return render(request, "web/quotations/detail.html", {
        "q": q, "perms": perms, "lines": lines, "history": history, "today": timezone.localdate(),
        "followups": _followup_choices(q.customer_id, q.followup_id) if perms["link"] else [],
    })


ACTIONS = {"send": services.quotation_send, "accept": services.quotation_accept,
           "reject": services.quotation_reject}
DONE = {"send": gettext_noop("Quotation marked as sent; its prices are in the price history now."),
        "accept": gettext_noop("Quotation accepted."), "reject": gettext_noop("Quotation rejected.")}


@web_view
@require_POST
def quotation_action(request, quotation_id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    q = selectors.quotation_get(actor=request.user, quotation_id=quotation_id)
    kwargs = {"note": request.POST.get("note", "")} if action != "send" else {}
    try:
        ACTIONS[action](actor=request.user, quotation_id=q.pk, **kwargs)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _(DONE[action]))
    return redirect(detail_url(q.pk))


@web_view
@require_POST
def quotation_order(request, quotation_id: int):
    q = selectors.quotation_get(actor=request.user, quotation_id=quotation_id)
    try:
        q = services.quotation_create_order(actor=request.user, quotation_id=q.pk)
    except ApplicationError as exc:
        messages.error(request, "；".join([exc.message, *[m for v in exc.fields.values() for m in v
                                                            if m != exc.message]]))
        return redirect(detail_url(q.pk))
    messages.success(request, _("Order draft %(number)s created at the quoted prices; check it and submit it for "
                                "review.") % {"number": q.order.number})
    return redirect(reverse("web:order_detail", args=[q.order_id]))


@web_view
@require_POST
def quotation_link(request, quotation_id: int):
    q = selectors.quotation_get(actor=request.user, quotation_id=quotation_id)
    try:
        services.quotation_link_followup(actor=request.user, quotation_id=q.pk,
                                         followup_id=int_or_none(request.POST.get("followup")))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Follow-up link saved."))
    return redirect(detail_url(q.pk))


@web_view
def quotation_print(request, quotation_id: int):
    q = selectors.quotation_get(actor=request.user, quotation_id=quotation_id)
    return render(request, "web/quotations/print.html", {"q": q, "lines": selectors.quotation_lines(q),
                                                         "today": timezone.localdate()})


# --- the customer tab and the product block ----------------------------------------------------

def tab_context(request, customer, perms) -> dict:
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    qs = selectors.quotation_list(actor=request.user, filters=selectors.QuotationFilters(customer_id=customer.pk))
    rows = list(qs[(page - 1) * TAB_ROWS: page * TAB_ROWS + 1])
    has_next = len(rows) > TAB_ROWS
    product_id = int_or_none(request.GET.get("product"))
    history = selectors.price_history(actor=request.user, customer_id=customer.pk, product_id=product_id)

    def url(n: int) -> str:
        return "?" + urlencode({"tab": "quotations", **({"page": n} if n > 1 else {})})

    hist_rows = list(history[:HISTORY_ROWS])
    return {"quotes": rows[:TAB_ROWS], "quotes_page": page, "quotes_prev": url(page - 1) if page > 1 else None,
            "quotes_next": url(page + 1) if has_next else None, "can_quote": perms["write"],
            "history": hist_rows, "history_product": product_id,
            "history_products": sorted({(r.product_id, str(r.product)) for r in hist_rows}, key=lambda x: x[1])}


@web_view
def product_price_history(request, product_id: int):
    """The product page's price-history block (also a page of its own): every price quoted for
    this product to customers the requester can see."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404
    rows = list(selectors.price_history(actor=request.user, product_id=product.pk)[:HISTORY_ROWS])
    template = "web/quotations/_price_history.html" if request.headers.get("HX-Request") else \
        "web/quotations/product_history.html"
    return render(request, template, {"product": product, "history": rows, "show_customer": True})
