"""The public pool's screens: the pool list (claim, assign), release from the customer page, the
exemption switch, the rules in 设置. Thin: every rule is in customers.pool_services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.pagination import capped_count
from pharmcrm.customers import pool, pool_selectors
from pharmcrm.customers import pool_services as ps
from pharmcrm.customers.pool_selectors import PoolFilters
from pharmcrm.customers.selectors import customer_get, customer_permissions
from pharmcrm.org import visibility
from pharmcrm.web.forms_pool import AssignForm, PoolFilterForm, PoolPolicyForm, ReleaseForm
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view
from pharmcrm.web.views.settings_common import INVALID, admin_view, settings_crumbs

PAGE_SIZE = settings.PHARMCRM["LIST_PAGE_SIZE"]


def _query(values: dict, **override) -> str:
    params = {
        "q": values["q"], "type": values["type"], "region": values["region"],
        "since": values["since"].isoformat() if values["since"] else "", "pool": values["pool"] or "",
        "sort": "" if values["sort"] == "released" else values["sort"],
    }
    params.update(override)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _back(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


@web_view
def pool_list(request):
    user = request.user
    form = PoolFilterForm(request.GET, departments=pool_selectors.pool_departments(actor=user))
    v = form.values()
    filters = PoolFilters(q=v["q"], type=v["type"], region=v["region"], released_since=v["since"],
                          department_id=v["pool"], sort=v["sort"])
    qs = pool_selectors.pool_list(actor=user, filters=filters)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    ids = [c.pk for c in rows]
    assignable = set(visibility.manageable_customers(user, pool=True).filter(pk__in=ids).values_list("pk", flat=True)) \
        if ids and (user.is_head or user.is_admin) else set()
    policy = pool.policy_get()
    today = pool.today()
    for c in rows:
        c.can_assign = c.pk in assignable
        c.reclaim_from = None
        if c.previous_owner_id == user.pk and c.previous_at is not None:
            allowed = pool.reclaim_allowed_on(policy, c.previous_at)
            c.reclaim_from = allowed if today < allowed else None
    quota = pool_selectors.pool_quota(actor=user)
    count = capped_count(qs)
    context = {
        "form": form, "values": v, "rows": rows, "count": count, "page": page,
        "pages": (count.value + PAGE_SIZE - 1) // PAGE_SIZE if count.exact else None,
        "prev_url": "?" + _query(v, page=page - 1) if page > 1 else None,
        "next_url": "?" + _query(v, page=page + 1) if has_next else None,
        "sort_name_url": "?" + _query(v, sort="-name" if v["sort"] == "name" else "name"),
        "sort_released_url": "?" + _query(v, sort="-released" if v["sort"] == "released" else ""),
        "filtered": any(v[k] for k in ("q", "type", "region", "since", "pool")),
        "quota": quota, "policy": policy, "back": request.get_full_path(),
    }
    return render(request, "web/customers/pool_list.html", context)


@web_view
def pool_claim(request, customer_id: int):
    if request.method != "POST":
        customer_get(actor=request.user, customer_id=customer_id)  # invisible: 404 before anything else
        return HttpResponseNotAllowed(["POST"])
    try:
        customer = ps.customer_claim(actor=request.user, customer_id=customer_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request, reverse("web:pool_list")))
    messages.success(request, _("“%(name)s” is now your customer.") % {"name": customer.name})
    return redirect("web:customer_detail", customer_id=customer.pk)


@web_view
def pool_assign(request, customer_id: int):
    customer = customer_get(actor=request.user, customer_id=customer_id)
    perms = customer_permissions(actor=request.user, customer=customer)
    if customer.owner_id is not None:
        messages.info(request, _("This customer is not in the public pool (any more)."))
        return redirect("web:customer_detail", customer_id=customer.pk)
    if not perms["manage"]:
        raise PermissionDenied(_("Only heads of the pool's department or above and administrators may assign "
                                 "customers from the pool."))
    user_id = int_or_none(request.POST.get("user")) if request.method == "POST" else None
    users = list(visibility.users_in_scope(request.user).filter(pk=user_id, is_active=True)
                 .select_related("department")) if user_id else []
    if request.method == "POST":
        form = AssignForm(request.POST, users=users)
        if form.is_valid():
            try:
                ps.customer_assign_from_pool(actor=request.user, customer_id=customer.pk,
                                             user_id=form.cleaned_data["user"], reason=form.cleaned_data["reason"])
            except ApplicationError as exc:
                apply_errors(form, exc, {"user_id": "user"})
            else:
                messages.success(request, _("“%(name)s” was assigned to %(user)s.") % {
                    "name": customer.name, "user": users[0].full_name})
                return redirect(_back(request, reverse("web:customer_detail", args=[customer.pk])))
        status = INVALID
    else:
        form = AssignForm(users=users)
        status = 200
    return render(request, "web/customers/pool_assign.html", {
        "customer": customer, "form": form, "next": _back(request, "")}, status=status)


@web_view
def customer_release(request, customer_id: int):
    customer = customer_get(actor=request.user, customer_id=customer_id)
    perms = customer_permissions(actor=request.user, customer=customer)
    if customer.owner_id is None:
        messages.info(request, _("This customer is already in the public pool."))
        return redirect("web:customer_detail", customer_id=customer.pk)
    if not perms["manage"]:
        raise PermissionDenied(_("Only the owner, their heads or an administrator may release a customer to the "
                                 "pool."))
    if request.method == "POST":
        form = ReleaseForm(request.POST)
        if form.is_valid():
            try:
                out = ps.customer_release(actor=request.user, customer_id=customer.pk,
                                          reason=form.cleaned_data["reason"])
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” was released to the public pool of %(pool)s.") % {
                    "name": out.name, "pool": out.pool_department.name})
                if visibility.can_see(request.user, customer.pk):
                    return redirect("web:customer_detail", customer_id=customer.pk)
                return redirect("web:customer_list")
        status = INVALID
    else:
        form = ReleaseForm()
        status = 200
    policy = pool.policy_get()
    return render(request, "web/customers/pool_release.html", {
        "customer": customer, "form": form, "policy": policy}, status=status)


@web_view
def customer_pool_exempt(request, customer_id: int):
    if request.method != "POST":
        customer_get(actor=request.user, customer_id=customer_id)
        return HttpResponseNotAllowed(["POST"])
    exempt = request.POST.get("exempt") == "1"
    customer = ps.customer_set_pool_exempt(actor=request.user, customer_id=customer_id, exempt=exempt)
    messages.success(request, _("“%(name)s” no longer returns to the pool on its own.") % {"name": customer.name}
                     if exempt else _("“%(name)s” follows the pool rules again.") % {"name": customer.name})
    return redirect("web:customer_detail", customer_id=customer_id)


# --- 设置 → 公海规则 ------------------------------------------------------------------------

@admin_view
def pool_settings(request):
    policy = pool.policy_get(fresh=True)
    if request.method == "POST":
        form = PoolPolicyForm(request.POST, instance=pool.policy_get(fresh=True))
        if form.is_valid():
            try:
                ps.pool_policy_update(actor=request.user, data={k: form.cleaned_data[k] for k in form.fields})
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The pool rules were saved."))
                return redirect("web:settings_pool")
        status = INVALID
    else:
        form = PoolPolicyForm(instance=policy)
        status = 200
    return render(request, "web/customers/pool_settings.html", {
        "crumbs": settings_crumbs(request, (_("Public pool rules"), None)),
        "form": form, "policy": policy, "history": _policy_history(),
    }, status=status)


def _policy_history() -> list[dict]:
    from pharmcrm.core.audit import audit_history
    from pharmcrm.customers.models import PoolPolicy

    def show(value) -> str:
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return "—" if value is None else str(value)

    rows = []
    for event in audit_history(target_type="poolpolicy", target_id=PoolPolicy.SINGLETON_PK, limit=20):
        changes = []
        for name, pair in (event.changes or {}).items():
            try:
                label = capfirst(str(PoolPolicy._meta.get_field(name).verbose_name))
            except Exception:
                label = name
            changes.append({"field": label, "old": show(pair[0]), "new": show(pair[1])})
        rows.append({"time": event.created_at, "actor": event.actor, "changes": changes})
    return rows
