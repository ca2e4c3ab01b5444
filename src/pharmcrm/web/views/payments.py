"""Payment and receivable pages (回款与应收): the payments list (filters, sort, pagination, Excel
export), the payment page (allocations with release, allocate the credit left, cancel with
confirmation), the "record payment" form (customer picker; the customer's open orders with the
oldest-first proposal, editable), receivables ageing (应收账龄) by customer / owner / department
with drill-down and export, the order page's 回款 block and its payment-plan form. Thin: parse,
call one service or selector, render."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
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

from pharmcrm.core.errors import ApplicationError
from pharmcrm.org import visibility
from pharmcrm.payments import selectors, services
from pharmcrm.payments.models import ZERO, Method, PaymentStatus
from pharmcrm.sales import selectors as order_selectors
from pharmcrm.web.export import _excel_safe, _save, header_sheet
from pharmcrm.web.views.common import int_or_none, web_view

PAGE_SIZE = 20
MAX_PAGE = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_ROWS = 6


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _require_finance(user) -> None:
    if not services.can_manage_payments(user):
        raise PermissionDenied(_("Only finance records and allocates payments."))


def _xlsx(wb, name: str) -> HttpResponse:
    resp = HttpResponse(_save(wb), content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"'
    return resp


def _dec(value) -> Decimal | None:
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


# --- the list ------------------------------------------------------------------------------

def _filters(request) -> tuple[dict, selectors.PaymentFilters]:
    g = request.GET
    params = {"q": (g.get("q") or "").strip()[:100], "customer": int_or_none(g.get("customer")) or "",
              "method": g.get("method", "") if g.get("method", "") in Method.values else "",
              "status": g.get("status", "") if g.get("status", "") in PaymentStatus.values else "",
              "from": g.get("from", "") if _date(g.get("from")) else "",
              "to": g.get("to", "") if _date(g.get("to")) else "",
              "sort": g.get("sort", "") if g.get("sort", "") in selectors.SORTS else ""}
    f = selectors.PaymentFilters(customer_id=params["customer"] or None, method=params["method"],
                                 status=params["status"], date_from=_date(params["from"]),
                                 date_to=_date(params["to"]), q=params["q"],
                                 sort=params["sort"] or selectors.DEFAULT_SORT)
    return params, f


@web_view
def payment_list(request):
    params, f = _filters(request)
    qs = selectors.payment_list(actor=request.user, filters=f)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]

    def url(**extra) -> str:
        merged = {**params, **extra}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    sort = f.sort
    sort_links = {
        "received": url(sort="received" if sort == "-received" else "-received", page=""),
        "amount": url(sort="amount" if sort == "-amount" else "-amount", page=""),
        "number": url(sort="-number" if sort == "number" else "number", page=""),
    }
    customer_label = ""
    if params["customer"]:
        customer_label = qs.filter(customer_id=params["customer"]).values_list("customer__name", flat=True).first() or ""
    return render(request, "web/payments/list.html", {
        "payments": rows, "page": page, "params": params, "sort": sort, "sort_links": sort_links,
        "prev_url": url(page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": url(page=page + 1) if has_next else None,
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "export_url": reverse("web:payment_export") + url(), "reset_url": reverse("web:payment_list"),
        "methods": Method.choices, "statuses": PaymentStatus.choices, "customer_label": customer_label,
        "can_record": services.can_manage_payments(request.user)})


_COLUMNS = [(gettext_noop("Payment number"), 18), (gettext_noop("Customer"), 30), (gettext_noop("Received on"), 12),
            (gettext_noop("Amount"), 14), (gettext_noop("Allocated"), 14), (gettext_noop("Unallocated"), 14),
            (gettext_noop("Method"), 14), (gettext_noop("Reference"), 20), (gettext_noop("Payer"), 20),
            (gettext_noop("Status"), 8), (gettext_noop("Recorded by"), 10), (gettext_noop("Notes"), 30)]


@web_view
def payment_export(request):
    _params, f = _filters(request)
    qs = selectors.payment_list(actor=request.user, filters=f)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    wb, ws = header_sheet(_("Payments"), _COLUMNS)
    for n, p in enumerate(qs[: max_rows + 1].iterator(chunk_size=1000)):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            break
        ws.append([_excel_safe(v) for v in (
            p.number, p.customer.name, p.received_on, p.amount, p.allocated_total, p.unallocated,
            p.get_method_display(), p.reference, p.payer_name, p.get_status_display(),
            p.recorded_by.full_name or p.recorded_by.username, p.notes)])
    return _xlsx(wb, "payments")


# --- record ----------------------------------------------------------------------------------

@web_view
def customer_options(request):
    """GET ?q= -> [{"id", "label"}]: customers with receivable orders I see (the form's picker)."""
    rows = selectors.customer_lookup(actor=request.user, q=request.GET.get("q", ""),
                                     limit=min(int_or_none(request.GET.get("limit")) or 20, 50))
    return JsonResponse([{"id": c.pk, "label": c.name} for c in rows], safe=False)


def _customer_or_404(request, customer_id):
    from pharmcrm.customers.models import Customer

    cid = int_or_none(customer_id)
    c = Customer.objects.filter(pk=cid, deleted_at__isnull=True).first() if cid else None
    if c is None or not (selectors.sees_all(request.user) or visibility.can_see(request.user, c.pk)):
        raise Http404
    return c


@web_view
def payment_new(request):
    src = request.POST if request.method == "POST" else request.GET
    customer = _customer_or_404(request, src.get("customer")) if src.get("customer") else None  # 404 before 403
    _require_finance(request.user)
    if customer is None:
        return render(request, "web/payments/choose_customer.html", {})
    orders = selectors.open_orders(customer.pk)
    errors: dict[str, list[str]] = {}
    values = {"amount": "", "received_on": timezone.localdate().isoformat(), "method": Method.BANK_TRANSFER,
              "reference": "", "payer_name": customer.name, "notes": ""}
    chosen: dict[int, str] = {}
    if request.method == "POST":
        p = request.POST
        values.update({k: p.get(k, "").strip() for k in values})
        allocations = []
        for o in orders:
            raw = p.get(f"alloc_{o.pk}", "").strip()
            chosen[o.pk] = raw
            if raw and _dec(raw) != 0:
                allocations.append({"order_id": o.pk, "amount": raw})
        try:
            payment = services.payment_record(actor=request.user, data={
                "customer_id": customer.pk, **{k: values[k] for k in values}, "allocations": allocations})
        except ApplicationError as exc:
            for k, msgs in exc.fields.items():
                if k.startswith("allocations.") and k.count(".") == 2:
                    i = int(k.split(".")[1])
                    k = f"alloc_{allocations[i]['order_id']}" if i < len(allocations) else "allocations"
                errors.setdefault(k, []).extend(msgs)
            if not exc.fields:
                errors["form"] = [exc.message]
        else:
            messages.success(request, _("Payment %(n)s recorded.") % {"n": payment.number})
            return redirect("web:payment_detail", payment.pk)
    for o in orders:
        o.chosen = chosen.get(o.pk, "")
        o.error = errors.get(f"alloc_{o.pk}", [])
    return render(request, "web/payments/form.html", {
        "customer": customer, "orders": orders, "values": values, "errors": errors, "methods": Method.choices,
        "credit": selectors.customer_credit(customer.pk),
        "open_total": sum((o.outstanding for o in orders), ZERO)}, status=400 if errors else 200)


# --- detail ----------------------------------------------------------------------------------

def _detail_context(request, payment, **extra) -> dict:
    allocations = list(selectors.payment_allocations(payment))
    can_manage = services.can_manage_payments(request.user)
    open_orders = selectors.open_orders(payment.customer_id) if (
        can_manage and payment.status == PaymentStatus.ACTIVE and payment.unallocated > 0) else []
    return {"payment": payment, "allocations": allocations, "can_manage": can_manage, "open_orders": open_orders,
            "customer_link": visibility.can_see(request.user, payment.customer_id), "errors": {}, **extra}


@web_view
def payment_detail(request, payment_id: int):
    payment = selectors.payment_get(actor=request.user, payment_id=payment_id)
    return render(request, "web/payments/detail.html", _detail_context(request, payment))


@web_view
@require_POST
def payment_allocate(request, payment_id: int):
    payment = selectors.payment_get(actor=request.user, payment_id=payment_id)
    _require_finance(request.user)
    p = request.POST
    if p.get("auto"):
        allocations = "auto"
    else:
        allocations = [{"order_id": int_or_none(k[6:]), "amount": v.strip()} for k, v in p.items()
                       if k.startswith("alloc_") and v.strip() and _dec(v) != 0]
    try:
        services.payment_allocate(actor=request.user, payment_id=payment.pk, allocations=allocations)
    except ApplicationError as exc:
        return render(request, "web/payments/detail.html", _detail_context(
            request, payment, errors={"allocate": [m for ms in exc.fields.values() for m in ms] or [exc.message]}),
            status=400)
    messages.success(request, _("Payment allocated."))
    return redirect("web:payment_detail", payment.pk)


@web_view
@require_POST
def allocation_release(request, allocation_id: int):
    from pharmcrm.payments.models import PaymentAllocation

    alloc = PaymentAllocation.objects.filter(
        pk=allocation_id, payment__in=selectors.visible_payments(request.user).values("pk")).first()
    if alloc is None:
        raise Http404
    _require_finance(request.user)
    try:
        services.allocation_release(actor=request.user, allocation_id=alloc.pk, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Allocation released; the amount is the customer's credit again."))
    nxt = request.POST.get("next", "")
    if nxt == "order":
        return redirect("web:order_detail", alloc.order_id)
    return redirect("web:payment_detail", alloc.payment_id)


@web_view
@require_POST
def payment_cancel(request, payment_id: int):
    payment = selectors.payment_get(actor=request.user, payment_id=payment_id)
    _require_finance(request.user)
    try:
        services.payment_cancel(actor=request.user, payment_id=payment.pk, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        return render(request, "web/payments/detail.html", _detail_context(
            request, payment, errors={"cancel": [exc.message]}), status=400)
    messages.success(request, _("Payment cancelled; its allocations were released."))
    return redirect("web:payment_detail", payment.pk)


# --- receivables ageing ----------------------------------------------------------------------

GROUP_LABELS = {"customer": gettext_noop("By customer"), "owner": gettext_noop("By owner"),
                "department": gettext_noop("By department")}
_AGE_COLUMNS = [(gettext_noop("Name"), 30), (gettext_noop("0–30 days"), 14), (gettext_noop("31–60 days"), 14),
                (gettext_noop("61–90 days"), 14), (gettext_noop("Over 90 days"), 14), (gettext_noop("Outstanding"), 14)]


@web_view
def receivables(request):
    group = request.GET.get("group", "customer")
    if group not in selectors.GROUPS:
        group = "customer"
    rows, totals = selectors.ageing(actor=request.user, group=group)
    if request.GET.get("export") == "xlsx":
        wb, ws = header_sheet(_("Receivables ageing"), _AGE_COLUMNS)
        for r in rows:
            ws.append([_excel_safe(("　" * r.depth) + r.label), r.b0, r.b31, r.b61, r.b91, r.total])
        ws.append([totals.label, totals.b0, totals.b31, totals.b61, totals.b91, totals.total])
        return _xlsx(wb, "receivables")
    drill = {"customer": "customer", "owner": "owner", "department": "department"}[group]
    return render(request, "web/payments/receivables.html", {
        "rows": rows, "totals": totals, "group": group, "drill": drill,
        "groups": [(k, _(v)) for k, v in GROUP_LABELS.items()],
        "export_url": "?" + urlencode({"group": group, "export": "xlsx"}),
        "is_finance": services.can_manage_payments(request.user)})


@web_view
def receivable_orders(request):
    """Drill-down: the open orders behind one ageing row (?customer= / ?owner= / ?department=)."""
    g = request.GET
    customer_id, owner_id, dept_id = (int_or_none(g.get("customer")), int_or_none(g.get("owner")),
                                      int_or_none(g.get("department")))
    if not (customer_id or owner_id or dept_id):
        raise Http404
    orders = selectors.ageing_orders(actor=request.user, customer_id=customer_id, owner_id=owner_id,
                                     department_id=dept_id)
    if not orders and customer_id and not (selectors.sees_all(request.user)
                                           or visibility.can_see(request.user, customer_id)):
        raise Http404
    title = ""
    if orders:
        title = (orders[0].customer.name if customer_id else
                 (orders[0].customer.owner.full_name if owner_id and orders[0].customer.owner else ""))
    if dept_id:
        from pharmcrm.org.models import Department

        title = Department.objects.filter(pk=dept_id).values_list("name", flat=True).first() or ""
    totals = {b: sum((o.outstanding for o in orders if o.bucket == b), ZERO) for b in selectors.BUCKETS}
    return render(request, "web/payments/receivable_orders.html", {
        "orders": orders, "title": title, "totals": totals, "total": sum(totals.values(), ZERO),
        "customer_id": customer_id, "is_finance": services.can_manage_payments(request.user)})


# --- the order page's 回款 block and plan form ---------------------------------------------

def order_block(request, order) -> dict:
    """Context for ``web/payments/_order_block.html`` on the order page (full access only)."""
    if order_selectors.order_access(request.user, order) != order_selectors.FULL:
        return {"pay_block": None}
    return {"pay_block": {
        "allocations": list(selectors.order_allocations(order)),
        "plans": selectors.plan_rows(order),
        "may_plan": order.status not in ("cancelled", "closed") and services.may_set_plan(request.user, order),
        "can_manage": services.can_manage_payments(request.user),
        "see_payments": selectors.sees_all(request.user) or visibility.can_see(request.user, order.customer_id),
        "receivable": order.status in ("approved", "outbound", "shipped", "received", "closed"),
    }}


@web_view
def order_plan(request, order_id: int):
    order = order_selectors.order_get(actor=request.user, order_id=order_id)
    if order_selectors.order_access(request.user, order) != order_selectors.FULL:
        raise Http404
    if not services.may_set_plan(request.user, order):
        raise PermissionDenied(_("You may not set the payment plan of this order."))
    errors: dict[str, list[str]] = {}
    rows = [{"due_on": p.due_on.isoformat(), "amount": f"{p.amount:f}", "note": p.note}
            for p in order.payment_plans.all()]
    if request.method == "POST":
        p = request.POST
        rows = [{"due_on": d.strip(), "amount": a.strip(), "note": n.strip()}
                for d, a, n in zip(p.getlist("due_on"), p.getlist("amount"), p.getlist("note"), strict=False)
                if d.strip() or a.strip()]
        try:
            services.plan_set(actor=request.user, order_id=order.pk, plans=rows)
        except ApplicationError as exc:
            errors = exc.fields or {"plans": [exc.message]}
        else:
            messages.success(request, _("Payment plan saved."))
            return redirect("web:order_detail", order.pk)
    target = max(PLAN_ROWS, len(rows) + 1)
    while len(rows) < target:
        rows.append({"due_on": "", "amount": "", "note": ""})
    for i, r in enumerate(rows):
        r["errors"] = errors.get(f"plans.{i}.due_on", []) + errors.get(f"plans.{i}.amount", []) + errors.get(
            f"plans.{i}.note", []) + errors.get(f"plans.{i}", [])
    return render(request, "web/payments/plan_form.html", {
        "order": order, "rows": rows, "errors": errors.get("plans", [])}, status=400 if errors else 200)
