"""The customer's 360° profile on the 概况 tab: one card per section, each with its add/edit
dialog, and the look-ups behind the pickers.

Every form works three ways with the same URL:
  * no JavaScript: GET shows the form on its own page; POST redirects back to the customer
    page (or shows the form again with the errors, status 400);
  * htmx (``HX-Request``): GET returns a ``<dialog data-open>`` into the card's slot; a good
    POST returns the refreshed card (and the completeness bar, out of band), which closes the
    dialog; a bad POST returns the dialog with the errors into the slot again.
Reading needs the customer to be visible (404 otherwise); every change needs the right to
write it (403), checked again by the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers import profile_selectors as sel
from pharmcrm.customers import profile_services as ps
from pharmcrm.customers.models import (
    CustomerCompetitor,
    CustomerKeyAccount,
    CustomerProductField,
    CustomerProductInterest,
    CustomerWantedRegion,
    ShippingAddress,
)
from pharmcrm.customers.selectors import customer_get, customer_permissions
from pharmcrm.org import visibility
from pharmcrm.web import forms_profile as f
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view


@dataclass(frozen=True)
class Section:
    key: str  # URL slug and card id
    card: str  # the profile section (profile_selectors.SECTIONS) whose card shows it
    form: type[f.ProfileForm]
    title_new: Any
    title_edit: Any = None
    model: Any = None
    create: Callable | None = None
    update: Callable | None = None
    item_arg: str = ""  # the service's keyword for the row id
    actions: dict[str, tuple[Callable, Any]] | None = None  # slug -> (service, success message)


def _svc(fn, arg):
    return lambda actor, customer_id, item_id: fn(actor=actor, customer_id=customer_id, **{arg: item_id})


SECTIONS: dict[str, Section] = {
    "invoice": Section("invoice", "invoice", f.InvoiceForm, gettext_lazy("Invoicing data")),
    "head-office": Section("head-office", "head_office", f.HeadOfficeForm, gettext_lazy("Head office")),
    "addresses": Section(
        "addresses", "addresses", f.AddressForm, gettext_lazy("New shipping address"),
        gettext_lazy("Edit shipping address"), ShippingAddress, ps.shipping_address_create,
        ps.shipping_address_update, "address_id",
        {"default": (_svc(ps.shipping_address_set_default, "address_id"), gettext_lazy("Default address changed.")),
         "deactivate": (_svc(ps.shipping_address_deactivate, "address_id"), gettext_lazy("Address deactivated.")),
         "reactivate": (_svc(ps.shipping_address_reactivate, "address_id"), gettext_lazy("Address reactivated."))},
    ),
    "wanted-regions": Section(
        "wanted-regions", "wanted_regions", f.WantedRegionForm, gettext_lazy("Add a wanted region"),
        gettext_lazy("Edit wanted region"), CustomerWantedRegion, ps.wanted_region_add, ps.wanted_region_update,
        "region_id", {"remove": (_svc(ps.wanted_region_remove, "region_id"), gettext_lazy("Removed."))},
    ),
    "interests": Section(
        "interests", "interests", f.ProductInterestForm, gettext_lazy("Add a product of interest"),
        gettext_lazy("Edit product of interest"), CustomerProductInterest, ps.product_interest_add,
        ps.product_interest_update, "interest_id",
        {"remove": (_svc(ps.product_interest_remove, "interest_id"), gettext_lazy("Removed."))},
    ),
    "fields": Section(
        "fields", "fields", f.ProductFieldForm, gettext_lazy("Add a product field"),
        gettext_lazy("Edit product field"), CustomerProductField, ps.product_field_add, ps.product_field_update,
        "field_id", {"remove": (_svc(ps.product_field_remove, "field_id"), gettext_lazy("Removed."))},
    ),
    "key-accounts": Section(
        "key-accounts", "key_accounts", f.KeyAccountForm, gettext_lazy("Link a key account"),
        gettext_lazy("Edit key account"), CustomerKeyAccount, ps.key_account_add, ps.key_account_update,
        "key_account_id", {"remove": (_svc(ps.key_account_remove, "key_account_id"), gettext_lazy("Removed."))},
    ),
    "competitors": Section(
        "competitors", "competitors", f.CompetitorForm, gettext_lazy("Add a competitor"),
        gettext_lazy("Edit competitor"), CustomerCompetitor, ps.competitor_create, ps.competitor_update,
        "competitor_id", {"remove": (_svc(ps.competitor_remove, "competitor_id"), gettext_lazy("Removed."))},
    ),
}
SINGLE = ("invoice", "head-office")  # one per customer: edited, never added
CARD_OF = {s.key: s.card for s in SECTIONS.values()}
SLUG_OF = {s.card: s.key for s in SECTIONS.values()}


# --- the overview tab ----------------------------------------------------------------------

def profile_context(request, customer, perms) -> dict:
    """What ``web/customers/profile/_profile.html`` needs (called by the overview tab)."""
    return {"profile": _profile(request, customer), "slugs": SLUG_OF}


def _profile(request, customer):
    profile = sel.customer_profile(actor=request.user, customer=customer)
    for row in profile.fields:  # money as ¥1,234.56 (UI.md), whatever the locale's grouping
        row.volume_display = f"¥{row.annual_volume:,.2f}" if row.annual_volume is not None else ""
    return profile


# --- helpers -------------------------------------------------------------------------------

def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _section(key: str) -> Section:
    section = SECTIONS.get(key)
    if section is None:
        raise Http404
    return section


def _writable(request, customer_id: int):
    customer = customer_get(actor=request.user, customer_id=customer_id)  # invisible: 404
    perms = customer_permissions(actor=request.user, customer=customer)
    if not perms["write"]:
        raise PermissionDenied(_("You may view this customer but not change it."))
    return customer, perms


def _back(customer, section: Section):
    return redirect(reverse("web:customer_detail", args=[customer.pk]) + f"?tab=overview#profile-{section.card}")


def _card(request, customer, perms, section: Section) -> HttpResponse:
    """The refreshed card and, out of band, the completeness bar."""
    customer = customer_get(actor=request.user, customer_id=customer.pk)  # fields may have changed
    ctx = {"customer": customer, "perms": perms, "slugs": SLUG_OF, "oob": True,
           "profile": _profile(request, customer)}
    return render(request, f"web/customers/profile/_card_{section.card}.html", ctx)


def _form_response(request, customer, section: Section, form, *, action: str, title, status: int) -> HttpResponse:
    ctx = {"customer": customer, "section": section, "form": form, "action": action, "title": title}
    if _htmx(request):
        response = render(request, "web/customers/profile/_dialog.html", ctx)
        if request.method == "POST":  # errors: the dialog goes back into the card's slot
            response["HX-Retarget"] = f"#profile-{section.card}-slot"
            response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "web/customers/profile/form_page.html", ctx, status=status)


def _done(request, customer, perms, section: Section, message) -> HttpResponse:
    if _htmx(request):
        return _card(request, customer, perms, section)
    messages.success(request, str(message))
    return _back(customer, section)


def _linked_label(request, customer_id) -> str:
    """The label of a customer chosen in a picker, if the user sees it."""
    pk = int_or_none(customer_id)
    if pk is None:
        return ""
    row = visibility.visible_customers(request.user).filter(pk=pk).values_list("name", flat=True).first()
    return row or ""


def _product_label(product_id) -> str:
    from pharmcrm.catalog.models import Product

    pk = int_or_none(product_id)
    product = Product.objects.filter(pk=pk).first() if pk else None
    return str(product) if product else ""


def _make_form(request, section: Section, customer, *, data=None, initial=None, item=None):
    # ids unique on the customer page, where several sections' dialogs may be loaded at once
    kwargs: dict[str, Any] = {"data": data, "initial": initial or {}, "auto_id": f"id_{section.card}_%s"}
    editing = item is not None
    if section.key == "addresses":
        kwargs["is_default_now"] = bool(item and item.is_default)
    elif section.key in ("wanted-regions", "fields"):
        kwargs["editing"] = editing
    elif section.key == "interests":
        kwargs.update(editing=editing, product_label=_product_label((data or {}).get("product")))
    elif section.key == "key-accounts":
        kwargs.update(editing=editing, customer_id=customer.pk,
                      hospital_label=_linked_label(request, (data or {}).get("hospital")))
    elif section.key == "head-office":
        chosen = (data or {}).get("chain") if data is not None else (initial or {}).get("chain")
        kwargs.update(customer_id=customer.pk, chain_label=_linked_label(request, chosen))
    return section.form(**kwargs)


def _save(request, form, fn: Callable[[dict], Any]) -> bool:
    if not form.is_valid():
        return False
    try:
        fn(form.service_data())
    except ApplicationError as exc:
        apply_errors(form, exc, form.ERROR_MAP)
        return False
    return True


# --- views ---------------------------------------------------------------------------------

@web_view
def profile_single(request, customer_id: int, section: str):
    """GET/POST the one-per-customer sections: invoicing data, a store's head office."""
    if section not in SINGLE:
        raise Http404
    sec = _section(section)
    customer, perms = _writable(request, customer_id)
    action = reverse("web:customer_profile_single", args=[customer.pk, sec.key])
    if sec.key == "invoice":
        current = sel.invoice_profile(actor=request.user, customer_id=customer.pk)
        initial = ({name: getattr(current, name) for name in ps.INVOICE_FIELDS} if current
                   else sel.invoice_initial(customer))

        def save(data):
            return ps.invoice_profile_save(actor=request.user, customer_id=customer.pk, data=data)
    else:
        # the current head office is offered only if the user sees it; saving empty detaches
        visible_parent = _linked_label(request, customer.parent_chain_id) if customer.parent_chain_id else ""
        initial = {"chain": customer.parent_chain_id if visible_parent else None}

        def save(data):
            return ps.customer_set_head_office(actor=request.user, customer_id=customer.pk, chain_id=data["chain_id"])
    if request.method == "POST":
        form = _make_form(request, sec, customer, data=request.POST)
        if _save(request, form, save):
            return _done(request, customer, perms, sec, _("Saved."))
        return _form_response(request, customer, sec, form, action=action, title=sec.title_new, status=400)
    form = _make_form(request, sec, customer, initial=initial)
    return _form_response(request, customer, sec, form, action=action, title=sec.title_new, status=200)


@web_view
def profile_new(request, customer_id: int, section: str):
    sec = _section(section)
    if sec.create is None:
        raise Http404
    customer, perms = _writable(request, customer_id)
    action = reverse("web:customer_profile_new", args=[customer.pk, sec.key])
    if request.method == "POST":
        form = _make_form(request, sec, customer, data=request.POST)
        if _save(request, form, lambda data: sec.create(actor=request.user, customer_id=customer.pk, data=data)):
            return _done(request, customer, perms, sec, _("Saved."))
        return _form_response(request, customer, sec, form, action=action, title=sec.title_new, status=400)
    return _form_response(request, customer, sec, _make_form(request, sec, customer), action=action,
                          title=sec.title_new, status=200)


@web_view
def profile_edit(request, customer_id: int, section: str, item_id: int):
    sec = _section(section)
    if sec.update is None:
        raise Http404
    customer, perms = _writable(request, customer_id)
    item = sel.profile_item(actor=request.user, customer_id=customer.pk, model=sec.model, item_id=item_id)
    action = reverse("web:customer_profile_edit", args=[customer.pk, sec.key, item.pk])
    if request.method == "POST":
        form = _make_form(request, sec, customer, data=request.POST, item=item)

        def save(data):
            return sec.update(actor=request.user, customer_id=customer.pk, data=data, **{sec.item_arg: item.pk})

        if _save(request, form, save):
            return _done(request, customer, perms, sec, _("Saved."))
        return _form_response(request, customer, sec, form, action=action, title=sec.title_edit, status=400)
    form = _make_form(request, sec, customer, item=item, initial=_initial(item))
    return _form_response(request, customer, sec, form, action=action, title=sec.title_edit, status=200)


def _initial(item) -> dict:
    data = {}
    for field in item._meta.concrete_fields:
        data[field.name] = getattr(item, field.attname)
    if isinstance(item, CustomerProductField) and item.annual_volume is not None:
        data["annual_volume"] = f"{item.annual_volume:f}".rstrip("0").rstrip(".")
    return data


@web_view
def profile_action(request, customer_id: int, section: str, item_id: int, action: str):
    """POST: remove an entry, or switch / deactivate / reactivate a shipping address."""
    sec = _section(section)
    if not sec.actions or action not in sec.actions:
        raise Http404
    if request.method != "POST":
        customer_get(actor=request.user, customer_id=customer_id)  # invisible: 404 before anything else
        return HttpResponseNotAllowed(["POST"])
    customer, perms = _writable(request, customer_id)
    service, message = sec.actions[action]
    service(request.user, customer.pk, item_id)
    return _done(request, customer, perms, sec, message)


# --- look-ups ------------------------------------------------------------------------------

@web_view
def customer_lookup_view(request):
    """GET ?q=&type=hospital&type=clinic&exclude=ID -> [{"id", "label"}]: visible customers, at most 20."""
    from pharmcrm.customers.models import CustomerType

    types = tuple(t for t in request.GET.getlist("type") if t in CustomerType.values)
    rows = sel.customer_lookup(actor=request.user, q=request.GET.get("q", ""), types=types,
                               exclude_id=int_or_none(request.GET.get("exclude")),
                               limit=int_or_none(request.GET.get("limit")) or sel.LOOKUP_MAX)
    labels = dict(CustomerType.choices)
    return JsonResponse([{"id": c.pk, "label": f"{c.name} · {labels.get(c.type, c.type)}"} for c in rows],
                        safe=False)


@web_view
def product_lookup_view(request):
    """GET ?q= -> [{"id", "label"}]: active catalog products (for products of interest)."""
    from pharmcrm.catalog.selectors import product_lookup

    products = product_lookup(actor=request.user, q=request.GET.get("q", ""),
                              limit=int_or_none(request.GET.get("limit")) or 20)
    return JsonResponse([{"id": p.pk, "label": f"{p} · {p.manufacturer}"} for p in products], safe=False)
