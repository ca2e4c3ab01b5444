"""Return orders (退货单) pages: the request form from an order (batches that went out, how many
come back, why), the return page with the legal actions (finance approves or rejects, the
warehouse receives the goods, the seller withdraws), and the list with state tabs (finance's
and the warehouse's queue). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from pharmcrm.core.errors import ApplicationError
from pharmcrm.sales import returns, selectors
from pharmcrm.sales.models import ReturnStatus
from pharmcrm.web.views.common import web_view

TABS = [("", gettext_noop("All")), (ReturnStatus.REQUESTED, gettext_noop("Awaiting review")),
        (ReturnStatus.APPROVED, gettext_noop("Goods expected")), (ReturnStatus.RECEIVED, gettext_noop("Received")),
        (ReturnStatus.REJECTED, gettext_noop("Rejected")), (ReturnStatus.CANCELLED, gettext_noop("Withdrawn"))]


def order_returns_context(user, order) -> dict:
    """For the order page's 退货 block."""
    full = selectors.order_access(user, order) == selectors.FULL
    return {"order_returns": list(selectors.return_list(actor=user, order_id=order.pk)) if full else [],
            "can_request_return": full and returns.can_request(user, order)}


@web_view
def return_new(request, order_id: int):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    if selectors.order_access(request.user, order) != selectors.FULL or not returns.can_request(request.user, order):
        messages.error(request, _("A return can be requested by the seller or finance once the goods left."))
        return redirect("web:order_detail", order.pk)
    rows = returns.returnable(order)
    errors: dict = {}
    values = {"reason": ""}
    if request.method == "POST":
        values["reason"] = request.POST.get("reason", "")
        lines = []
        for r in rows:
            raw = request.POST.get(f"qty_{r['allocation'].pk}", "").strip()
            r["value"] = raw
            r["index"] = len(lines)
            if raw and raw != "0":
                lines.append({"allocation_id": r["allocation"].pk, "quantity": raw})
        try:
            ret = returns.return_request(actor=request.user, order_id=order.pk,
                                         data={"reason": values["reason"], "lines": lines})
        except ApplicationError as exc:
            errors = exc.fields or {"general": [exc.message]}
            for r in rows:
                key = f"lines.{r.get('index')}"
                r["errors"] = [m for k, ms in errors.items() if k.startswith(key + ".") and r["value"]
                               and r["value"] != "0" for m in ms]
        else:
            messages.success(request, _("Return %(n)s requested: finance reviews it.") % {"n": ret.number})
            return redirect("web:return_detail", ret.pk)
    return render(request, "web/orders/return_form.html", {
        "order": order, "rows": rows, "errors": errors, "values": values}, status=400 if errors else 200)


@web_view
def return_detail(request, return_id: int):
    ret = selectors.return_get(actor=request.user, return_id=return_id)
    full = selectors.order_access(request.user, ret.order) == selectors.FULL
    return render(request, "web/orders/return_detail.html", {
        "ret": ret, "order": ret.order, "lines": list(selectors.return_lines(ret)), "full": full,
        "actions": returns.allowed_actions(request.user, ret), "action_errors": {}})


DONE = {returns.APPROVE: gettext_noop("Return approved: the receivable and the invoice ledger are updated."),
        returns.REJECT: gettext_noop("Return rejected."), returns.WITHDRAW: gettext_noop("Return withdrawn."),
        returns.RECEIVE: gettext_noop("Goods received back into stock.")}


@web_view
@require_POST
def return_action(request, return_id: int, action: str):
    if action not in DONE:
        raise Http404
    ret = selectors.return_get(actor=request.user, return_id=return_id)
    p = request.POST
    try:
        if action == returns.APPROVE:
            returns.return_approve(actor=request.user, return_id=ret.pk)
        elif action == returns.REJECT:
            returns.return_reject(actor=request.user, return_id=ret.pk, reason=p.get("reason", ""))
        elif action == returns.WITHDRAW:
            returns.return_withdraw(actor=request.user, return_id=ret.pk, reason=p.get("reason", ""))
        else:
            returns.return_receive(actor=request.user, return_id=ret.pk, note=p.get("note", ""))
    except ApplicationError as exc:
        if exc.code == "illegal_transition":
            messages.error(request, exc.message)
            return redirect("web:return_detail", ret.pk)
        full = selectors.order_access(request.user, ret.order) == selectors.FULL
        return render(request, "web/orders/return_detail.html", {
            "ret": ret, "order": ret.order, "lines": list(selectors.return_lines(ret)), "full": full,
            "actions": returns.allowed_actions(request.user, ret),
            "action_errors": {action: [m for ms in exc.fields.values() for m in ms] or [exc.message]}}, status=400)
    messages.success(request, _(DONE[action]))
    return redirect("web:return_detail", ret.pk)


@web_view
def return_list(request):
    status = request.GET.get("status", "")
    if status not in ReturnStatus.values:
        status = ""
    qs = selectors.return_list(actor=request.user, status=status)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    counts = dict(selectors.visible_returns(request.user).order_by().values_list("status").annotate(n=Count("id")))
    tabs = [{"key": k, "label": _(label), "count": sum(counts.values()) if not k else counts.get(k, 0),
             "active": k == status} for k, label in TABS]
    return render(request, "web/orders/return_list.html", {"page": page, "tabs": tabs, "status": status})
