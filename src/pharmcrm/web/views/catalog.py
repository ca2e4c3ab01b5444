"""Product catalog pages: list (search, filters, sort, pages, Excel), detail with tabs
(overview, prices, history), create/edit, discontinue/put back on sale.

Everybody logged in reads the catalog; floor prices only ``can_see_floor_price``; writes only
``can_edit_catalog`` (the services check it again: a 403 either way). Prices: catalog_prices.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from pharmcrm.catalog import selectors, services
from pharmcrm.catalog.models import PriceKind, ProductStatus
from pharmcrm.catalog.selectors import ProductFilters
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.pagination import capped_count
from pharmcrm.web.forms_catalog import FILTERS, ProductFilterForm, ProductForm
from pharmcrm.web.views import catalog_export, catalog_history
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view

SORTABLE = {"name", "trade", "manufacturer", "status", "recent"}
PRICE_COLUMNS = [PriceKind.AGENCY, PriceKind.SUPPLY, PriceKind.RETAIL, PriceKind.FLOOR]


def _filters(request) -> tuple[ProductFilterForm, dict, ProductFilters]:
    form = ProductFilterForm(request.GET)
    v = form.values()
    return form, v, ProductFilters(q=v["q"], sort=v["sort"], **{k: v[k] for k in FILTERS})


def _query(values: dict, **override) -> str:
    params = {k: values[k] for k in ("q", *FILTERS)}
    params["sort"] = "" if values["sort"] == "name" else values["sort"]
    params["size"] = "" if values["size"] == settings.PHARMCRM["LIST_PAGE_SIZE"] else values["size"]
    params.update(override)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _columns(values: dict) -> list[dict]:
    sort = values["sort"]
    out = []
    for key, label, css in (
        ("name", _("Generic name"), ""), ("trade", _("Trade name"), "d-none d-md-table-cell"),
        ("spec", _("Specification"), ""), ("manufacturer", _("Manufacturer"), "d-none d-lg-table-cell"),
        ("status", _("Status"), "d-none d-sm-table-cell"),
    ):
        col = {"key": key, "label": label, "css": css, "sortable": key in SORTABLE}
        if col["sortable"]:
            col["dir"] = "asc" if sort == key else "desc" if sort == f"-{key}" else None
            next_sort = f"-{key}" if sort == key else key
            col["url"] = "?" + _query(values, sort="" if next_sort == "name" else next_sort, page="")
        out.append(col)
    return out


def price_kinds_shown(user) -> list[tuple[str, str]]:
    kinds = selectors.visible_price_kinds(user)
    return [(k, PriceKind(k).label) for k in PRICE_COLUMNS if k in kinds]


@web_view
def product_list(request):
    form, values, filters = _filters(request)
    qs = selectors.product_list(actor=request.user, filters=filters)
    size = values["size"]
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    rows = list(qs[(page - 1) * size: page * size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    count = capped_count(qs)
    kinds = price_kinds_shown(request.user)
    prices = selectors.current_prices(actor=request.user, product_ids=[p.pk for p in rows])
    for p in rows:
        p.price_cells = [prices.get(p.pk, {}).get(k) for k, _label in kinds]
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    context = {
        "form": form, "values": values, "rows": rows, "count": count, "page": page,
        "pages": (count.value + size - 1) // size if count.exact else None,
        "has_next": has_next,
        "prev_url": "?" + _query(values, page=page - 1) if page > 1 else None,
        "next_url": "?" + _query(values, page=page + 1) if has_next else None,
        "size_urls": [(n, "?" + _query(values, size=n), n == size) for n in (20, 50, 100)],
        "columns": _columns(values),
        "price_kinds": kinds,
        "export_url": reverse("web:product_export") + "?" + _query(values, size=""),
        "export_capped": count.value > max_rows,
        "export_max_rows": max_rows,
        "filtered": any(values[k] for k in ("q", *FILTERS)),
        "can_edit": selectors.can_edit_catalog(request.user),
        "crumbs": [(_("Products"), None)],
    }
    return render(request, "web/catalog/list.html", context)


@web_view
def product_export(request):
    _form, _values, filters = _filters(request)
    qs = selectors.product_list(actor=request.user, filters=filters)
    content, n, capped = catalog_export.products_xlsx(request.user, qs, max_rows=settings.PHARMCRM["EXPORT_MAX_ROWS"])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="products-{stamp}.xlsx"'
    response["X-Export-Rows"] = str(n)
    response["X-Export-Capped"] = "1" if capped else "0"
    return response


# --- detail ----------------------------------------------------------------------------------

TABS = [("overview", _("Overview")), ("prices", _("Prices")), ("history", _("Change history"))]


def overview_rows(product) -> list[tuple[str, str, object]]:
    from pharmcrm.catalog.models import Product

    rows = []
    for name in ("generic_name", "trade_name", "dosage_form", "spec", "packing_unit", "case_quantity",
                 "approval_number", "manufacturer", "mah", "therapeutic_area", "insurance_class", "rx_class",
                 "storage", "tax_rate", "status", "created_by", "created_at", "updated_at", "notes"):
        field = Product._meta.get_field(name)
        value = getattr(product, name)
        if field.choices:
            value = getattr(product, f"get_{name}_display")()
        if name == "mah" and not value:
            value = _("Same as the manufacturer")
        if name == "tax_rate":
            value = f"{value.normalize():f}%"
        rows.append((name, capfirst(str(field.verbose_name)), value))
    return rows


def detail_context(request, product, tab: str) -> dict:
    from pharmcrm.web.views import catalog_prices

    user = request.user
    ctx = {
        "product": product, "tab": tab,
        "tabs": [(key, label) for key, label in TABS],
        "can_edit": selectors.can_edit_catalog(user),
        "crumbs": [(_("Products"), reverse("web:product_list")), (str(product), None)],
    }
    if tab == "prices":
        ctx.update(catalog_prices.prices_context(request, product))
    elif tab == "history":
        ctx["history"] = catalog_history.rows(selectors.product_history(actor=user, product=product))
    else:
        ctx["overview"] = overview_rows(product)
        current = selectors.current_prices(actor=user, product_ids=[product.pk]).get(product.pk, {})
        ctx["current"] = [(label, current.get(k)) for k, label in price_kinds_shown(user)]
    return ctx


@web_view
def product_detail(request, product_id: int):
    product = selectors.product_get(actor=request.user, product_id=product_id)
    tab = request.GET.get("tab") if request.GET.get("tab") in dict(TABS) else "overview"
    return render(request, "web/catalog/detail.html", detail_context(request, product, tab))


# --- create / edit / status ------------------------------------------------------------------

def _require_writer(user) -> None:
    if not selectors.can_edit_catalog(user):
        raise PermissionDenied(_("Only administrators and sales admins may change the product catalog."))


@web_view
def product_create(request):
    _require_writer(request.user)
    status = 200
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product = services.product_create(actor=request.user, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Product “%(name)s” created. Add its prices next.") % {"name": product})
                return redirect(reverse("web:product_detail", args=[product.pk]) + "?tab=prices")
        status = 400
    else:
        form = ProductForm()
    return render(request, "web/catalog/form.html", {
        "form": form, "product": None,
        "crumbs": [(_("Products"), reverse("web:product_list")), (_("New product"), None)],
    }, status=status)


@web_view
def product_edit(request, product_id: int):
    product = selectors.product_get(actor=request.user, product_id=product_id)
    _require_writer(request.user)
    status = 200
    if request.method == "POST":
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                services.product_update(actor=request.user, product_id=product.pk, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("web:product_detail", product_id=product.pk)
        status = 400
    else:
        form = ProductForm(initial={name: getattr(product, name) for name in ProductForm.FIELDS})
    return render(request, "web/catalog/form.html", {
        "form": form, "product": product,
        "crumbs": [(_("Products"), reverse("web:product_list")),
                   (str(product), reverse("web:product_detail", args=[product.pk])), (_("Edit"), None)],
    }, status=status)


@web_view
def product_status(request, product_id: int):
    """POST status=discontinued|active."""
    product = selectors.product_get(actor=request.user, product_id=product_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require_writer(request.user)
    new = request.POST.get("status", "")
    try:
        services.product_set_status(actor=request.user, product_id=product.pk, status=new)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if new == ProductStatus.DISCONTINUED:
            messages.success(request, _("“%(name)s” is discontinued.") % {"name": product})
        else:
            messages.success(request, _("“%(name)s” is on sale again.") % {"name": product})
    return redirect("web:product_detail", product_id=product.pk)
