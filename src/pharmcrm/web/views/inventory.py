"""Stock pages (库存/批号): stock by batch (filters, sort, Excel export, expiry highlighting), a
batch with its ledger, stock-in receipts (list, new with several lines, print-friendly page),
adjustments from a batch page, warehouses. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from pharmcrm.catalog.models import Product
from pharmcrm.core.errors import ApplicationError
from pharmcrm.inventory import selectors, services
from pharmcrm.inventory.models import BatchStatus
from pharmcrm.web.export import _excel_safe, _save
from pharmcrm.web.forms_inventory import (
    AdjustmentForm,
    ReceiptForm,
    StatusForm,
    StockFilterForm,
    WarehouseForm,
)
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view

PAGE_SIZE = 20
MAX_PAGE = 500
LINE_FIELDS = ("product", "batch_no", "production_date", "expiry_date", "quantity")


def _require_manager(user) -> None:
    if not services.can_manage_stock(user):
        raise PermissionDenied(_("Only warehouse staff and administrators may change stock."))


def _mark(batches, today: datetime.date) -> None:
    near = today + datetime.timedelta(days=selectors.warning_days())
    for b in batches:
        b.expired_now = b.expiry_date < today
        b.near_expiry = not b.expired_now and b.expiry_date <= near
        b.days_left = (b.expiry_date - today).days


# --- stock by batch ---------------------------------------------------------------------------

def _filters(request):
    warehouses = list(selectors.warehouse_list(actor=request.user))
    form = StockFilterForm(request.GET, warehouses=warehouses)
    v = form.values()
    f = selectors.BatchFilters(q=v.get("q") or "", warehouse_id=v.get("warehouse"), status=v.get("status") or "",
                               expiring_days=v.get("expiring"), expired=bool(v.get("expired")),
                               with_stock=not v.get("empty"), sort=v.get("sort") or "expiry")
    params = {"q": f.q, "warehouse": f.warehouse_id or "", "status": f.status,
              "expiring": "" if f.expiring_days is None else f.expiring_days,
              "expired": "on" if f.expired else "", "empty": "on" if v.get("empty") else "",
              "sort": v.get("sort") or ""}
    return form, params, f


@web_view
def stock_list(request):
    form, params, f = _filters(request)
    today = timezone.localdate()
    qs = selectors.batch_list(actor=request.user, filters=f, today=today)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    _mark(rows, today)

    def url(**extra) -> str:
        merged = {**params, **extra}
        return "?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})

    sort = f.sort
    return render(request, "web/inventory/stock_list.html", {
        "form": form, "batches": rows, "page": page, "sort": sort,
        "sort_links": {"expiry": url(sort="-expiry" if sort == "expiry" else "expiry", page=""),
                       "product": url(sort="-product" if sort == "product" else "product", page=""),
                       "on_hand": url(sort="on_hand" if sort == "-on_hand" else "-on_hand", page="")},
        "prev_url": url(page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": url(page=page + 1) if has_next else None,
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "export_url": reverse("web:stock_export") + url(),
        "quick_near": url(expiring=selectors.warning_days(), expired="", page=""),
        "quick_expired": url(expired="on", expiring="", page=""),
        "can_manage": services.can_manage_stock(request.user),
        "warning_days": selectors.warning_days(),
    })


_LABELS = [gettext_noop("Product"), gettext_noop("Specification"), gettext_noop("Manufacturer"),
           gettext_noop("Approval number"), gettext_noop("Warehouse"), gettext_noop("Batch number"),
           gettext_noop("Production date"), gettext_noop("Expiry date"), gettext_noop("Days to expiry"),
           gettext_noop("On hand"), gettext_noop("Unit"), gettext_noop("Status")]
_WIDTHS = (24, 14, 28, 20, 12, 16, 12, 12, 10, 12, 6, 14)


@web_view
def stock_export(request):
    """Exactly the filtered rows of the stock list, as an Excel workbook (capped)."""
    _form, _params, f = _filters(request)
    today = timezone.localdate()
    qs = selectors.batch_list(actor=request.user, filters=f, today=today)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Stock by batch"))
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    header = []
    for label in _LABELS:
        cell = WriteOnlyCell(ws, value=_(label))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0FE")
        header.append(cell)
    ws.append(header)
    for n, b in enumerate(qs[: max_rows + 1].iterator(chunk_size=1000)):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            break
        p = b.product
        ws.append([_excel_safe(v) for v in (
            p.generic_name + (f"（{p.trade_name}）" if p.trade_name else ""), p.spec, p.manufacturer,
            p.approval_number, b.warehouse.name, b.batch_no, b.production_date, b.expiry_date,
            (b.expiry_date - today).days, b.on_hand, p.get_packing_unit_display(), b.get_status_display())])
    response = HttpResponse(_save(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="stock-{stamp}.xlsx"'
    return response


@web_view
def stock_batch(request, batch_id: int):
    batch = selectors.batch_get(actor=request.user, batch_id=batch_id)
    _mark([batch], timezone.localdate())
    can_manage = services.can_manage_stock(request.user)
    return render(request, "web/inventory/batch.html", {
        "batch": batch, "moves": selectors.batch_moves(actor=request.user, batch_id=batch_id),
        "can_manage": can_manage,
        "status_form": StatusForm(initial={"status": batch.status}) if can_manage else None,
    })


@require_POST
@web_view
def batch_status(request, batch_id: int):
    _require_manager(request.user)
    batch = selectors.batch_get(actor=request.user, batch_id=batch_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.batch_set_status(actor=request.user, batch_id=batch.pk, status=form.cleaned_data["status"],
                                      reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Batch %(batch)s is now “%(status)s”.") % {
                "batch": batch.batch_no, "status": BatchStatus(form.cleaned_data["status"]).label})
    else:
        messages.error(request, _("Choose a status."))
    return redirect("web:stock_batch", batch_id=batch.pk)


# --- adjustments --------------------------------------------------------------------------------

@web_view
def adjustment_new(request):
    _require_manager(request.user)
    batch_id = int_or_none(request.GET.get("batch") or request.POST.get("batch"))
    if not batch_id:
        messages.info(request, _("Open a batch from the stock list, then adjust it."))
        return redirect("web:stock_list")
    batch = selectors.batch_get(actor=request.user, batch_id=batch_id)
    status = 200
    if request.method == "POST":
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            try:
                services.adjustment_post(actor=request.user, batch_id=batch.pk, delta=form.cleaned_data["delta"],
                                         reason=form.cleaned_data["reason"],
                                         reason_text=form.cleaned_data["reason_text"])
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Stock of batch %(batch)s adjusted.") % {"batch": batch.batch_no})
                return redirect("web:stock_batch", batch_id=batch.pk)
        status = 400
    else:
        form = AdjustmentForm()
    return render(request, "web/inventory/adjustment_form.html", {"batch": batch, "form": form}, status=status)


# --- receipts -----------------------------------------------------------------------------------

@web_view
def receipt_list(request):
    q = request.GET.get("q", "")[:100]
    warehouse_id = int_or_none(request.GET.get("warehouse"))
    qs = selectors.receipt_list(actor=request.user, filters=selectors.ReceiptFilters(q=q, warehouse_id=warehouse_id))
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    params = {"q": q, "warehouse": warehouse_id or ""}

    def url(**extra) -> str:
        return "?" + urlencode({k: v for k, v in {**params, **extra}.items() if v})

    return render(request, "web/inventory/receipt_list.html", {
        "receipts": rows, "page": page, "q": q, "warehouse_id": warehouse_id,
        "warehouses": selectors.warehouse_list(actor=request.user),
        "prev_url": url(page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": url(page=page + 1) if has_next else None, "filtered": bool(q or warehouse_id),
        "can_manage": services.can_manage_stock(request.user),
    })


def _posted_lines(post) -> list[dict]:
    columns = {name: post.getlist(f"line-{name}") for name in LINE_FIELDS}
    count = min(max((len(v) for v in columns.values()), default=0), services.MAX_LINES + 1)
    rows = []
    for i in range(count):
        row = {name: (columns[name][i].strip() if i < len(columns[name]) else "") for name in LINE_FIELDS}
        if any(row.values()):
            rows.append(row)
    return rows


@web_view
def receipt_new(request):
    _require_manager(request.user)
    warehouses = list(selectors.warehouse_list(actor=request.user, active_only=True))
    if not warehouses:
        messages.info(request, _("Create a warehouse first."))
        return redirect("web:warehouse_list")
    rows: list[dict] = []
    status = 200
    if request.method == "POST":
        form = ReceiptForm(request.POST, warehouses=warehouses)
        rows = _posted_lines(request.POST)
        for row in rows:
            row["errors"] = []
        if form.is_valid():
            lines = [{"product_id": int_or_none(r["product"]), "batch_no": r["batch_no"],
                      "production_date": r["production_date"], "expiry_date": r["expiry_date"],
                      "quantity": r["quantity"]} for r in rows]
            try:
                receipt = services.receipt_post(
                    actor=request.user, warehouse_id=form.cleaned_data["warehouse"],
                    received_on=form.cleaned_data["received_on"], supplier=form.cleaned_data["supplier"],
                    notes=form.cleaned_data["notes"], lines=lines)
            except ApplicationError as exc:
                placed = False
                for key, msgs in exc.fields.items():
                    parts = key.split(".")
                    if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(rows):
                        rows[int(parts[1])]["errors"].extend(msgs)
                        placed = True
                    elif key == "warehouse_id":
                        form.add_error("warehouse", msgs[0])
                        placed = True
                    elif key in form.fields:
                        form.add_error(key, msgs[0])
                        placed = True
                if not placed or "lines" in exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Stock-in receipt %(number)s posted.") % {"number": receipt.number})
                return redirect("web:receipt_detail", receipt_id=receipt.pk)
        status = 400
    else:
        form = ReceiptForm(warehouses=warehouses, initial={"received_on": timezone.localdate()})
    products = Product.objects.in_bulk([pid for pid in (int_or_none(r.get("product")) for r in rows) if pid])
    for row in rows:
        p = products.get(int_or_none(row.get("product")))
        row["product_label"] = f"{p} · {p.manufacturer}" if p else ""
    if not rows:
        rows = [{"errors": []}, {"errors": []}]
    return render(request, "web/inventory/receipt_form.html", {"form": form, "rows": rows,
                                                              "today": timezone.localdate()}, status=status)


@web_view
def receipt_detail(request, receipt_id: int):
    receipt = selectors.receipt_get(actor=request.user, receipt_id=receipt_id)
    lines = list(receipt.lines.all())
    return render(request, "web/inventory/receipt_detail.html", {
        "receipt": receipt, "lines": lines, "total": sum(ln.quantity for ln in lines),
        "print": request.GET.get("print") == "1"})


# --- warehouses ---------------------------------------------------------------------------------

@web_view
def warehouse_list(request):
    can_manage = services.can_manage_stock(request.user)
    status = 200
    form = WarehouseForm() if can_manage else None
    if request.method == "POST":
        _require_manager(request.user)
        form = WarehouseForm(request.POST)
        if form.is_valid():
            try:
                wh = services.warehouse_create(actor=request.user, data=form.cleaned_data)
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Warehouse %(name)s created.") % {"name": wh.name})
                return redirect("web:warehouse_list")
        status = 400
    return render(request, "web/inventory/warehouses.html", {
        "warehouses": selectors.warehouse_list(actor=request.user), "form": form, "can_manage": can_manage},
        status=status)


@web_view
def warehouse_edit(request, warehouse_id: int):
    _require_manager(request.user)
    wh = selectors.warehouse_get(actor=request.user, warehouse_id=warehouse_id)
    status = 200
    if request.method == "POST":
        form = WarehouseForm(request.POST)
        if form.is_valid():
            try:
                services.warehouse_update(actor=request.user, warehouse_id=wh.pk, data=form.cleaned_data)
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Warehouse %(name)s saved.") % {"name": form.cleaned_data["name"]})
                return redirect("web:warehouse_list")
        status = 400
    else:
        form = WarehouseForm(initial={"code": wh.code, "name": wh.name, "address": wh.address,
                                      "is_active": wh.is_active, "notes": wh.notes})
    return render(request, "web/inventory/warehouse_edit.html", {"warehouse": wh, "form": form}, status=status)
