"""Sales order pages (销售订单): the list (state tabs, filters, sort, pagination, Excel export),
the order form (lines with product search, price-list defaults, live amounts), the order page
(timeline, only the legal actions), the finance review, the warehouse queue with the FEFO
proposal and the outbound form, the shipment form, the printable delivery note (随货同行单), price
exceptions and the customer page's 订单 tab with the credit terms. Thin: parse, call one service
or selector, render."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from pharmcrm.catalog import pricing
from pharmcrm.catalog.models import Product
from pharmcrm.catalog.permissions import can_see_floor_price
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.files import stored_file_response
from pharmcrm.customers.selectors import customer_get
from pharmcrm.org import visibility
from pharmcrm.org.models import Role
from pharmcrm.sales import review, rules, selectors, services
from pharmcrm.sales.models import APPROVED_AND_LATER, PriceException, SalesOrder, Status, TerminalType
from pharmcrm.web.views.common import int_or_none, web_view

RETURN_STATES = (Status.OUTBOUND, Status.SHIPPED, Status.RECEIVED, Status.CLOSED)
PAGE_SIZE = 20
MAX_PAGE = 500
TAB_ROWS = 10
TABS = [("", gettext_noop("All")), (Status.DRAFT, gettext_noop("Drafts")),
        (Status.SUBMITTED, gettext_noop("Awaiting review")), (Status.APPROVED, gettext_noop("Approved")),
        (Status.OUTBOUND, gettext_noop("Outbound issued")), (Status.SHIPPED, gettext_noop("Shipped")),
        (Status.RECEIVED, gettext_noop("Received")), (Status.CANCELLED, gettext_noop("Cancelled"))]


def detail_url(order_id: int) -> str:
    return reverse("web:order_detail", args=[order_id])


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _is_warehouse(user) -> bool:
    return user.is_active and (user.is_admin or user.has_role(Role.WAREHOUSE))


def _is_finance(user) -> bool:
    return user.is_active and (user.is_admin or user.has_role(Role.FINANCE))


# --- the list ------------------------------------------------------------------------------

def _filters(request) -> tuple[dict, selectors.OrderFilters]:
    g = request.GET
    params = {"status": g.get("status", "") if g.get("status", "") in Status.values else "",
              "q": (g.get("q") or "").strip()[:100], "customer": int_or_none(g.get("customer")) or "",
              "product": int_or_none(g.get("product")) or "", "owner": int_or_none(g.get("owner")) or "",
              "from": g.get("from", "") if _date(g.get("from")) else "",
              "to": g.get("to", "") if _date(g.get("to")) else "",
              "sort": g.get("sort", "") if g.get("sort", "") in selectors.SORTS else ""}
    f = selectors.OrderFilters(status=params["status"], q=params["q"], customer_id=params["customer"] or None,
                               product_id=params["product"] or None, owner_id=params["owner"] or None,
                               date_from=_date(params["from"]), date_to=_date(params["to"]),
                               sort=params["sort"] or selectors.DEFAULT_SORT)
    return params, f


@web_view
def order_list(request):
    params, f = _filters(request)
    qs = selectors.order_list(actor=request.user, filters=f)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    counts = selectors.status_counts(request.user)

    def url(**extra) -> str:
        merged = {**params, **extra}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    sort = f.sort
    sort_links = {
        "created": url(sort="created" if sort == "-created" else "-created", page=""),
        "amount": url(sort="amount" if sort == "-amount" else "-amount", page=""),
        "number": url(sort="-number" if sort == "number" else "number", page=""),
    }
    tabs = [{"key": k, "label": _(label), "url": url(status=k, page=""), "active": params["status"] == k,
             "count": sum(counts.values()) if not k else counts.get(k, 0)} for k, label in TABS]
    product = Product.objects.filter(pk=params["product"]).first() if params["product"] else None
    owner = None
    if params["owner"]:
        from pharmcrm.org.models import User

        owner = User.objects.filter(pk=params["owner"]).first()
    customer_label = ""
    if params["customer"]:
        customer_label = SalesOrder.objects.filter(pk__in=selectors.visible_orders(request.user).values("pk"),
                                                   customer_id=params["customer"]).values_list(
            "customer__name", flat=True).first() or ""
    return render(request, "web/orders/list.html", {
        "orders": rows, "page": page, "tabs": tabs, "params": params, "sort": sort, "sort_links": sort_links,
        "prev_url": url(page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": url(page=page + 1) if has_next else None,
        "filtered": any(v for k, v in params.items() if k not in ("sort", "status")),
        "export_url": reverse("web:order_export") + url(),
        "product": product, "owner": owner, "customer_label": customer_label,
        "can_create": request.user.is_active and (request.user.is_head or request.user.is_admin or bool(
            request.user.role_codes & {Role.SALES_REP, Role.SALES_ADMIN})),
        "is_warehouse": _is_warehouse(request.user), "reset_url": reverse("web:order_list"),
    })


_COLUMNS = [(gettext_noop("Order number"), 18), (gettext_noop("Customer"), 30), (gettext_noop("Status"), 10),
            (gettext_noop("Terminal type"), 12), (gettext_noop("Amount"), 14), (gettext_noop("Tax"), 12),
            (gettext_noop("Created at"), 18), (gettext_noop("Created by"), 10), (gettext_noop("Approved at"), 18),
            (gettext_noop("Carrier"), 12), (gettext_noop("Tracking number"), 18), (gettext_noop("Shipped on"), 12),
            (gettext_noop("Received on"), 12), (gettext_noop("Notes"), 30)]


@web_view
def order_export(request):
    """Exactly the filtered rows of the list, as an Excel workbook (capped)."""

    from pharmcrm.web.export import _excel_safe, _save, header_sheet

    _params, f = _filters(request)
    qs = selectors.order_list(actor=request.user, filters=f)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    wb, ws = header_sheet(_("Orders"), _COLUMNS)

    def local(dt):
        return timezone.localtime(dt).replace(tzinfo=None) if dt else None

    for n, o in enumerate(qs[: max_rows + 1].iterator(chunk_size=1000)):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            break
        ws.append([_excel_safe(v) for v in (
            o.number, o.customer.name, o.get_status_display(), o.get_terminal_type_display(), o.amount_total,
            o.tax_total, local(o.created_at), o.created_by.full_name or o.created_by.username, local(o.approved_at),
            o.carrier, o.tracking_no, o.shipped_on, o.received_on, o.notes)])
    response = HttpResponse(_save(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.xlsx"'
    return response


# --- the form ------------------------------------------------------------------------------

def _lines_from_post(post) -> list[dict]:
    products, qtys, prices = post.getlist("product_id"), post.getlist("quantity"), post.getlist("unit_price")
    out = []
    for i in range(max(len(products), len(qtys), len(prices))):
        p = products[i] if i < len(products) else ""
        q = qtys[i] if i < len(qtys) else ""
        pr = prices[i] if i < len(prices) else ""
        if not (p or q or pr):
            continue  # an empty row the user added and left
        out.append({"product_id": p, "quantity": q, "unit_price": pr})
    return out


def _form_context(request, customer, *, order=None, data=None, errors=None, lines=None) -> dict:
    errors = errors or {}
    addresses = list(customer.shipping_addresses.filter(is_active=True).order_by("-is_default", "id"))
    if lines is None:
        lines = ([{"product_id": ln.product_id, "quantity": f"{ln.quantity.normalize():f}",
                   "unit_price": f"{ln.unit_price.normalize():f}", "amount": ln.amount}
                  for ln in order.lines.all()] if order else [{"product_id": "", "quantity": "", "unit_price": ""}])
    ids = [int_or_none(ln.get("product_id")) for ln in lines]
    products = {p.pk: p for p in Product.objects.filter(pk__in=[i for i in ids if i])}
    for i, ln in enumerate(lines):
        ln["product"] = products.get(int_or_none(ln.get("product_id")))
        ln["errors"] = [m for k in ("product_id", "quantity", "unit_price", "tax_rate", "")
                        for m in errors.get(f"lines.{i}.{k}" if k else f"lines.{i}", [])]
        ln["error_fields"] = {k for k in ("product_id", "quantity", "unit_price") if f"lines.{i}.{k}" in errors}
    values = data or {}
    default_terminal = {"hospital": TerminalType.PUBLIC_HOSPITAL, "clinic": TerminalType.PUBLIC_HOSPITAL,
                        "chain": TerminalType.PHARMACY, "pharmacy": TerminalType.PHARMACY}.get(
        customer.type, TerminalType.AGENT)
    return {
        "customer": customer, "order": order, "addresses": addresses, "lines": lines, "errors": errors,
        "terminal_types": TerminalType.choices,
        "address_id": int_or_none(values.get("shipping_address_id")) or (
            order.shipping_address_id if order else (addresses[0].pk if addresses else None)),
        "terminal_type": values.get("terminal_type") or (order.terminal_type if order else default_terminal),
        "notes": values.get("notes", order.notes if order else ""),
        "general_errors": errors.get("__all__", []) + errors.get("lines", []),
        "price_url": reverse("web:order_product_options") + f"?customer={customer.pk}",
    }


def _post_data(request) -> dict:
    return {"shipping_address_id": request.POST.get("shipping_address_id"),
            "terminal_type": request.POST.get("terminal_type"), "notes": request.POST.get("notes", ""),
            "lines": _lines_from_post(request.POST)}


@web_view
def order_new(request):
    """/orders/new/?customer=ID: the form; without a customer, choose one first."""
    customer_id = int_or_none(request.GET.get("customer") or request.POST.get("customer"))
    if not customer_id:
        return render(request, "web/orders/choose_customer.html", {})
    customer = customer_get(actor=request.user, customer_id=customer_id)
    status = 200
    if request.method == "POST":
        data = _post_data(request)
        try:
            order = services.order_create(actor=request.user, data={"customer_id": customer.pk, **data})
        except ApplicationError as exc:
            ctx = _form_context(request, customer, data=data, errors={**exc.fields, "__all__": [] if exc.fields
                                                                        else [exc.message]},
                                lines=data["lines"] or None)
            return render(request, "web/orders/form.html", ctx, status=400)
        if request.POST.get("then") == "submit":
            try:
                services.order_submit(actor=request.user, order_id=order.pk)
                messages.success(request, _("Order %(number)s submitted for finance review.") % {
                    "number": order.number})
            except ApplicationError as exc:
                messages.error(request, exc.message)
        else:
            messages.success(request, _("Order %(number)s saved as a draft.") % {"number": order.number})
        return redirect(detail_url(order.pk))
    return render(request, "web/orders/form.html", _form_context(request, customer), status=status)


@web_view
def order_edit(request, order_id: int):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    if not rules.allowed(rules.EDIT, order.status, services.capacities_for(request.user, order)):
        messages.error(request, _("Only a draft order can be changed, by whoever may sell to the customer."))
        return redirect(detail_url(order.pk))
    if request.method == "POST":
        data = _post_data(request)
        try:
            services.order_update(actor=request.user, order_id=order.pk, data=data)
        except ApplicationError as exc:
            ctx = _form_context(request, order.customer, order=order, data=data,
                                errors={**exc.fields, "__all__": [] if exc.fields else [exc.message]},
                                lines=data["lines"] or None)
            return render(request, "web/orders/form.html", ctx, status=400)
        if request.POST.get("then") == "submit":
            try:
                services.order_submit(actor=request.user, order_id=order.pk)
                messages.success(request, _("Order %(number)s submitted for finance review.") % {
                    "number": order.number})
            except ApplicationError as exc:
                messages.error(request, exc.message)
        else:
            messages.success(request, _("Order saved."))
        return redirect(detail_url(order.pk))
    return render(request, "web/orders/form.html", _form_context(request, order.customer, order=order))


@web_view
def product_options(request):
    """GET ?customer=&product= -> {"price", "tax_rate"}: the list (supply) price that applies to this
    customer today, for the form's default. Only for a customer the requester sees."""
    customer = customer_get(actor=request.user, customer_id=int_or_none(request.GET.get("customer")) or 0)
    product = Product.objects.filter(pk=int_or_none(request.GET.get("product")) or 0).first()
    if product is None:
        raise Http404
    p = pricing.price_for(product=product, kind=services.DEFAULT_PRICE_KIND, on_date=timezone.localdate(),
                          customer=customer)
    return JsonResponse({"price": f"{p.price.normalize():f}" if p else "", "tax_rate": str(product.tax_rate),
                         "unit": product.get_packing_unit_display(), "spec": product.spec})


# --- the order page ------------------------------------------------------------------------

STEPS = [Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.OUTBOUND, Status.SHIPPED, Status.RECEIVED]


def _detail_context(request, order: SalesOrder, **extra) -> dict:
    user = request.user
    access = selectors.order_access(user, order)
    caps = services.capacities_for(user, order) if access == selectors.FULL or _is_warehouse(user) else set()
    actions = rules.allowed_actions(order.status, caps)
    lines = list(selectors.order_lines(order))
    show_floor = access == selectors.FULL and can_see_floor_price(user)
    exceptions = list(selectors.price_exceptions_of(order)) if access == selectors.FULL else []
    approved_exc = {(e.line_id, e.unit_price) for e in exceptions if e.state == PriceException.State.APPROVED}
    pending_lines = {e.line_id for e in exceptions if e.state == PriceException.State.PENDING}
    floors = {}
    if access == selectors.FULL and order.status in (Status.DRAFT, Status.SUBMITTED):
        missing = [ln.product_id for ln in lines if ln.floor_price is None]
        floors = {pid: p.price for pid, p in pricing.price_map(
            product_ids=missing, kind="floor", on_date=timezone.localdate(), customer=order.customer).items()}
    for ln in lines:
        floor = ln.floor_price if ln.floor_price is not None else floors.get(ln.product_id)
        ln.below_floor = floor is not None and ln.unit_price < floor
        ln.shown_floor = floor if show_floor else None
        ln.excepted = (ln.pk, ln.unit_price) in approved_exc
        ln.pending_exception = ln.pk in pending_lines
        ln.may_ask = (ln.below_floor and not ln.excepted and not ln.pending_exception
                      and rules.SELLER in caps and order.status in (Status.DRAFT, Status.SUBMITTED))
    for e in exceptions:
        e.may_decide = e.state == PriceException.State.PENDING and services.may_decide_exception(user, order)
    if access == selectors.FULL and order.approved_at is not None:  # which invoices covered each line
        from pharmcrm.invoicing.sales_hooks import SOURCE
        from pharmcrm.invoicing.selectors import coverage_of_sources

        coverage = coverage_of_sources(actor=user, source_type=SOURCE, source_ids=[ln.pk for ln in lines])
        for ln in lines:
            ln.invoices = coverage.get(ln.pk, [])
    from pharmcrm.web.views.payments import order_block  # the 回款 block (payments)
    extra = {**order_block(request, order), **extra}
    done = STEPS.index(order.status) if order.status in STEPS else -1
    return {
        "order": order, "access": access, "full": access == selectors.FULL, "actions": actions,
        "lines": lines, "show_floor": show_floor, "exceptions": exceptions,
        "events": list(selectors.order_events(order)),
        "steps": [{"label": Status(s).label, "done": i < done or order.status == Status.CLOSED,
                   "current": i == done} for i, s in enumerate(STEPS)],
        "customer_link": access == selectors.FULL and visibility.can_see(user, order.customer_id),
        "has_allocations": order.status in APPROVED_AND_LATER and order.status != Status.APPROVED,
        "any_below": any(ln.below_floor for ln in lines), **_returns_context(user, order),
        "attachments": list(selectors.order_attachments(user, order)),
        "may_attach": services.may_attach(user, order), **extra,
    }


def _returns_context(user, order) -> dict:
    from pharmcrm.web.views.returns import order_returns_context

    return order_returns_context(user, order) if order.status in RETURN_STATES else {}


@web_view
def order_detail(request, order_id: int):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    return render(request, "web/orders/detail.html", _detail_context(request, order))


ACTIONS = {"submit", "cancel", "receive", "approve", "reject"}
DONE = {"submit": gettext_noop("Order submitted for finance review."), "cancel": gettext_noop("Order cancelled."),
        "receive": gettext_noop("Order marked received."), "approve": gettext_noop("Order approved."),
        "reject": gettext_noop("Order rejected back to draft.")}


@web_view
@require_POST
def order_action(request, order_id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    order = selectors.order_get(actor=request.user, order_id=order_id)
    p = request.POST
    try:
        if action == "submit":
            services.order_submit(actor=request.user, order_id=order.pk)
        elif action == "cancel":
            services.order_cancel(actor=request.user, order_id=order.pk, reason=p.get("reason", ""))
        elif action == "receive":
            services.order_receive(actor=request.user, order_id=order.pk, received_on=p.get("received_on") or None)
        elif action == "approve":
            services.order_approve(actor=request.user, order_id=order.pk, override_reason=p.get("override_reason", ""))
        else:
            services.order_reject(actor=request.user, order_id=order.pk, reason=p.get("reason", ""))
    except ApplicationError as exc:
        if action in ("approve", "reject") and exc.code != "illegal_transition":
            return render(request, "web/orders/review.html", _review_context(
                request, order, errors={action: exc.fields and next(iter(exc.fields.values())) or [exc.message]},
                values=p), status=400)
        if exc.code != "illegal_transition" and action in ("cancel", "receive"):
            return render(request, "web/orders/detail.html", _detail_context(
                request, order, action_errors={action: [exc.message]}), status=400)
        messages.error(request, exc.message)
        return redirect(detail_url(order.pk))
    messages.success(request, _(DONE[action]))
    return redirect(detail_url(order.pk))


# --- finance review ------------------------------------------------------------------------

def _review_context(request, order, *, errors=None, values=None) -> dict:
    checks = review.run_checks(order)
    ctx = _detail_context(request, order)
    ctx.update({"checks": checks, "hard_failed": any(not c.passed and c.hard for c in checks),
                "soft_failed": any(not c.passed and not c.hard for c in checks), "errors": errors or {},
                "values": values or {}, "terms": services.terms_of(order.customer_id),
                "outstanding": review.outstanding_of(order.customer_id, exclude_order_id=order.pk),
                "can_edit_terms": services.can_edit_terms(request.user)})
    return ctx


@web_view
def order_review(request, order_id: int):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    if selectors.order_access(request.user, order) != selectors.FULL:
        raise Http404
    return render(request, "web/orders/review.html", _review_context(request, order))


# --- warehouse -----------------------------------------------------------------------------

@web_view
def warehouse_queue(request):
    if not _is_warehouse(request.user):
        raise PermissionDenied(_("The warehouse queue is for warehouse staff."))
    qs = selectors.with_details(selectors.visible_orders(request.user))
    waiting = list(qs.filter(status=Status.APPROVED).order_by("approved_at", "id")[:100])
    to_ship = list(qs.filter(status=Status.OUTBOUND).order_by("outbound_at", "id")[:100])
    return render(request, "web/orders/warehouse.html", {"waiting": waiting, "to_ship": to_ship})


def _outbound_context(request, order, *, errors=None) -> dict:
    from pharmcrm.inventory.selectors import available_batches
    from pharmcrm.inventory.services import propose_allocation

    min_expiry = services.min_expiry_for(order)
    lines = list(selectors.order_lines(order))
    for ln in lines:
        try:
            ln.proposal = propose_allocation(product_id=ln.product_id, quantity=ln.quantity, min_expiry=min_expiry)
            ln.short = ""
        except ApplicationError as exc:
            ln.proposal, ln.short = [], exc.message
        ln.batches = list(available_batches(product_id=ln.product_id, min_expiry=min_expiry)
                          .select_related("warehouse").order_by("expiry_date", "id")[:30])
    ctx = _detail_context(request, order)
    ctx.update({"lines": lines, "min_expiry": min_expiry, "errors": errors or [],
                "shelf_days": services.terms_of(order.customer_id).min_shelf_life_days})
    return ctx


@web_view
def order_outbound(request, order_id: int):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    if not rules.allowed(rules.OUTBOUND, order.status, services.capacities_for(request.user, order)):
        messages.error(request, _("Only warehouse staff issue the outbound of an approved order."))
        return redirect(detail_url(order.pk))
    if request.method == "POST":
        chosen = {}
        for ln in order.lines.all():
            batch = int_or_none(request.POST.get(f"batch_{ln.pk}"))
            if batch:
                chosen[ln.pk] = [(batch, ln.quantity)]
        try:
            services.order_outbound(actor=request.user, order_id=order.pk, chosen=chosen or None,
                                    note=request.POST.get("note", ""))
        except ApplicationError as exc:
            return render(request, "web/orders/outbound.html", _outbound_context(
                request, order, errors=[exc.message]), status=400)
        messages.success(request, _("Outbound issued; print the delivery note."))
        return redirect(detail_url(order.pk))
    return render(request, "web/orders/outbound.html", _outbound_context(request, order))


@web_view
def order_ship(request, order_id: int):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    if not rules.allowed(rules.SHIP, order.status, services.capacities_for(request.user, order)):
        messages.error(request, _("Only warehouse staff ship an order whose outbound was issued."))
        return redirect(detail_url(order.pk))
    errors, values = {}, {"shipped_on": timezone.localdate().isoformat()}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("carrier", "tracking_no", "shipped_on")}
        try:
            services.order_ship(actor=request.user, order_id=order.pk, carrier=values["carrier"],
                                tracking_no=values["tracking_no"], shipped_on=values["shipped_on"] or None)
        except ApplicationError as exc:
            errors = exc.fields or {"general": [exc.message]}
        else:
            messages.success(request, _("Order shipped."))
            return redirect(detail_url(order.pk))
    ctx = _detail_context(request, order)
    ctx.update({"errors": errors, "values": values})
    return render(request, "web/orders/ship.html", ctx, status=400 if errors else 200)


@web_view
def delivery_note(request, order_id: int):
    return _outbound_document(request, order_id, "web/orders/delivery_note.html")


@web_view
def outbound_check(request, order_id: int):
    """出库复核记录: the GSP record of the outbound check, per batch (print-friendly)."""
    return _outbound_document(request, order_id, "web/orders/outbound_check.html")


def _outbound_document(request, order_id: int, template: str):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    if order.status not in (Status.OUTBOUND, Status.SHIPPED, Status.RECEIVED, Status.CLOSED):
        messages.error(request, _("The delivery note exists once the outbound is issued."))
        return redirect(detail_url(order.pk))
    rows = []
    for ln in selectors.order_lines(order):
        for a in ln.allocations.all():
            rows.append({"line": ln, "alloc": a, "amount": services.line_amount(a.quantity, ln.unit_price)})
    return render(request, template, {
        "order": order, "rows": rows, "total": sum((r["amount"] for r in rows), Decimal("0.00")),
        "company": settings.PHARMCRM.get("COMPANY_NAME", "") if hasattr(settings, "PHARMCRM") else ""})


# --- attachments ---------------------------------------------------------------------------

@web_view
@require_POST
def attachment_add(request, order_id: int):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    try:
        rows = services.order_attachment_add(actor=request.user, order_id=order.pk,
                                             files=request.FILES.getlist("files"), note=request.POST.get("note", ""))
    except ApplicationError as exc:
        return render(request, "web/orders/detail.html", _detail_context(
            request, order, attachment_errors=[m for ms in exc.fields.values() for m in ms] or [exc.message]),
            status=400)
    messages.success(request, _("%(n)d file(s) added.") % {"n": len(rows)})
    return redirect(detail_url(order.pk) + "#attachments")


@web_view
def attachment_file(request, order_id: int, attachment_id: int):
    """A file of the order, only through this permission check (inline; ``?download=1`` saves)."""
    att = selectors.order_attachment_get(actor=request.user, order_id=order_id, attachment_id=attachment_id)
    return stored_file_response(att, download=request.GET.get("download") == "1")


# --- price exceptions ----------------------------------------------------------------------

@web_view
@require_POST
def exception_request(request, order_id: int):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    try:
        services.price_exception_request(actor=request.user, order_id=order.pk,
                                         line_id=int_or_none(request.POST.get("line_id")) or 0,
                                         reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Price exception requested; the heads above the customer's owner were told."))
    return redirect(detail_url(order.pk))


@web_view
@require_POST
def exception_decide(request, exception_id: int):
    try:
        exc_row = services.price_exception_decide(actor=request.user, exception_id=exception_id,
                                                  approve=request.POST.get("decision") == "approve",
                                                  note=request.POST.get("note", ""))
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        row = PriceException.objects.filter(pk=exception_id).values_list("order_id", flat=True).first()
        return redirect(detail_url(row) if row else reverse("web:order_list"))
    messages.success(request, _("Price exception decided."))
    return redirect(detail_url(exc_row.order_id))


# --- the customer tab and terms ------------------------------------------------------------

def tab_show(request, customer, perms) -> bool:
    return True


def tab_context(request, customer, perms) -> dict:
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    qs = selectors.order_list(actor=request.user, filters=selectors.OrderFilters(customer_id=customer.pk))
    rows = list(qs[(page - 1) * TAB_ROWS: page * TAB_ROWS + 1])
    has_next = len(rows) > TAB_ROWS
    rows = rows[:TAB_ROWS]

    def url(n: int) -> str:
        return "?" + urlencode({"tab": "orders", **({"page": n} if n > 1 else {})})

    return {"orders": rows, "orders_page": page, "orders_prev": url(page - 1) if page > 1 else None,
            "orders_next": url(page + 1) if has_next else None,
            "can_create_order": perms["write"] or request.user.has_role(Role.SALES_ADMIN),
            "terms": services.terms_of(customer.pk), "can_edit_terms": services.can_edit_terms(request.user),
            "outstanding": review.outstanding_of(customer.pk)}


@web_view
@require_POST
def customer_terms(request, customer_id: int):
    try:
        services.terms_update(actor=request.user, customer_id=customer_id, data={
            k: request.POST.get(k, "") for k in ("credit_limit", "overdue_days_limit", "min_shelf_life_days")})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Credit terms saved."))
    back = request.POST.get("next") or ""
    if back.startswith("/orders/"):
        return redirect(back)
    return redirect(reverse("web:customer_detail", args=[customer_id]) + "?tab=orders")
