"""Tender pages (招投标): the list (filters, sort, pagination, Excel export), the new / edit
form, the tender page with tabs (lines and competitor prices, documents, timeline,
attachments, sharing) and its actions, the statistics page and the deadline calendar. Thin:
parse, call one service or selector, render."""

from __future__ import annotations

import calendar as pycal
import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext
from django.views.decorators.http import require_POST

from pharmcrm.catalog.models import Product
from pharmcrm.catalog.permissions import can_see_floor_price
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.regions import region_label
from pharmcrm.org.models import User
from pharmcrm.tenders import selectors, services, stats
from pharmcrm.tenders.daily_steps import local_day_bounds
from pharmcrm.tenders.models import DEADLINES, OPEN_STATUSES, Tender, TenderAttachment, TenderStatus
from pharmcrm.web.export import _excel_safe, _save, header_sheet
from pharmcrm.web.forms_tenders import FIELD_MAP, LineForm, TenderFilterForm, TenderForm
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view

PAGE_SIZE = 20
MAX_PAGE = 500
STEPS = [TenderStatus.TRACKING, TenderStatus.REGISTERED, TenderStatus.PREPARING, TenderStatus.SUBMITTED]
ACTION_LABELS = {
    "register": gettext_noop("Registered"), "prepare": gettext_noop("Start preparing the bid"),
    "submit": gettext_noop("Bid submitted"), "win": gettext_noop("Mark as won"), "lose": gettext_noop("Mark as lost"),
    "cancel": gettext_noop("Cancel the tender"), "execute": gettext_noop("Contract executing"),
    "expire": gettext_noop("Contract expired"), "renew": gettext_noop("Renew (next round)"),
}


def detail_url(tender_id: int, tab: str = "") -> str:
    return reverse("web:tender_detail", args=[tender_id]) + (f"?tab={tab}" if tab else "")


# --- the list --------------------------------------------------------------------------------

def _filters(request) -> tuple[TenderFilterForm, dict, selectors.TenderFilters]:
    form = TenderFilterForm(request.GET)
    v = form.values()
    f = selectors.TenderFilters(status=v["status"], type=v["type"], province=v["province"],
                                owner_id=request.user.pk if v["who"] == "me" else (v["owner"] or None),
                                deadline_days=v["deadline"], q=v["q"], sort=v["sort"] or selectors.DEFAULT_SORT)
    params = {"q": v["q"], "status": v["status"], "type": v["type"], "province": v["province"], "who": v["who"],
              "owner": v["owner"] or "",
              "deadline": v["deadline"] or "", "sort": v["sort"]}
    return form, params, f


@web_view
def tender_list(request):
    form, params, f = _filters(request)
    qs = selectors.tender_list(actor=request.user, filters=f)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    now = timezone.now()
    for t in rows:
        t.next = t.next_deadline(now) if t.is_open else None
        t.province_label = region_label(t.province)

    def url(**extra) -> str:
        merged = {**params, **extra}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    sort = f.sort
    sort_links = {"created": url(sort="created" if sort == "-created" else "-created", page=""),
                  "number": url(sort="-number" if sort == "number" else "number", page=""),
                  "opening": url(sort="-opening" if sort == "opening" else "opening", page="")}
    return render(request, "web/tenders/list.html", {
        "form": form, "tenders": rows, "page": page, "sort": sort, "sort_links": sort_links,
        "prev_url": url(page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": url(page=page + 1) if has_next else None,
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "export_url": reverse("web:tender_export") + url(),
    })


_COLUMNS = [(gettext_noop("Number"), 14), (gettext_noop("Project name"), 36), (gettext_noop("Type"), 14),
            (gettext_noop("Province"), 10), (gettext_noop("Purchasing body"), 24), (gettext_noop("Customer"), 24),
            (gettext_noop("Status"), 10), (gettext_noop("Owner"), 10), (gettext_noop("Registration deadline"), 18),
            (gettext_noop("Document deadline"), 18), (gettext_noop("Bid opening"), 18),
            (gettext_noop("Result date"), 12), (gettext_noop("Bid bond"), 12), (gettext_noop("Won amount"), 14)]


@web_view
def tender_export(request):
    """Exactly the filtered rows of the list, as an Excel workbook (capped)."""
    _form, _params, f = _filters(request)
    qs = selectors.tender_list(actor=request.user, filters=f)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    wb, ws = header_sheet(_("Tenders"), _COLUMNS)

    def local(dt):
        return timezone.localtime(dt).replace(tzinfo=None) if dt else None

    for n, t in enumerate(qs[: max_rows + 1].iterator(chunk_size=1000)):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            break
        ws.append([_excel_safe(v) for v in (
            t.number, t.name, t.get_type_display(), region_label(t.province), t.purchasing_body,
            t.customer.name if t.customer_id else "", t.get_status_display(), str(t.owner),
            local(t.registration_deadline), local(t.document_deadline), local(t.bid_opening_at), t.result_on,
            t.bond_amount, t.won_amount)])
    response = HttpResponse(_save(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="tenders-{timezone.localtime():%Y%m%d-%H%M}.xlsx"'
    return response


# --- new and edit ----------------------------------------------------------------------------

def _choices(data, *, customer=None, owner=None):
    if data is not None:
        cid, oid = int_or_none(data.get("customer")), int_or_none(data.get("owner"))
        if cid:
            from pharmcrm.customers.models import Customer

            customer = Customer.objects.filter(pk=cid).first()
        if oid:
            owner = User.objects.filter(pk=oid).first() or owner
    return ((customer.pk, customer.name) if customer else None, (owner.pk, str(owner)) if owner else None)


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M") if dt else ""


@web_view
def tender_create(request):
    status = 200
    if request.method == "POST":
        c, o = _choices(request.POST, owner=request.user)
        form = TenderForm(request.POST, customer_choice=c, owner_choice=o)
        if form.is_valid():
            try:
                tender = services.tender_create(actor=request.user, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("Tender %(number)s created; add its products next.")
                                 % {"number": tender.number})
                return redirect(detail_url(tender.pk))
        status = 400
    else:
        customer = None
        cid = int_or_none(request.GET.get("customer"))
        if cid:
            from pharmcrm.customers.selectors import customer_get

            customer = customer_get(actor=request.user, customer_id=cid)
        c, o = _choices(None, customer=customer, owner=request.user)
        form = TenderForm(initial={"type": "hospital" if customer else "provincial",
                                   "province": (customer.region_code[:2] + "0000") if customer and
                                   customer.region_code else "", "customer": cid, "owner": request.user.pk,
                                   "purchasing_body": customer.name if customer else ""},
                          customer_choice=c, owner_choice=o)
    return render(request, "web/tenders/form.html", {"form": form, "tender": None}, status=status)


@web_view
def tender_edit(request, tender_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    if not selectors.can_write(request.user, tender):
        raise PermissionDenied(_("You may view this tender but not change it."))
    status = 200
    if request.method == "POST":
        c, o = _choices(request.POST, customer=tender.customer, owner=tender.owner)
        form = TenderForm(request.POST, customer_choice=c, owner_choice=o)
        if form.is_valid():
            try:
                services.tender_update(actor=request.user, tender_id=tender.pk, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("Tender saved."))
                return redirect(detail_url(tender.pk))
        status = 400
    else:
        initial = {name: getattr(tender, name) for name in (
            "name", "type", "province", "purchasing_body", "courier", "tracking_number", "notes")}
        for name in ("announced_on", "result_on", "bond_paid_on", "bond_refunded_on", "documents_sent_on",
                     "next_follow_up_on"):
            value = getattr(tender, name)
            initial[name] = value.isoformat() if value else ""
        for name in ("registration_deadline", "document_deadline", "bid_opening_at"):
            initial[name] = _local(getattr(tender, name))
        for name in ("bond_amount", "won_amount"):
            value = getattr(tender, name)
            initial[name] = f"{value:f}" if value is not None else ""
        initial.update(customer=tender.customer_id, owner=tender.owner_id)
        c, o = _choices(None, customer=tender.customer, owner=tender.owner)
        form = TenderForm(initial=initial, customer_choice=c, owner_choice=o)
    return render(request, "web/tenders/form.html", {"form": form, "tender": tender}, status=status)


# --- the tender page -------------------------------------------------------------------------

TABS = ("lines", "documents", "timeline", "attachments", "sharing")


def _detail_context(request, tender: Tender, **extra) -> dict:
    user = request.user
    can_write = selectors.can_write(user, tender)
    tender.has_renewal = tender.renewals.exists()
    lines = selectors.tender_lines(tender=tender)
    below = {b["line"].pk: b for b in services.below_floor(tender, lines)}
    show_floor = can_see_floor_price(user)
    for ln in lines:
        b = below.get(ln.pk)
        ln.below_floor = bool(b)
        ln.floor_shown = b["floor"] if b and show_floor else None
        ln.floor_approved = bool(b and b["approved"])
        ln.floor_pending = bool(b and b["pending"])
        ln.exceptions = list(ln.price_exceptions.all())
        for e in ln.exceptions:
            e.can_decide = e.state == "pending" and services.may_decide_exception(user, tender)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "lines"
    actions = services.allowed_actions(tender, can_write=can_write)
    if tender.status in STEPS:
        done = STEPS.index(tender.status)
        steps = [{"label": TenderStatus(s).label, "done": i < done, "current": i == done}
                 for i, s in enumerate(STEPS)]
    else:
        steps = [{"label": TenderStatus(s).label, "done": True, "current": False} for s in STEPS]
        steps.append({"label": tender.get_status_display(), "done": False, "current": True})
    return {
        "tender": tender, "lines": lines, "tab": tab, "can_write": can_write,
        "can_manage": services.may_manage(user, tender),
        "line_editable": can_write and tender.status in services.LINE_EDITABLE,
        "actions": [(a, _(ACTION_LABELS[a])) for a in actions if a not in ("win", "lose")],
        "can_win": "win" in actions, "can_lose": "lose" in actions,
        "events": selectors.tender_events(tender=tender), "shares": selectors.tender_shares(tender=tender),
        "attachments": list(TenderAttachment.objects.filter(tender=tender).select_related("uploaded_by")),
        "steps": steps, "province_label": region_label(tender.province), "now": timezone.now(),
        "line_form": extra.get("line_form") or LineForm(),
        "deadlines": [(label, getattr(tender, f)) for f, label in DEADLINES],
        "renewals": list(tender.renewals.all()),
        "error": extra.get("error"),
    }


@web_view
def tender_detail(request, tender_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    return render(request, "web/tenders/detail.html", _detail_context(request, tender))


def _fail(request, tender_id: int, exc: ApplicationError, tab: str = ""):
    messages.error(request, exc.message)
    return redirect(detail_url(tender_id, tab))


@web_view
@require_POST
def tender_action(request, tender_id: int, action: str):
    if action not in ACTION_LABELS:
        raise Http404
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    note = request.POST.get("note", "")
    try:
        if action == "win":
            prices = {k.removeprefix("winning_price_"): v for k, v in request.POST.items()
                      if k.startswith("winning_price_") and v.strip()}
            services.tender_win(actor=request.user, tender_id=tender.pk, winning_prices=prices,
                                won_amount=request.POST.get("won_amount") or None, note=note)
        elif action == "lose":
            services.tender_lose(actor=request.user, tender_id=tender.pk, reason=request.POST.get("reason", ""))
        elif action == "renew":
            new = services.tender_renew(actor=request.user, tender_id=tender.pk, note=note)
            messages.success(request, _("Renewal %(number)s created.") % {"number": new.number})
            return redirect(detail_url(new.pk))
        else:
            services.ACTION_SERVICES[action](actor=request.user, tender_id=tender.pk, note=note)
    except ApplicationError as exc:
        return _fail(request, tender.pk, exc)
    messages.success(request, _("Done: %(action)s.") % {"action": _(ACTION_LABELS[action])})
    return redirect(detail_url(tender.pk))


def _line_data(post) -> dict:
    data = {k: post.get(k, "") for k in ("quantity", "ceiling_price", "bid_price", "winning_price") if k in post}
    if "product" in post:
        data["product_id"] = int_or_none(post.get("product"))
    if "won" in post:
        data["won"] = {"true": True, "false": False}.get(post.get("won"))
    return data


@web_view
@require_POST
def tender_line_add(request, tender_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    try:
        services.tender_line_add(actor=request.user, tender_id=tender.pk, data=_line_data(request.POST))
    except ApplicationError as exc:
        form = LineForm(request.POST)
        form.is_valid()
        apply_errors(form, exc, FIELD_MAP)
        ctx = _detail_context(request, tender, line_form=form)
        return render(request, "web/tenders/detail.html", ctx, status=400)
    messages.success(request, _("Product added."))
    return redirect(detail_url(tender.pk))


@web_view
@require_POST
def tender_line_edit(request, tender_id: int, line_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    if not tender.lines.filter(pk=line_id).exists():
        raise Http404
    try:
        if request.POST.get("remove"):
            services.tender_line_remove(actor=request.user, line_id=line_id)
        else:
            services.tender_line_update(actor=request.user, line_id=line_id, data=_line_data(request.POST))
    except ApplicationError as exc:
        return _fail(request, tender.pk, exc)
    messages.success(request, _("Line saved."))
    return redirect(detail_url(tender.pk))


@web_view
@require_POST
def tender_competitor(request, tender_id: int, line_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    if not tender.lines.filter(pk=line_id).exists():
        raise Http404
    try:
        remove = int_or_none(request.POST.get("remove"))
        if remove:
            services.competitor_price_remove(actor=request.user, competitor_price_id=remove)
        else:
            services.competitor_price_add(actor=request.user, line_id=line_id,
                                          competitor=request.POST.get("competitor", ""),
                                          price=request.POST.get("price", ""))
    except ApplicationError as exc:
        return _fail(request, tender.pk, exc)
    return redirect(detail_url(tender.pk))


@web_view
@require_POST
def tender_exception(request, tender_id: int, line_id: int):
    """Ask for a below-floor approval of a line."""
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    if not tender.lines.filter(pk=line_id).exists():
        raise Http404
    try:
        services.price_exception_request(actor=request.user, line_id=line_id, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        return _fail(request, tender.pk, exc)
    messages.success(request, _("Approval requested from the heads above the owner."))
    return redirect(detail_url(tender.pk))


@web_view
@require_POST
def tender_exception_decide(request, tender_id: int, exception_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    if not tender.price_exceptions.filter(pk=exception_id).exists():
        raise Http404
    try:
        services.price_exception_decide(actor=request.user, exception_id=exception_id,
                                        approve=request.POST.get("decision") == "approve",
                                        note=request.POST.get("note", ""))
    except ApplicationError as exc:
        return _fail(request, tender.pk, exc)
    messages.success(request, _("Decision recorded."))
    return redirect(detail_url(tender.pk))


@web_view
@require_POST
def tender_attachment_add(request, tender_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    try:
        services.tender_attachment_add(actor=request.user, tender_id=tender.pk, upload=request.FILES.get("file"))
    except ApplicationError as exc:
        return _fail(request, tender.pk, exc, "attachments")
    messages.success(request, _("File attached."))
    return redirect(detail_url(tender.pk, "attachments"))


@web_view
def tender_attachment_download(request, tender_id: int, attachment_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    att = TenderAttachment.objects.filter(pk=attachment_id, tender=tender).first()
    if att is None:
        raise Http404
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


@web_view
@require_POST
def tender_share(request, tender_id: int):
    tender = selectors.tender_get(actor=request.user, tender_id=tender_id)
    try:
        remove = int_or_none(request.POST.get("remove"))
        if remove:
            if not tender.shares.filter(pk=remove).exists():
                raise Http404
            services.tender_share_remove(actor=request.user, share_id=remove)
        else:
            services.tender_share_add(actor=request.user, tender_id=tender.pk,
                                      user_id=int_or_none(request.POST.get("user")),
                                      group_id=int_or_none(request.POST.get("group")),
                                      access=request.POST.get("access") or "read")
    except ApplicationError as exc:
        return _fail(request, tender.pk, exc, "sharing")
    messages.success(request, _("Sharing saved."))
    return redirect(detail_url(tender.pk, "sharing"))


# --- statistics ------------------------------------------------------------------------------

DIMENSION_LABELS = {"owner": gettext_noop("Owner"), "product": gettext_noop("Product"),
                    "province": gettext_noop("Province"), "type": gettext_noop("Type"),
                    "month": gettext_noop("Month"), "year": gettext_noop("Year")}


def _date(value):
    try:
        return parse_date(value or "")
    except ValueError:
        return None


@web_view
def tender_stats(request):
    by = request.GET.get("by") if request.GET.get("by") in stats.DIMENSIONS else "owner"
    date_from, date_to = _date(request.GET.get("from")), _date(request.GET.get("to"))
    rows = stats.tender_stats(actor=request.user, by=by, date_from=date_from, date_to=date_to)
    if request.GET.get("export"):
        wb, ws = header_sheet(_("Tender statistics"), [(_(DIMENSION_LABELS[by]), 24), (pgettext("tender result", "Won"), 8),
                                                       (pgettext("tender result", "Lost"), 8), (gettext_noop("Win rate %"), 10),
                                                       (gettext_noop("Won amount"), 16)])
        for r in rows:
            ws.append([_excel_safe(r["label"]), r["won"], r["lost"], r["win_rate"], r["won_amount"]])
        response = HttpResponse(_save(wb),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="tender-stats-{by}.xlsx"'
        return response
    params = {"from": request.GET.get("from", ""), "to": request.GET.get("to", "")}
    return render(request, "web/tenders/stats.html", {
        "rows": rows, "totals": stats.totals(rows), "by": by,
        "dimensions": [(k, _(v), "?" + urlencode({**params, "by": k})) for k, v in DIMENSION_LABELS.items()],
        "date_from": date_from, "date_to": date_to, "by_label": _(DIMENSION_LABELS[by]),
        "export_url": "?" + urlencode({**params, "by": by, "export": 1}),
        "max_amount": max((r["won_amount"] for r in rows), default=Decimal(0)) or Decimal(1),
    })


# --- the deadline calendar -------------------------------------------------------------------

def _shift_month(day: datetime.date, n: int) -> datetime.date:
    m = day.month - 1 + n
    return datetime.date(day.year + m // 12, m % 12 + 1, 1)


@web_view
def tender_calendar(request):
    today = timezone.localdate()
    anchor = _date(request.GET.get("date")) or today
    if not datetime.date(2000, 1, 1) <= anchor <= datetime.date(2100, 12, 31):
        anchor = today
    weeks = pycal.Calendar(firstweekday=0).monthdatescalendar(anchor.year, anchor.month)
    start, _e = local_day_bounds(weeks[0][0])
    _s, end = local_day_bounds(weeks[-1][-1])
    qs = (selectors.visible_tenders(request.user).filter(selectors.deadline_window_q(start, end))
          .exclude(status=TenderStatus.CANCELLED).select_related("owner").order_by("id")[:500])
    by_day: dict[datetime.date, list[dict]] = {}
    for t in qs:
        for field, label in DEADLINES:
            when = getattr(t, field)
            if when and start <= when < end:
                by_day.setdefault(timezone.localtime(when).date(), []).append(
                    {"tender": t, "label": label, "at": when, "kind": field, "open": t.status in OPEN_STATUSES})
    for entries in by_day.values():
        entries.sort(key=lambda e: e["at"])
    grid = [[{"day": d, "today": d == today, "past": d < today, "other_month": d.month != anchor.month,
              "entries": by_day.get(d, [])} for d in week] for week in weeks]
    return render(request, "web/tenders/calendar.html", {
        "grid": grid, "title": f"{anchor.year}-{anchor.month:02d}", "total": sum(len(v) for v in by_day.values()),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "prev_url": "?date=" + _shift_month(anchor, -1).isoformat(),
        "next_url": "?date=" + _shift_month(anchor, 1).isoformat(), "today_url": "?",
    })


def tab_context(request, customer, perms) -> dict:
    """The customer page's 投标 tab (registered from tenders/web_hooks.py): the customer's tenders
    the user sees, newest first (capped)."""
    rows = list(selectors.tender_list(actor=request.user, filters=selectors.TenderFilters(customer_id=customer.pk))
                [:50])
    return {"customer_tenders": rows, "can_create_tender": perms["write"]}


def product_listings_context(product: Product, user) -> dict:
    """The product page's 挂网 block (web/catalog/product_detail.html includes it)."""
    from pharmcrm.tenders.listing_services import can_write_listings

    rows = list(selectors.listing_list(actor=user, filters=selectors.ListingFilters(product_id=product.pk)))
    for r in rows:
        r.province_label = region_label(r.province)
    return {"listings": rows, "can_write_listings": can_write_listings(user)}
