"""The only readers of the customer's 360° profile. Everything starts from the visibility rule:
the profile of a customer is read only after ``customers.selectors.customer_get`` let the
actor see it, and linked customers (key-account hospitals, the head office, the stores) are
shown only if the actor sees THEM too; otherwise a placeholder without name or id.

``customer_profile`` costs a constant number of queries, whatever the number of addresses,
regions or links (tests/customers/test_profile_selectors.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pharmcrm.customers.models import Customer
from pharmcrm.customers.profile_choices import CHAIN_TYPE, HOSPITAL_TYPES, STORE_TYPES
from pharmcrm.customers.profile_models import (
    CustomerCompetitor,
    CustomerKeyAccount,
    CustomerProductField,
    CustomerProductInterest,
    CustomerWantedRegion,
    InvoiceProfile,
    ShippingAddress,
)
from pharmcrm.customers.profile_validators import region_labels
from pharmcrm.customers.selectors import customer_get
from pharmcrm.org import visibility
from pharmcrm.org.models import User

STORES_SHOWN = 50
LOOKUP_MAX = 20

# The sections of the profile, in display order: (key, label, customer types it is meant for;
# None = every type). A section that does not fit the type is still shown when it has data.
SECTIONS: list[tuple[str, Any, tuple[str, ...] | None]] = [
    ("hospital", _("Hospital information"), HOSPITAL_TYPES),
    ("invoice", _("Invoicing data"), None),
    ("addresses", _("Shipping addresses"), None),
    ("wanted_regions", _("Wanted regions"), ("agent", "distributor")),
    ("interests", _("Products of interest"), None),
    ("fields", _("Product fields"), ("agent", "distributor", "chain", "pharmacy", "other")),
    ("key_accounts", _("Key accounts"), ("agent", "distributor", "other")),
    ("competitors", _("Competitors"), None),
    ("head_office", _("Head office"), STORE_TYPES),
    ("stores", _("Stores"), (CHAIN_TYPE,)),
]
SECTION_LABELS = {key: label for key, label, _types in SECTIONS}


@dataclass
class LinkedCustomer:
    """A customer the profile points at, as the viewer may see it: ``visible`` False means the
    placeholder only (no name, no id)."""

    visible: bool
    id: int | None = None
    name: str = ""
    type: str = ""


@dataclass
class KeyAccountRow:
    id: int
    hospital: LinkedCustomer
    note: str
    strength: int
    strength_label: str


@dataclass
class Profile:
    customer: Customer
    invoice: InvoiceProfile | None
    invoice_initial: dict[str, str]
    addresses: list[ShippingAddress]
    inactive_addresses: list[ShippingAddress]
    wanted_regions: list[CustomerWantedRegion]
    interests: list[CustomerProductInterest]
    fields: list[CustomerProductField]
    key_accounts: list[KeyAccountRow]
    competitors: list[CustomerCompetitor]
    head_office: LinkedCustomer | None
    stores: list[Customer]
    stores_more: bool
    shown: list[str] = field(default_factory=list)  # section keys shown, in order
    completeness: list[dict[str, Any]] = field(default_factory=list)

    @property
    def filled_count(self) -> int:
        return sum(1 for s in self.completeness if s["filled"])

    @property
    def percent(self) -> int:
        return round(100 * self.filled_count / len(self.completeness)) if self.completeness else 100


def invoice_initial(customer: Customer) -> dict[str, str]:
    """What a new invoicing-data form starts with: the customer's name, credit code, address, phone."""
    return {"title": customer.name, "taxpayer_id": customer.credit_code, "address": customer.address,
            "phone": customer.phone}


def product_interests(customer: Customer) -> list[CustomerProductInterest]:
    return list(CustomerProductInterest.objects.filter(customer=customer).select_related("product").order_by("id"))


def _linked(actor: User, ids: set[int]) -> dict[int, LinkedCustomer]:
    """The customers among ``ids`` that ``actor`` sees (one query); the others are absent."""
    if not ids:
        return {}
    rows = visibility.visible_customers(actor).filter(pk__in=ids).values_list("pk", "name", "type")
    return {pk: LinkedCustomer(True, pk, name, type_) for pk, name, type_ in rows}


HIDDEN = LinkedCustomer(False)


def customer_profile(*, actor: User, customer: Customer) -> Profile:
    """Every section of the profile of ``customer``, which the caller got from ``customer_get``
    for ``actor`` (so it is visible)."""
    invoice = InvoiceProfile.objects.filter(customer=customer).first()
    all_addresses = list(
        ShippingAddress.objects.filter(customer=customer).order_by("-is_active", "-is_default", "-updated_at", "-id")
    )
    addresses = [a for a in all_addresses if a.is_active]
    inactive = [a for a in all_addresses if not a.is_active]
    wanted = list(CustomerWantedRegion.objects.filter(customer=customer).order_by("region_code", "id"))
    labels = region_labels([a.region_code for a in all_addresses] + [w.region_code for w in wanted])
    for row in [*all_addresses, *wanted]:
        row.region_label = labels.get(row.region_code, row.region_code)
    fields = list(CustomerProductField.objects.filter(customer=customer).order_by("id"))
    areas = _area_labels()
    for f in fields:
        f.area_label = areas.get(f.area, f.area)
    key_rows = list(
        CustomerKeyAccount.objects.filter(customer=customer).order_by("-strength", "id")
        .values_list("pk", "hospital_id", "note", "strength")
    )
    parent_id = customer.parent_chain_id
    linked = _linked(actor, {h for _pk, h, _n, _s in key_rows} | ({parent_id} if parent_id else set()))
    strength_labels = dict(CustomerKeyAccount.Strength.choices)
    key_accounts = [
        KeyAccountRow(pk, linked.get(hospital_id, HIDDEN), note, strength, str(strength_labels.get(strength, "")))
        for pk, hospital_id, note, strength in key_rows
    ]
    stores: list[Customer] = []
    if customer.type == CHAIN_TYPE:
        stores = list(
            visibility.visible_customers(actor).filter(parent_chain=customer).only("pk", "name", "type", "address")
            .order_by("name", "pk")[: STORES_SHOWN + 1]
        )
    profile = Profile(
        customer=customer,
        invoice=invoice,
        invoice_initial=invoice_initial(customer),
        addresses=addresses,
        inactive_addresses=inactive,
        wanted_regions=wanted,
        interests=product_interests(customer),
        fields=fields,
        key_accounts=key_accounts,
        competitors=list(CustomerCompetitor.objects.filter(customer=customer).order_by("id")),
        head_office=(linked.get(parent_id, HIDDEN) if parent_id else None),
        stores=stores[:STORES_SHOWN],
        stores_more=len(stores) > STORES_SHOWN,
    )
    _sections(profile)
    return profile


def _area_labels() -> dict[str, str]:
    try:
        from pharmcrm.catalog.models import TherapeuticArea
    except ImportError:  # pragma: no cover - the catalog app is part of the product
        return {}
    return {k: str(v) for k, v in TherapeuticArea.choices}


def _filled(p: Profile, key: str) -> bool:
    c = p.customer
    return {
        "hospital": bool(c.hospital_grade and c.beds and c.ownership),
        "invoice": p.invoice is not None,
        "addresses": bool(p.addresses),
        "wanted_regions": bool(p.wanted_regions),
        "interests": bool(p.interests),
        "fields": bool(p.fields),
        "key_accounts": bool(p.key_accounts),
        "competitors": bool(p.competitors),
        "head_office": p.head_office is not None,
        "stores": bool(p.stores),
    }[key]


def _sections(p: Profile) -> None:
    """Which sections the page shows and which of the expected ones are filled.

    The chain sections describe a structure, not data to collect: they are shown but do not
    count towards completeness (a single pharmacy need not belong to a chain)."""
    for key, label, types in SECTIONS:
        expected = types is None or p.customer.type in types
        filled = _filled(p, key)
        if expected or filled:
            p.shown.append(key)
        if expected and key not in ("head_office", "stores"):
            p.completeness.append({"key": key, "label": label, "filled": filled})


def section_applies(customer: Customer, key: str) -> bool:
    return any(k == key and (types is None or customer.type in types) for k, _l, types in SECTIONS)


# --- per-section reads (the API's list routes) ---------------------------------------------

def _visible_customer(actor: User, customer_id: int) -> Customer:
    return customer_get(actor=actor, customer_id=customer_id)


def profile_get(*, actor: User, customer_id: int) -> Profile:
    return customer_profile(actor=actor, customer=_visible_customer(actor, customer_id))


def shipping_addresses(*, actor: User, customer_id: int, include_inactive: bool = False) -> list[ShippingAddress]:
    customer = _visible_customer(actor, customer_id)
    qs = ShippingAddress.objects.filter(customer=customer)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    rows = list(qs.order_by("-is_active", "-is_default", "-updated_at", "-id"))
    labels = region_labels([a.region_code for a in rows])
    for a in rows:
        a.region_label = labels.get(a.region_code, a.region_code)
    return rows


def default_shipping_address(*, actor: User, customer_id: int) -> ShippingAddress | None:
    """The customer's default address (what an order starts with), or None."""
    customer = _visible_customer(actor, customer_id)
    return ShippingAddress.objects.filter(customer=customer, is_default=True).first()


def invoice_profile(*, actor: User, customer_id: int) -> InvoiceProfile | None:
    customer = _visible_customer(actor, customer_id)
    return InvoiceProfile.objects.filter(customer=customer).first()


def wanted_regions(*, actor: User, customer_id: int) -> list[CustomerWantedRegion]:
    customer = _visible_customer(actor, customer_id)
    rows = list(CustomerWantedRegion.objects.filter(customer=customer).order_by("region_code", "id"))
    labels = region_labels([w.region_code for w in rows])
    for w in rows:
        w.region_label = labels.get(w.region_code, w.region_code)
    return rows


def product_fields(*, actor: User, customer_id: int) -> list[CustomerProductField]:
    customer = _visible_customer(actor, customer_id)
    rows = list(CustomerProductField.objects.filter(customer=customer).order_by("id"))
    areas = _area_labels()
    for f in rows:
        f.area_label = areas.get(f.area, f.area)
    return rows


def products_of_interest(*, actor: User, customer_id: int) -> list[CustomerProductInterest]:
    return product_interests(_visible_customer(actor, customer_id))


def key_accounts(*, actor: User, customer_id: int) -> list[KeyAccountRow]:
    return customer_profile(actor=actor, customer=_visible_customer(actor, customer_id)).key_accounts


def competitors(*, actor: User, customer_id: int) -> list[CustomerCompetitor]:
    customer = _visible_customer(actor, customer_id)
    return list(CustomerCompetitor.objects.filter(customer=customer).order_by("id"))


def profile_item(*, actor: User, customer_id: int, model, item_id: int):
    """One row of a profile section, of a customer ``actor`` sees (``NotFound`` otherwise)."""
    from pharmcrm.core.errors import NotFound

    customer = _visible_customer(actor, customer_id)
    row = model.objects.filter(customer=customer, pk=item_id).first()
    if row is None:
        raise NotFound(_("Not found."))
    return row


# --- customer look-up for the pickers (hospitals for key accounts, chains for stores) -------

def customer_lookup(*, actor: User, q: str = "", types: tuple[str, ...] = (), exclude_id: int | None = None,
                    limit: int = LOOKUP_MAX) -> QuerySet:
    """Visible customers matching ``q`` (name, pinyin, initials, credit code), of ``types``."""
    from pharmcrm.customers.selectors import CustomerFilters, customer_list

    qs = customer_list(actor=actor, filters=CustomerFilters(q=q[:100], sort="name"))
    if types:
        qs = qs.filter(type__in=types)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.select_related(None).only("pk", "name", "type", "address")[: max(1, min(limit, LOOKUP_MAX))]
