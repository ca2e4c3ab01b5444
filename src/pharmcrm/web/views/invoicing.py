"""Invoice ledger pages (发票台账): the ledger across customers (filters, Excel export), the
customer page's 发票 tab, the issue screen (select stored balances whole or part, header from
the customer's 开票资料, preview the totals, confirm), the pre-invoice form, the invoice list
(filters, export) and the print-friendly invoice page, the red-letter reversal (confirmation and
reason) and the price-mismatch queue. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from pharmcrm.catalog.models import Product
from pharmcrm.core.errors import ApplicationError
from pharmcrm.invoicing import selectors, services
from pharmcrm.invoicing.models import (
    ZERO,
    InvoiceKind,
    InvoiceMedium,
    InvoiceStatus,
    InvoiceType,
    MismatchStatus,
    SaleEntry,
)
from pharmcrm.web.export import _excel_safe, _save
from pharmcrm.web.views.common import int_or_none, web_view

PAGE_SIZE = 50
MAX_PAGE = 500
EXPORT_MAX = 20000
PRE_LINES = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_finance(user) -> None:
    if not services.can_manage_invoices(user):
        raise PermissionDenied(_("Only finance and administrators may issue or reverse invoices."))


def _xlsx(name: str, header: list[str], rows) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for row in rows:
        ws.append([_excel_safe(v) if isinstance(v, str) else v for v in row])
    resp = HttpResponse(_save(wb), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return resp


def _page(request, items: list | None = None, qs=None):
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    src = items if items is not None else qs
    rows = list(src[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    params = request.GET.copy()
    params.pop("page", None)

    def url(n):
        return "?" + urlencode({**params.dict(), **({"page": n} if n > 1 else {})})

    return rows[:PAGE_SIZE], page, (url(page - 1) if page > 1 else None), (url(page + 1) if has_next else None)


# --- the ledger ------------------------------------------------------------------------------

def _ledger_totals(rows) -> dict:
    keys = ["approved_quantity", "approved_amount", "invoiced_quantity", "invoiced_amount", "pre_quantity",
            "pre_amount", "open_quantity", "open_amount"]
    return {k: sum((getattr(r, k) for r in rows), ZERO) for k in keys}


LEDGER_HEADER = [N_("Customer"), N_("Product"), N_("Specification"), N_("Unit price"), N_("Approved quantity"), N_("Approved amount"),
                 N_("Invoiced quantity"), N_("Invoiced amount"), N_("Pre-invoiced unconsumed quantity"),
                 N_("Pre-invoiced unconsumed amount"), N_("Un-invoiced quantity"), N_("Un-invoiced amount")]


@web_view
def ledger_page(request):
    q = (request.GET.get("q") or "").strip()[:50]
    only_open = request.GET.get("open") == "1"
    rows = selectors.ledger(actor=request.user, only_open=only_open, q=q)
    if request.GET.get("export") == "xlsx":
        return _xlsx("invoice-ledger", [_(h) for h in LEDGER_HEADER], (
            [r.customer.name, r.product.generic_name, r.product.spec, r.unit_price, r.approved_quantity,
             r.approved_amount, r.invoiced_quantity, r.invoiced_amount, r.pre_quantity, r.pre_amount,
             r.open_quantity, r.open_amount] for r in rows[:EXPORT_MAX]))
    totals = _ledger_totals(rows)
    page_rows, page, prev_url, next_url = _page(request, items=rows)
    params = request.GET.copy()
    params.pop("page", None)
    params["export"] = "xlsx"
    return render(request, "web/invoicing/ledger.html", {
        "rows": page_rows, "totals": totals, "q": q, "only_open": only_open, "page": page, "prev_url": prev_url,
        "next_url": next_url, "filtered": bool(q or only_open), "export_url": "?" + params.urlencode(),
        "can_manage": services.can_manage_invoices(request.user)})


def tab_context(request, customer, perms) -> dict:
    rows = selectors.ledger(actor=request.user, customer_id=customer.pk)
    invoices = list(selectors.invoice_list(actor=request.user,
                                           filters=selectors.InvoiceFilters(customer_id=customer.pk))[:20])
    return {"ledger_rows": rows, "ledger_totals": _ledger_totals(rows), "invoices": invoices,
            "can_manage_invoices": services.can_manage_invoices(request.user)}


# --- issue (存票) ------------------------------------------------------------------------------

def _header_from_post(post) -> dict:
    return {k: post.get(k, "").strip() for k in services.HEADER_FIELDS if post.get(k, "").strip()}


def _header_initial(customer) -> dict:
    head = services.profile_header(customer)
    head.setdefault("invoice_type", InvoiceType.VAT_SPECIAL)
    head.setdefault("medium", InvoiceMedium.ELECTRONIC)
    head["issued_on"] = timezone.localdate().isoformat()
    return head


def _choices() -> dict:
    return {"type_choices": InvoiceType.choices, "medium_choices": InvoiceMedium.choices}


@web_view
def invoice_issue_page(request, customer_id: int):
    customer = selectors.customer_get(actor=request.user, customer_id=customer_id)  # 404 before 403
    _require_finance(request.user)
    sales = list(selectors.open_sales(actor=request.user, customer_id=customer.pk))
    selectors.describe_sources(sales)
    errors: dict[str, list[str]] = {}
    error = ""
    header = _header_initial(customer)
    chosen: dict[int, str] = {}
    preview = None
    if request.method == "POST":
        header.update(_header_from_post(request.POST))
        selections = []
        for s in sales:
            if request.POST.get(f"sel_{s.pk}"):
                qty = request.POST.get(f"qty_{s.pk}", "").strip()
                chosen[s.pk] = qty
                selections.append({"sale_entry_id": s.pk, **({"quantity": qty} if qty else {})})
        action = request.POST.get("action")
        try:
            if action == "confirm":
                invoice = services.invoice_issue(actor=request.user, customer_id=customer.pk,
                                                 header=_header_from_post(request.POST), selections=selections)
                messages.success(request, _("Invoice %(n)s issued.") % {"n": invoice.number})
                return redirect("web:invoice_detail", invoice.pk)
            preview = _preview(sales, chosen)
        except ApplicationError as exc:
            errors, error = exc.fields, exc.message
            preview = None
    index = {pk: i for i, pk in enumerate(chosen)}
    for s in sales:
        s.chosen = s.pk in chosen
        s.chosen_qty = chosen.get(s.pk, "")
        i = index.get(s.pk)
        found = errors.get(f"selections.{i}") or errors.get(f"selections.{i}.quantity") if i is not None else None
        s.error = found[0] if found else ""
    status = 400 if error else 200
    return render(request, "web/invoicing/issue.html", {
        "customer": customer, "sales": sales, "header": header, "errors": errors, "error": error,
        "preview": preview, **_choices()}, status=status)


def _preview(sales: list[SaleEntry], chosen: dict[int, str]) -> dict:
    """The lines and totals an issue would produce (the same arithmetic as the service)."""
    lines: dict[tuple, dict] = {}
    by_id = {s.pk: s for s in sales}
    for pk, qty in chosen.items():
        s = by_id[pk]
        q = services.parse_quantity(qty, f"selections.{list(chosen).index(pk)}.quantity") if qty else s.open_quantity
        if q > s.open_quantity:
            raise ApplicationError(_("Only %(q)s is left un-invoiced.") % {"q": s.open_quantity.normalize()},
                                   code="invalid_selection",
                                   fields={f"selections.{list(chosen).index(pk)}": [_("Too much.")]})
        a = services.part_amount(q, s.unit_price, s.open_quantity, s.open_amount)
        g = lines.setdefault((s.product_id, s.unit_price, s.tax_rate), {
            "product": s.product, "unit_price": s.unit_price, "tax_rate": s.tax_rate, "quantity": ZERO,
            "amount": ZERO})
        g["quantity"] += q
        g["amount"] += a
    if not lines:
        raise ApplicationError(_("Select at least one balance to invoice."), code="invalid")
    for g in lines.values():
        g["amount_excl_tax"], g["tax"] = services.split_tax(g["amount"], g["tax_rate"])
    out = list(lines.values())
    return {"lines": out, "amount": sum((g["amount"] for g in out), ZERO),
            "tax": sum((g["tax"] for g in out), ZERO),
            "amount_excl_tax": sum((g["amount_excl_tax"] for g in out), ZERO)}


# --- pre-invoice (预开票) -----------------------------------------------------------------------

@web_view
def pre_invoice_page(request, customer_id: int):
    customer = selectors.customer_get(actor=request.user, customer_id=customer_id)  # 404 before 403
    _require_finance(request.user)
    header = _header_initial(customer)
    lines = [{"product_id": "", "unit_price": "", "quantity": "", "tax_rate": ""} for _i in range(PRE_LINES)]
    errors: dict[str, list[str]] = {}
    error = ""
    if request.method == "POST":
        header.update(_header_from_post(request.POST))
        given = []
        for i in range(PRE_LINES):
            row = {k: request.POST.get(f"{k}_{i}", "").strip() for k in ("product_id", "unit_price", "quantity",
                                                                          "tax_rate")}
            lines[i] = row
            if any(row.values()):
                given.append({"product_id": int_or_none(row["product_id"]) or 0, "unit_price": row["unit_price"],
                              "quantity": row["quantity"], **({"tax_rate": row["tax_rate"]} if row["tax_rate"] else {})})
        try:
            invoice = services.pre_invoice_issue(actor=request.user, customer_id=customer.pk,
                                                 header=_header_from_post(request.POST), lines=given)
            messages.success(request, _("Pre-invoice %(n)s issued.") % {"n": invoice.number})
            return redirect("web:invoice_detail", invoice.pk)
        except ApplicationError as exc:
            errors, error = exc.fields, exc.message
    products = list(Product.objects.filter(status="active").order_by("generic_name", "id")[:500]) or list(
        Product.objects.order_by("generic_name", "id")[:500])
    return render(request, "web/invoicing/pre_invoice.html", {
        "customer": customer, "header": header, "lines": lines, "products": products, "errors": errors,
        "error": error, **_choices()}, status=400 if error else 200)


# --- invoices --------------------------------------------------------------------------------

def _filters(request) -> selectors.InvoiceFilters:
    g = request.GET
    def day(name):
        try:
            return parse_date(g.get(name) or "")
        except ValueError:
            return None
    return selectors.InvoiceFilters(
        customer_id=int_or_none(g.get("customer_id")), q=(g.get("q") or "").strip()[:50],
        kind=g.get("kind") if g.get("kind") in InvoiceKind.values else "",
        status=g.get("status") if g.get("status") in InvoiceStatus.values else "",
        day_from=day("from"), day_to=day("to"))


INVOICE_HEADER = [N_("Number"), N_("Tax invoice number"), N_("Kind"), N_("Invoice type"), N_("Customer"), N_("Invoice title"), N_("Issued on"),
                  N_("Amount incl. tax"), N_("Tax"), N_("Amount excl. tax"), N_("Status"), N_("Issued by")]


@web_view
def invoice_list_page(request):
    f = _filters(request)
    qs = selectors.invoice_list(actor=request.user, filters=f)
    if request.GET.get("export") == "xlsx":
        return _xlsx("invoices", [_(h) for h in INVOICE_HEADER], (
            [i.number, i.tax_invoice_number, i.get_kind_display(), i.get_invoice_type_display(), i.customer.name,
             i.title, i.issued_on, i.amount, i.tax, i.amount_excl_tax, i.get_status_display(),
             i.issued_by.full_name or i.issued_by.username] for i in qs[:EXPORT_MAX]))
    rows, page, prev_url, next_url = _page(request, qs=qs)
    params = request.GET.copy()
    params.pop("page", None)
    params["export"] = "xlsx"
    return render(request, "web/invoicing/list.html", {
        "invoices": rows, "f": f, "page": page, "prev_url": prev_url, "next_url": next_url,
        "kind_choices": InvoiceKind.choices, "status_choices": InvoiceStatus.choices,
        "filtered": any([f.q, f.kind, f.status, f.day_from, f.day_to, f.customer_id]),
        "export_url": "?" + params.urlencode(), "can_manage": services.can_manage_invoices(request.user)})


@web_view
def invoice_detail_page(request, invoice_id: int):
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    return render(request, "web/invoicing/detail.html", {
        "invoice": invoice, "lines": selectors.invoice_lines(invoice), "red": selectors.red_letter_of(invoice),
        "can_reverse": services.can_manage_invoices(request.user) and invoice.status == InvoiceStatus.ISSUED
        and invoice.kind != InvoiceKind.RED_LETTER})


@web_view
def invoice_reverse_page(request, invoice_id: int):
    invoice = selectors.invoice_get(actor=request.user, invoice_id=invoice_id)
    _require_finance(request.user)
    error = ""
    reason = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        if not request.POST.get("confirm"):
            error = _("Tick the confirmation: a red-letter reversal cannot be undone.")
        else:
            try:
                red = services.invoice_reverse(actor=request.user, invoice_id=invoice.pk, reason=reason)
                messages.success(request, _("Red-letter invoice %(n)s issued; %(o)s is reversed.")
                                 % {"n": red.number, "o": invoice.number})
                return redirect("web:invoice_detail", red.pk)
            except ApplicationError as exc:
                error = exc.message
    return render(request, "web/invoicing/reverse.html", {
        "invoice": invoice, "lines": selectors.invoice_lines(invoice), "error": error, "reason": reason},
        status=400 if error else 200)


# --- price mismatches ------------------------------------------------------------------------

@web_view
def mismatch_list_page(request):
    status = request.GET.get("status", MismatchStatus.OPEN)
    if status not in MismatchStatus.values and status != "":
        status = MismatchStatus.OPEN
    rows, page, prev_url, next_url = _page(request, qs=selectors.mismatch_list(actor=request.user, status=status))
    return render(request, "web/invoicing/mismatches.html", {
        "mismatches": rows, "status": status, "status_choices": MismatchStatus.choices, "page": page,
        "prev_url": prev_url, "next_url": next_url, "can_manage": services.can_manage_invoices(request.user)})


@web_view
@require_POST
def mismatch_settle(request, mismatch_id: int):
    _require_finance(request.user)
    try:
        services.settle_mismatch(actor=request.user, mismatch_id=mismatch_id, action=request.POST.get("action", ""),
                                 reason=request.POST.get("reason", ""), quantity=request.POST.get("quantity") or None)
        messages.success(request, _("Price mismatch settled."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("web:invoice_mismatches"))


