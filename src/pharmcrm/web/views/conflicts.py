"""Duplicate check (查重) and conflicts (撞单申诉): the quick check, the live panel of the customer
form, raising a conflict, the conflict list and the conflict page with the arbiters' decision.

Thin: customers.duplicates / conflicts / conflict_selectors do the work and the checking.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.pagination import capped_count
from pharmcrm.customers import conflict_selectors as selectors
from pharmcrm.customers import conflicts, duplicates
from pharmcrm.customers.conflict_models import ConflictDecision, ConflictStatus
from pharmcrm.customers.conflicts import DATA_FIELDS
from pharmcrm.customers.models import Customer
from pharmcrm.web.views.common import int_or_none, web_view

CRITERIA_LABELS = {"credit_code": "credit code", "name": "name", "phone": "phone"}


def _wants_partial(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _check_values(source) -> dict[str, str]:
    return {k: (source.get(k) or "").strip()[:200] for k in ("name", "credit_code", "phone")}


# --- the quick check and the live panel ------------------------------------------------------

@web_view
def duplicate_check(request):
    """GET: the 查重 page (or, for htmx, just the matches: ``?panel=form`` for the customer form)."""
    values = _check_values(request.GET)
    exclude_id = int_or_none(request.GET.get("exclude_id"))
    checked = any(values.values())
    matches = duplicates.duplicate_find(actor=request.user, exclude_id=exclude_id, **values) if checked else []
    context = {"values": values, "duplicates": matches, "checked": checked,
               "in_form": request.GET.get("panel") == "form", "exclude_id": exclude_id}
    if _wants_partial(request):
        return render(request, "web/customers/_duplicate_matches.html", context)
    return render(request, "web/customers/duplicate_check.html", context)


# --- raising a conflict ----------------------------------------------------------------------

def _posted_data(request) -> dict[str, str]:
    return {k: request.POST.get(k, "").strip() for k in DATA_FIELDS if request.POST.get(k, "").strip()}


@web_view
def conflict_new(request):
    """POST from a duplicate match's "raise a conflict" button (it carries what the user typed);
    a second POST with ``confirm=1`` and a reason raises the conflict."""
    if request.method != "POST":
        return redirect("web:duplicate_check")
    data = _posted_data(request)
    ref = request.POST.get("match", "")
    own_id = int_or_none(request.POST.get("claimant_customer"))
    own = Customer.objects.filter(pk=own_id).only("pk", "name").first() if own_id else None
    reason = request.POST.get("reason", "")
    found = duplicates.match_by_ref(actor=request.user, ref=ref, name=data.get("name", ""),
                                    credit_code=data.get("credit_code", ""), phone=data.get("phone", ""),
                                    exclude_id=own_id)
    errors: dict[str, list[str]] = {}
    if found is not None and request.POST.get("confirm") == "1":
        try:
            conflict = conflicts.conflict_raise(actor=request.user, ref=ref, data=data, reason=reason,
                                                claimant_customer_id=own_id)
        except ApplicationError as exc:
            errors = {"reason": exc.fields["reason"]} if "reason" in exc.fields else {"general": [exc.message]}
        else:
            messages.success(request, _("Your conflict was sent to %(who)s for a decision.") % {
                "who": conflict.arbiter_department.name if conflict.arbiter_department_id else _("the administrators")})
            return redirect("web:conflict_detail", conflict_id=conflict.pk)
    context = {
        "data": data, "ref": ref, "match": found[1] if found else None, "own": own if own_id else None,
        "reason": reason, "errors": errors, "data_rows": _data_rows(data),
    }
    return render(request, "web/customers/conflict_new.html", context, status=400 if errors or not found else 200)


def _data_rows(data: dict) -> list[tuple[str, str]]:
    from django.utils.text import capfirst

    rows = []
    for name in DATA_FIELDS:
        if data.get(name):
            field = Customer._meta.get_field(name)
            value = dict(field.flatchoices).get(data[name], data[name]) if field.choices else data[name]
            rows.append((capfirst(str(field.verbose_name)), value))
    return rows


# --- list and detail --------------------------------------------------------------------------

def _box_tabs(user, counts: dict[str, int]) -> list[dict]:
    tabs = []
    if user.is_admin or user.is_head:
        tabs.append(("arbitrate", _("Awaiting my decision")))
    tabs += [("mine", _("Raised by me")), ("about", _("About my customers"))]
    if user.is_admin:
        tabs.append(("all", _("All")))
    return [{"key": k, "label": label, "count": counts.get(k, 0)} for k, label in tabs]


@web_view
def conflict_list(request):
    user = request.user
    counts = selectors.conflict_counts(actor=user)
    tabs = _box_tabs(user, counts)
    keys = [t["key"] for t in tabs]
    box = request.GET.get("box") if request.GET.get("box") in keys else selectors.default_box(user)
    status = request.GET.get("status") if request.GET.get("status") in selectors.STATUS_FILTERS else "open"
    qs = selectors.conflict_list(actor=user, box=box, status=status)
    size = settings.PHARMCRM["LIST_PAGE_SIZE"]
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    rows = list(qs[(page - 1) * size: page * size + 1])
    has_next = len(rows) > size
    views = selectors.conflict_views(actor=user, conflicts=rows[:size])

    def url(**override):
        params = {"box": box, "status": status, **override}
        return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None, 1)})

    return render(request, "web/customers/conflict_list.html", {
        "tabs": [{**t, "url": url(box=t["key"], status="open", page=None), "active": t["key"] == box} for t in tabs],
        "box": box, "status": status, "views": views, "count": capped_count(qs), "page": page,
        "status_urls": [(k, label, url(status=k, page=None), k == status) for k, label in (
            ("open", _("Awaiting decision")), ("closed", _("Closed")), ("any", _("All")))],
        "prev_url": url(page=page - 1) if page > 1 else None,
        "next_url": url(page=page + 1) if has_next else None,
    })


def _decisions(view: selectors.ConflictView) -> list[dict]:
    c = view.conflict
    name = view.existing.name if view.existing else c.data.get("name", "")
    owner = c.customer.owner.full_name if c.customer.owner_id else duplicates.POOL_OWNER
    options = [
        {"value": ConflictDecision.KEEP, "label": _("Keep with %(owner)s") % {"owner": owner}, "kind": "secondary",
         "confirm": _("“%(name)s” stays with %(owner)s; %(claimant)s is told the conflict was decided.") % {
             "name": name, "owner": owner, "claimant": c.claimant.full_name}},
        {"value": ConflictDecision.TRANSFER, "label": _("Transfer to %(claimant)s") % {"claimant": c.claimant.full_name},
         "kind": "primary",
         "confirm": _("“%(name)s” and everything recorded about it will be transferred from %(owner)s to "
                      "%(claimant)s.") % {"name": name, "owner": owner, "claimant": c.claimant.full_name}
         + (" " + _("The claimant's own record of it is merged into it.") if c.claimant_customer_id else "")},
    ]
    if c.claimant_customer_id:
        options.append({
            "value": ConflictDecision.MERGE, "label": _("Merge into the existing customer"), "kind": "warning",
            "confirm": _("%(claimant)s's record “%(own)s” and everything recorded about it will be merged into "
                         "“%(name)s”, which stays with %(owner)s. This cannot be undone.") % {
                "claimant": c.claimant.full_name, "own": c.claimant_customer.name, "name": name, "owner": owner}})
    return options


@web_view
def conflict_detail(request, conflict_id: int):
    conflict = selectors.conflict_get(actor=request.user, conflict_id=conflict_id)
    view = selectors.conflict_sides(actor=request.user, conflict=conflict)
    return render(request, "web/customers/conflict_detail.html", {
        "view": view, "c": conflict, "data_rows": _data_rows(conflict.data) if view.show_data else [],
        "decisions": _decisions(view) if view.can_decide else [],
        "open": conflict.status == ConflictStatus.OPEN,
    })


@web_view
def conflict_decide(request, conflict_id: int):
    if request.method != "POST":
        selectors.conflict_get(actor=request.user, conflict_id=conflict_id)
        return HttpResponseNotAllowed(["POST"])
    try:
        c = conflicts.conflict_decide(actor=request.user, conflict_id=conflict_id,
                                      decision=request.POST.get("decision", ""), note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decided: %(status)s.") % {"status": c.get_status_display()})
    return redirect("web:conflict_detail", conflict_id=conflict_id)


@web_view
def conflict_withdraw(request, conflict_id: int):
    if request.method != "POST":
        selectors.conflict_get(actor=request.user, conflict_id=conflict_id)
        return HttpResponseNotAllowed(["POST"])
    try:
        conflicts.conflict_withdraw(actor=request.user, conflict_id=conflict_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Conflict withdrawn."))
    return redirect(reverse("web:conflict_detail", args=[conflict_id]))
