"""Opportunity pages (销售机会): the kanban board by stage (drag a card to another column: a POST
answered with JSON, like the follow-up calendar; each card also has a plain "move to" form for
keyboards and phones), the list (filters, sort, pagination, Excel export, 即将成交), the
opportunity page (lines, stage history, move / lose / create the order draft), the form, the
customer page's 销售机会 tab and the stage table in Settings. Thin: parse, call one service or
selector, render."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from pharmcrm.catalog.models import Product
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers.selectors import customer_get, customer_permissions
from pharmcrm.opportunities import selectors, services
from pharmcrm.opportunities.models import StageKind
from pharmcrm.sales.services import line_amount, parse_decimal
from pharmcrm.web.export import _excel_safe, _save, header_sheet
from pharmcrm.web.views.common import int_or_none, web_view

PAGE_SIZE = 20
MAX_PAGE = 500
TAB_ROWS = 20


def detail_url(opp_id: int) -> str:
    return reverse("web:opportunity_detail", args=[opp_id])


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _money(value) -> Decimal | None:
    try:
        d = Decimal((value or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    return d if d.is_finite() and 0 <= d < Decimal("1e12") else None


def _bounded(value, default: int, lo: int, hi: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return default
    return min(hi, max(lo, n))


# --- filters shared by the list, the board and the export ------------------------------------

def _filters(request) -> tuple[dict, selectors.OpportunityFilters]:
    g = request.GET
    stage_id = int_or_none(g.get("stage"))
    who = g.get("who") if g.get("who") in ("mine", "team") else ""
    kind = g.get("kind") if g.get("kind") in StageKind.values else ""
    likely = g.get("likely") == "on"
    days = _bounded(g.get("days"), selectors.LIKELY_DAYS, 0, 365)
    prob = _bounded(g.get("p"), selectors.LIKELY_PROBABILITY, 0, 100)
    sort = g.get("sort") if g.get("sort") in selectors.SORTS else selectors.DEFAULT_SORT
    f = selectors.OpportunityFilters(
        stage_id=stage_id, kind=kind, owner_id=int_or_none(g.get("owner")), scope=who,
        close_from=_date(g.get("close_from")), close_to=_date(g.get("close_to")),
        amount_min=_money(g.get("amount_min")), amount_max=_money(g.get("amount_max")),
        likely=likely, likely_days=days, likely_probability=prob, q=(g.get("q") or "")[:100], sort=sort)
    params = {"q": f.q, "who": who, "stage": stage_id or "", "kind": kind, "owner": f.owner_id or "",
              "close_from": f.close_from.isoformat() if f.close_from else "",
              "close_to": f.close_to.isoformat() if f.close_to else "",
              "amount_min": g.get("amount_min", "") if f.amount_min is not None else "",
              "amount_max": g.get("amount_max", "") if f.amount_max is not None else "",
              "likely": "on" if likely else "", "days": days if likely else "", "p": prob if likely else "",
              "sort": sort if sort != selectors.DEFAULT_SORT else ""}
    return params, f


def _url(params: dict, **extra) -> str:
    merged = {**params, **extra}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})


@web_view
def opportunity_list(request):
    params, f = _filters(request)
    qs = selectors.opportunity_list(actor=request.user, filters=f)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    sort = f.sort

    def flip(key: str) -> str:
        return _url(params, sort=("-" + key) if sort == key else key, page="")

    from pharmcrm.org.models import User

    return render(request, "web/opportunities/list.html", {
        "opps": rows, "page": page, "params": params, "sort": sort, "stages": selectors.stages(active_only=False),
        "owner": User.objects.filter(pk=f.owner_id).first() if f.owner_id else None,
        "kinds": StageKind.choices,
        "sort_links": {k: flip(k) for k in ("close", "amount", "probability", "updated", "name")},
        "prev_url": _url(params, page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": _url(params, page=page + 1) if has_next else None,
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "export_url": reverse("web:opportunity_export") + _url(params),
        "board_url": reverse("web:opportunity_board") + _url({k: params[k] for k in ("q", "who", "owner")}),
        "quick_likely": _url({}, likely="on", who="mine", sort="close"),
        "quick_team_likely": _url({}, likely="on", who="team", sort="close") if request.user.is_head else None,
        "is_head": request.user.is_head,
    })


_LABELS = [gettext_noop("Opportunity"), gettext_noop("Customer"), gettext_noop("Stage"),
           gettext_noop("Probability (%)"), gettext_noop("Expected amount"), gettext_noop("Weighted amount"),
           gettext_noop("Expected close date"), gettext_noop("Owner"), gettext_noop("Next step"),
           gettext_noop("Loss reason"), gettext_noop("Competitor"), gettext_noop("Order draft"),
           gettext_noop("Created at"), gettext_noop("Updated at")]
_COLUMNS = list(zip(_LABELS, (30, 30, 10, 8, 14, 14, 12, 10, 30, 30, 16, 16, 18, 18), strict=True))


@web_view
def opportunity_export(request):
    """Exactly the filtered rows of the list, as an Excel workbook (capped)."""
    _params, f = _filters(request)
    qs = selectors.opportunity_list(actor=request.user, filters=f)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    wb, ws = header_sheet(_("Opportunities"), _COLUMNS)

    def local(dt):
        return timezone.localtime(dt).replace(tzinfo=None) if dt else None

    for n, o in enumerate(qs[: max_rows + 1].iterator(chunk_size=1000)):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            break
        ws.append([_excel_safe(v) for v in (
            o.name, o.customer.name, o.stage.name, o.probability, o.expected_amount, o.weighted_amount,
            o.expected_close_date, o.owner.full_name or o.owner.username, o.next_step, o.loss_reason,
            o.competitor, o.order.number if o.order_id else "", local(o.created_at), local(o.updated_at))])
    response = HttpResponse(_save(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="opportunities-{stamp}.xlsx"'
    return response


# --- the kanban board --------------------------------------------------------------------------

@web_view
def opportunity_board(request):
    params, f = _filters(request)
    columns = selectors.board(actor=request.user, filters=f)
    writable = _writable_ids(request.user, [c for col in columns for c in col["cards"]])
    for col in columns:
        for card in col["cards"]:
            card.can_move = card.customer_id in writable and not card.order_id
    return render(request, "web/opportunities/board.html", {
        "columns": columns, "params": params, "stages": [col["stage"] for col in columns],
        "list_url": reverse("web:opportunity_list") + _url(params), "is_head": request.user.is_head,
        "filtered": any(params.get(k) for k in ("q", "who", "owner")),
    })


def _writable_ids(user, opps) -> set[int]:
    from pharmcrm.org import visibility

    ids = {o.customer_id for o in opps}
    if not ids:
        return set()
    return set(visibility.writable_customers(user).filter(pk__in=ids).values_list("id", flat=True))


@web_view
@require_POST
def opportunity_move(request, opportunity_id: int):
    """Move to another stage. From the board (``Accept: application/json``): JSON ``{ok,
    message, stage, probability}``; a lost stage without a reason answers ``need_reason`` with
    the page to give it. From a form: redirect to the opportunity page with a message."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    opp = selectors.opportunity_get(actor=request.user, opportunity_id=opportunity_id)
    stage_id = int_or_none(request.POST.get("stage"))
    try:
        opp = services.opportunity_move(actor=request.user, opportunity_id=opp.pk, stage_id=stage_id or 0,
                                        loss_reason=request.POST.get("loss_reason", ""),
                                        competitor=request.POST.get("competitor", ""),
                                        note=request.POST.get("note", ""))
    except ApplicationError as exc:
        if wants_json:
            need = "loss_reason" in exc.fields
            return JsonResponse({"ok": False, "message": exc.message, "need_reason": need,
                                 "url": detail_url(opp.pk) + f"?lose={stage_id}#move" if need else ""}, status=400)
        messages.error(request, exc.message)
        return redirect(detail_url(opp.pk) + (f"?lose={stage_id}#move" if "loss_reason" in exc.fields else ""))
    except PermissionDenied as exc:
        if wants_json:
            return JsonResponse({"ok": False, "message": str(exc)}, status=403)
        raise
    msg = _("“%(name)s” moved to %(stage)s (%(p)d %%).") % {"name": opp.name, "stage": opp.stage.name,
                                                              "p": opp.probability}
    if wants_json:
        return JsonResponse({"ok": True, "message": msg, "stage": opp.stage_id, "probability": opp.probability})
    messages.success(request, msg)
    return redirect(request.POST.get("next") if request.POST.get("next") == reverse("web:opportunity_board")
                    else detail_url(opp.pk))


# --- the opportunity page ----------------------------------------------------------------------

@web_view
def opportunity_detail(request, opportunity_id: int):
    from pharmcrm.quotations.selectors import QuotationFilters, quotation_list

    opp = selectors.opportunity_get(actor=request.user, opportunity_id=opportunity_id)
    perms = selectors.opportunity_permissions(actor=request.user, opp=opp)
    lose = int_or_none(request.GET.get("lose"))
    lost_stages = [s for s in selectors.stages() if s.kind == StageKind.LOST]
    return render(request, "web/opportunities/detail.html", {
        "opp": opp, "perms": perms, "lines": selectors.opportunity_lines(opp),
        "history": selectors.stage_history(opp), "stages": selectors.stages(), "lost_stages": lost_stages,
        "lose_stage": lose if lose in {s.pk for s in lost_stages} else (lost_stages[0].pk if lost_stages else None),
        "open_lose": bool(lose),
        "quotations": list(quotation_list(actor=request.user, filters=QuotationFilters(opportunity_id=opp.pk))[:20]),
    })


@web_view
@require_POST
def opportunity_order(request, opportunity_id: int):
    opp = selectors.opportunity_get(actor=request.user, opportunity_id=opportunity_id)
    try:
        opp = services.opportunity_create_order(actor=request.user, opportunity_id=opp.pk)
    except ApplicationError as exc:
        messages.error(request, "；".join([exc.message, *[m for v in exc.fields.values() for m in v
                                                            if m != exc.message]]))
        return redirect(detail_url(opp.pk))
    messages.success(request, _("Order draft %(number)s created; check it and submit it for review.") % {
        "number": opp.order.number})
    return redirect(reverse("web:order_detail", args=[opp.order_id]))


# --- the form ----------------------------------------------------------------------------------

def _lines_from_post(post) -> tuple[list[dict], dict]:
    """The rows of the form (product, quantity, expected unit price) → service lines (product,
    quantity, amount = quantity × price rounded to the cent); bad numbers become field errors."""
    products, qtys, prices = post.getlist("product_id"), post.getlist("quantity"), post.getlist("unit_price")
    out, rows, errors = [], [], {}
    for i in range(max(len(products), len(qtys), len(prices))):
        p = products[i] if i < len(products) else ""
        q = qtys[i] if i < len(qtys) else ""
        pr = prices[i] if i < len(prices) else ""
        if not (p or q or pr):
            continue
        n = len(out)
        rows.append({"product_id": p, "quantity": q, "unit_price": pr})
        qty, err = parse_decimal(q, places=3, field="quantity", label=_("quantity"), minimum=Decimal(0),
                                 strict_min=True, maximum=Decimal("99999999999"))
        price, err2 = parse_decimal(pr or "0", places=4, field="unit_price", label=_("unit price"),
                                    minimum=Decimal(0), strict_min=False, maximum=Decimal("99999999"))
        if err:
            errors[f"lines.{n}.quantity"] = [err]
        if err2:
            errors[f"lines.{n}.unit_price"] = [err2]
        amount = line_amount(qty, price) if qty is not None and price is not None else "0"
        out.append({"product_id": p, "quantity": q, "amount": str(amount)})
    return out, {"rows": rows, "errors": errors}


def _form_context(request, customer, *, opp=None, values=None, errors=None, rows=None) -> dict:
    errors = errors or {}
    if rows is None:
        rows = ([{"product_id": ln.product_id, "quantity": f"{ln.quantity.normalize():f}",
                  "unit_price": f"{(ln.amount / ln.quantity).quantize(Decimal('0.0001')).normalize():f}"}
                 for ln in opp.lines.all()] if opp else []) or [{"product_id": "", "quantity": "", "unit_price": ""}]
    ids = [int_or_none(r.get("product_id")) for r in rows]
    products = {p.pk: p for p in Product.objects.filter(pk__in=[i for i in ids if i])}
    for i, r in enumerate(rows):
        r["product"] = products.get(int_or_none(r.get("product_id")))
        r["errors"] = [m for k in ("product_id", "quantity", "unit_price", "amount", "")
                       for m in errors.get(f"lines.{i}.{k}" if k else f"lines.{i}", [])]
        r["error_fields"] = {k for k in ("product_id", "quantity", "unit_price") if f"lines.{i}.{k}" in errors} | (
            {"unit_price"} if f"lines.{i}.amount" in errors else set())
    v = values or {}
    if opp is not None and not values:
        v = {"name": opp.name, "probability": opp.probability, "expected_amount": opp.expected_amount,
             "expected_close_date": opp.expected_close_date.isoformat() if opp.expected_close_date else "",
             "next_step": opp.next_step, "owner_id": opp.owner_id, "competitor": opp.competitor,
             "loss_reason": opp.loss_reason}
    from pharmcrm.org.models import User

    owner = User.objects.filter(pk=int_or_none(v.get("owner_id")) or (opp.owner_id if opp else request.user.pk)).first()
    return {"customer": customer, "opp": opp, "rows": rows, "errors": errors, "v": v, "owner": owner,
            "stages": selectors.stages(), "general_errors": errors.get("__all__", []) + errors.get("lines", []),
            "price_url": reverse("web:order_product_options") + f"?customer={customer.pk}"}


def _post_values(request, *, creating: bool) -> dict:
    p = request.POST
    data = {"name": p.get("name", ""), "expected_close_date": p.get("expected_close_date") or None,
            "next_step": p.get("next_step", "")}
    if p.get("owner_id"):
        data["owner_id"] = p.get("owner_id")
    if p.get("probability", "").strip():
        data["probability"] = p.get("probability").strip()
    if p.get("expected_amount", "").strip():
        data["expected_amount"] = p.get("expected_amount").strip()
    if creating and p.get("stage_id"):
        data["stage_id"] = p.get("stage_id")
    if creating and p.get("loss_reason"):
        data["loss_reason"] = p.get("loss_reason")
    return data


@web_view
def opportunity_create(request, customer_id: int):
    customer = customer_get(actor=request.user, customer_id=customer_id)
    if not customer_permissions(actor=request.user, customer=customer)["write"]:
        raise PermissionDenied(_("You may view this customer but not add opportunities to it; ask its owner to "
                                 "share it with you read-write."))
    if request.method == "POST":
        data = _post_values(request, creating=True)
        lines, parsed = _lines_from_post(request.POST)
        errors = dict(parsed["errors"])
        if not errors:
            try:
                opp = services.opportunity_create(actor=request.user, data={"customer_id": customer.pk, **data,
                                                                            "lines": lines})
            except ApplicationError as exc:
                errors = {**exc.fields, "__all__": [] if exc.fields else [exc.message]}
            else:
                messages.success(request, _("Opportunity “%(name)s” created.") % {"name": opp.name})
                return redirect(detail_url(opp.pk))
        return render(request, "web/opportunities/form.html",
                      _form_context(request, customer, values={**request.POST.dict()}, errors=errors,
                                    rows=parsed["rows"] or None), status=400)
    return render(request, "web/opportunities/form.html", _form_context(request, customer))


@web_view
def opportunity_new(request):
    customer_id = int_or_none(request.GET.get("customer"))
    if customer_id:
        return redirect("web:opportunity_create", customer_id=customer_id)
    return render(request, "web/opportunities/choose_customer.html", {})


@web_view
def opportunity_edit(request, opportunity_id: int):
    opp = selectors.opportunity_get(actor=request.user, opportunity_id=opportunity_id)
    if not selectors.opportunity_permissions(actor=request.user, opp=opp)["write"]:
        messages.error(request, _("You may view this opportunity but not change it."))
        return redirect(detail_url(opp.pk))
    if request.method == "POST":
        data = _post_values(request, creating=False)
        if opp.stage.kind == StageKind.LOST:
            data["loss_reason"] = request.POST.get("loss_reason", "")
            data["competitor"] = request.POST.get("competitor", "")
        lines, parsed = _lines_from_post(request.POST)
        errors = dict(parsed["errors"])
        if not errors:
            try:
                services.opportunity_update(actor=request.user, opportunity_id=opp.pk, data={**data, "lines": lines})
            except ApplicationError as exc:
                errors = {**exc.fields, "__all__": [] if exc.fields else [exc.message]}
            else:
                messages.success(request, _("Opportunity saved."))
                return redirect(detail_url(opp.pk))
        return render(request, "web/opportunities/form.html",
                      _form_context(request, opp.customer, opp=opp, values={**request.POST.dict()}, errors=errors,
                                    rows=parsed["rows"] or None), status=400)
    return render(request, "web/opportunities/form.html", _form_context(request, opp.customer, opp=opp))


# --- the customer tab --------------------------------------------------------------------------

def tab_context(request, customer, perms) -> dict:
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    qs = selectors.opportunity_list(actor=request.user, filters=selectors.OpportunityFilters(customer_id=customer.pk))
    rows = list(qs[(page - 1) * TAB_ROWS: page * TAB_ROWS + 1])
    has_next = len(rows) > TAB_ROWS

    def url(n: int) -> str:
        return "?" + urlencode({"tab": "opportunities", **({"page": n} if n > 1 else {})})

    return {"opps": rows[:TAB_ROWS], "opps_page": page, "opps_prev": url(page - 1) if page > 1 else None,
            "opps_next": url(page + 1) if has_next else None, "can_add_opportunity": perms["write"]}


# --- settings: the stage table -----------------------------------------------------------------

def _require_admin(user) -> None:
    if not user.is_admin:
        raise PermissionDenied(_("Only administrators may change the opportunity stages."))


@web_view
def stage_settings(request):
    _require_admin(request.user)
    errors: dict = {}
    values: dict = {}
    status = 200
    if request.method == "POST":
        values = {"name": request.POST.get("name", ""), "probability": request.POST.get("probability", ""),
                  "kind": request.POST.get("kind", "open")}
        if request.POST.get("order", "").strip():
            values["order"] = request.POST.get("order").strip()
        try:
            stage = services.stage_create(actor=request.user, data=values)
        except ApplicationError as exc:
            errors, status = exc.fields or {"__all__": [exc.message]}, 400
        else:
            messages.success(request, _("Stage “%(name)s” added.") % {"name": stage.name})
            return redirect("web:settings_opportunity_stages")
    return render(request, "web/opportunities/stages.html", {
        "stages": selectors.stages(active_only=False), "kinds": StageKind.choices, "errors": errors, "v": values,
        "general_errors": errors.get("__all__", []),
    }, status=status)


@web_view
@require_POST
def stage_edit(request, stage_id: int):
    _require_admin(request.user)
    selectors.stage_get(stage_id=stage_id)
    data = {"name": request.POST.get("name", ""), "probability": request.POST.get("probability", ""),
            "order": request.POST.get("order", ""), "active": request.POST.get("active") == "on"}
    try:
        stage = services.stage_update(actor=request.user, stage_id=stage_id, data=data)
    except ApplicationError as exc:
        messages.error(request, "；".join(m for v in (exc.fields or {"": [exc.message]}).values() for m in v))
    else:
        messages.success(request, _("Stage “%(name)s” saved.") % {"name": stage.name})
    return redirect("web:settings_opportunity_stages")
