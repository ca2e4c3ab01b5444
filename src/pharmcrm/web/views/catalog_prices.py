"""The prices tab of a product (current, upcoming, past and voided prices; add, end, void)
and the JSON look-ups of the catalog (products for pickers elsewhere, customers for the
price form)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pharmcrm.catalog import regions, selectors, services
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers.selectors import CustomerFilters, customer_list
from pharmcrm.web.forms_catalog import PriceEndForm, PriceForm, PriceVoidForm
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view

LOOKUP_MAX = 20


def _customer_choices(user, customer_id):
    """The customer select holds only the chosen customer (others are looked up as the user types)."""
    if not customer_id:
        return []
    return list(customer_list(actor=user, filters=CustomerFilters()).filter(pk=customer_id)[:1])


def price_form(request, data=None) -> PriceForm:
    customer_id = int_or_none((data or {}).get("customer"))
    return PriceForm(
        data, kinds=selectors.visible_price_kinds(request.user),
        customers=_customer_choices(request.user, customer_id),
        customer_lookup_url=reverse("web:catalog_customer_lookup"),
        initial={"valid_from": selectors.today(), "scope": "national"},
    )


def _scope_label(price) -> str:
    if price.customer_id:
        return price.customer.name
    return regions.region_label(price.region_code)


def prices_context(request, product, form=None, open_dialog=False) -> dict:
    user = request.user
    today = selectors.today()
    groups = {"current": [], "upcoming": [], "past": [], "void": []}
    for p in selectors.product_prices(actor=user, product_id=product.pk):
        p.scope_label = _scope_label(p)
        if p.is_void:
            groups["void"].append(p)
        elif p.valid_from > today:
            groups["upcoming"].append(p)
        elif p.valid_to is not None and p.valid_to < today:
            groups["past"].append(p)
        else:
            groups["current"].append(p)
    groups["past"].sort(key=lambda p: (p.valid_to, p.pk), reverse=True)
    can_edit = selectors.can_edit_catalog(user)
    return {
        "price_groups": [
            ("current", _("In force today"), groups["current"]),
            ("upcoming", _("Starting later"), groups["upcoming"]),
            ("past", _("Ended"), groups["past"]),
            ("void", _("Voided"), groups["void"]),
        ],
        "price_form": (form or price_form(request)) if can_edit and product.is_active else None,
        "open_dialog": open_dialog,
        "floor_hidden": not selectors.can_see_floor_price(user),
        "today": today,
    }


@web_view
def price_create(request, product_id: int):
    from pharmcrm.web.views.catalog import _require_writer, detail_context

    product = selectors.product_get(actor=request.user, product_id=product_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _require_writer(request.user)
    form = price_form(request, request.POST)
    if form.is_valid():
        try:
            price = services.price_create(actor=request.user, product_id=product.pk, **form.service_kwargs())
        except ApplicationError as exc:
            apply_errors(form, exc, {"customer_id": "customer"})
        else:
            messages.success(request, _("Price added: %(p)s.") % {"p": services.describe_price(price)})
            return redirect(reverse("web:product_detail", args=[product.pk]) + "?tab=prices")
    ctx = detail_context(request, product, "prices")
    ctx.update(prices_context(request, product, form=form, open_dialog=True))
    return render(request, "web/catalog/detail.html", ctx, status=400)


def _price_page(request, price_id: int, template: str, form_class, action):
    from pharmcrm.web.views.catalog import _require_writer

    price = selectors.price_get(actor=request.user, price_id=price_id)
    _require_writer(request.user)
    back = reverse("web:product_detail", args=[price.product_id]) + "?tab=prices"
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                action(price, form.cleaned_data)
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                return redirect(back)
        status = 400
    else:
        form = form_class(initial={"valid_to": max(selectors.today(), price.valid_from)})
    price.scope_label = _scope_label(price)
    return render(request, template, {
        "form": form, "price": price, "product": price.product, "back": back,
        "description": services.describe_price(price),
        "crumbs": [(_("Products"), reverse("web:product_list")), (str(price.product), back), (_("Price"), None)],
    }, status=status)


@web_view
def price_end(request, price_id: int):
    def action(price, data):
        services.price_end(actor=request.user, price_id=price.pk, valid_to=data["valid_to"])
        messages.success(request, _("The price now ends on %(d)s.") % {"d": data["valid_to"].isoformat()})

    return _price_page(request, price_id, "web/catalog/price_end.html", PriceEndForm, action)


@web_view
def price_void(request, price_id: int):
    def action(price, data):
        services.price_void(actor=request.user, price_id=price.pk, reason=data["reason"])
        messages.success(request, _("The price was voided."))

    return _price_page(request, price_id, "web/catalog/price_void.html", PriceVoidForm, action)


# --- look-ups --------------------------------------------------------------------------------

@web_view
def product_lookup(request):
    """GET ?q=&limit=20[&all=1] -> [{"id", "label"}]: products on sale (``all=1``: discontinued too)."""
    found = selectors.product_lookup(
        actor=request.user, q=request.GET.get("q", ""), active_only=request.GET.get("all") != "1",
        limit=int_or_none(request.GET.get("limit")) or LOOKUP_MAX,
    )
    return JsonResponse([{"id": p.pk, "label": f"{p} · {p.manufacturer}"} for p in found], safe=False)


@web_view
def customer_lookup(request):
    """GET ?q= -> [{"id", "label"}]: customers the requester sees (for customer-specific prices)."""
    q = request.GET.get("q", "")[:100]
    limit = max(1, min(int_or_none(request.GET.get("limit")) or LOOKUP_MAX, LOOKUP_MAX))
    qs = customer_list(actor=request.user, filters=CustomerFilters(q=q, sort="name"))
    return JsonResponse([{"id": c.pk, "label": c.name} for c in qs[:limit]], safe=False)
