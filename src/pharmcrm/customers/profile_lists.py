"""The list sections of the 360° profile: wanted regions, product fields, products of interest,
key accounts, competitors (the only writers of those rows; see customers/profile_services.py,
which re-exports them, for the rules every writer follows)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.customers import profile_validators as pv
from pharmcrm.customers.models import Customer
from pharmcrm.customers.profile_base import (
    MAX_VOLUME,
    _check_room,
    _Cleaner,
    _customer_for_write,
    _label,
    _remove,
    _save_changes,
)
from pharmcrm.customers.profile_choices import HOSPITAL_TYPES
from pharmcrm.customers.profile_models import (
    CustomerCompetitor,
    CustomerKeyAccount,
    CustomerProductField,
    CustomerProductInterest,
    CustomerWantedRegion,
)
from pharmcrm.org import visibility
from pharmcrm.org.models import User

# --- wanted regions (意向代理区域) ---------------------------------------------------------

def _wanted(customer: Customer, region_id: int) -> CustomerWantedRegion:
    row = CustomerWantedRegion.objects.filter(pk=region_id, customer=customer).first()
    if row is None:
        raise NotFound(_("Region not found."))
    return row


def _region_label(code: str) -> str:
    return pv.region_labels([code]).get(code, code)


@transaction.atomic
def wanted_region_add(*, actor: User, customer_id: int, data: dict[str, Any]) -> CustomerWantedRegion:
    customer = _customer_for_write(actor, customer_id)
    c = _Cleaner(CustomerWantedRegion, data, known=("region_code", "note"))
    c.text("region_code", required=True, check=pv.validate_region_code)
    c.text("note")
    values = c.done()
    if CustomerWantedRegion.objects.filter(customer=customer, region_code=values["region_code"]).exists():
        msg = _("This region is already listed.")
        raise ApplicationError(msg, code="duplicate", fields={"region_code": [msg]})
    _check_room(CustomerWantedRegion.objects.filter(customer=customer), _("Wanted regions"))
    row = CustomerWantedRegion.objects.create(customer=customer, created_by=actor, **values)
    audit_record(actor=actor, action="profile_add", target=row, customer_id=customer.pk,
                 label=_label(_("Wanted region"), _region_label(row.region_code)),
                 changes={k: [None, v] for k, v in values.items() if v})
    return row


@transaction.atomic
def wanted_region_update(
    *, actor: User, customer_id: int, region_id: int, data: dict[str, Any]
) -> CustomerWantedRegion:
    customer = _customer_for_write(actor, customer_id)
    row = _wanted(customer, region_id)
    c = _Cleaner(CustomerWantedRegion, data, partial=True, known=("note",))
    c.text("note")
    return _save_changes(actor, customer, row, c.done(), _label(_("Wanted region"), _region_label(row.region_code)))


@transaction.atomic
def wanted_region_remove(*, actor: User, customer_id: int, region_id: int) -> None:
    customer = _customer_for_write(actor, customer_id)
    row = _wanted(customer, region_id)
    _remove(actor, customer, row, ["region_code", "note"],
            _label(_("Wanted region"), _region_label(row.region_code)))


# --- product fields (经营品类) -------------------------------------------------------------

def therapeutic_areas() -> list[tuple[str, str]]:
    from pharmcrm.catalog.models import TherapeuticArea

    return list(TherapeuticArea.choices)


def _area_label(area: str) -> str:
    return str(dict(therapeutic_areas()).get(area, area))


def _clean_volume(c: _Cleaner) -> None:
    if "annual_volume" not in c.data:
        return
    raw = c.data["annual_volume"]
    if raw in (None, ""):
        c.values["annual_volume"] = None
        return
    if isinstance(raw, bool | float):
        c.error("annual_volume", _("Enter an amount in yuan, e.g. 1200000."))
        return
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        c.error("annual_volume", _("Enter an amount in yuan, e.g. 1200000."))
        return
    if not value.is_finite() or value < 0 or value > MAX_VOLUME:
        c.error("annual_volume", _("Enter an amount between 0 and 999,999,999,999.99."))
        return
    c.values["annual_volume"] = value.quantize(Decimal("0.01"))


def _field(customer: Customer, field_id: int) -> CustomerProductField:
    row = CustomerProductField.objects.filter(pk=field_id, customer=customer).first()
    if row is None:
        raise NotFound(_("Product field not found."))
    return row


@transaction.atomic
def product_field_add(*, actor: User, customer_id: int, data: dict[str, Any]) -> CustomerProductField:
    customer = _customer_for_write(actor, customer_id)
    c = _Cleaner(CustomerProductField, data, known=("area", "annual_volume"))
    c.choice("area", [k for k, _label in therapeutic_areas()], required=True)
    _clean_volume(c)
    values = c.done()
    if CustomerProductField.objects.filter(customer=customer, area=values["area"]).exists():
        msg = _("This field is already listed.")
        raise ApplicationError(msg, code="duplicate", fields={"area": [msg]})
    row = CustomerProductField.objects.create(customer=customer, created_by=actor, **values)
    audit_record(actor=actor, action="profile_add", target=row, customer_id=customer.pk,
                 label=_label(_("Product field"), _area_label(row.area)),
                 changes={k: [None, v] for k, v in values.items() if v not in ("", None)})
    return row


@transaction.atomic
def product_field_update(
    *, actor: User, customer_id: int, field_id: int, data: dict[str, Any]
) -> CustomerProductField:
    customer = _customer_for_write(actor, customer_id)
    row = _field(customer, field_id)
    c = _Cleaner(CustomerProductField, data, partial=True, known=("annual_volume",))
    _clean_volume(c)
    return _save_changes(actor, customer, row, c.done(), _label(_("Product field"), _area_label(row.area)))


@transaction.atomic
def product_field_remove(*, actor: User, customer_id: int, field_id: int) -> None:
    customer = _customer_for_write(actor, customer_id)
    row = _field(customer, field_id)
    _remove(actor, customer, row, ["area", "annual_volume"], _label(_("Product field"), _area_label(row.area)))


# --- products of interest (意向产品) ---------------------------------------------------------

def _interest(customer: Customer, interest_id: int) -> CustomerProductInterest:
    row = CustomerProductInterest.objects.filter(pk=interest_id, customer=customer).select_related("product").first()
    if row is None:
        raise NotFound(_("Product of interest not found."))
    return row


@transaction.atomic
def product_interest_add(*, actor: User, customer_id: int, data: dict[str, Any]) -> CustomerProductInterest:
    from pharmcrm.catalog.models import Product, ProductStatus

    customer = _customer_for_write(actor, customer_id)
    data = dict(data or {})
    product_id = data.pop("product_id", None)
    c = _Cleaner(CustomerProductInterest, data, known=("note",))
    c.text("note")
    if isinstance(product_id, str) and product_id.strip().isdigit():
        product_id = int(product_id)
    product = None
    if isinstance(product_id, int) and not isinstance(product_id, bool) and 0 < product_id < 2**63:
        product = Product.objects.filter(pk=product_id, status=ProductStatus.ACTIVE).first()
    if product is None:
        c.error("product_id", _("Choose a product from the catalog."))
    values = c.done()
    if CustomerProductInterest.objects.filter(customer=customer, product=product).exists():
        msg = _("This product is already listed.")
        raise ApplicationError(msg, code="duplicate", fields={"product_id": [msg]})
    _check_room(CustomerProductInterest.objects.filter(customer=customer), _("Products of interest"))
    row = CustomerProductInterest.objects.create(customer=customer, product=product, created_by=actor, **values)
    audit_record(actor=actor, action="profile_add", target=row, customer_id=customer.pk,
                 label=_label(_("Product of interest"), str(product)),
                 changes={"product": [None, product], **({"note": [None, values["note"]]} if values.get("note") else {})})
    return row


@transaction.atomic
def product_interest_update(
    *, actor: User, customer_id: int, interest_id: int, data: dict[str, Any]
) -> CustomerProductInterest:
    customer = _customer_for_write(actor, customer_id)
    row = _interest(customer, interest_id)
    c = _Cleaner(CustomerProductInterest, data, partial=True, known=("note",))
    c.text("note")
    return _save_changes(actor, customer, row, c.done(), _label(_("Product of interest"), str(row.product)))


@transaction.atomic
def product_interest_remove(*, actor: User, customer_id: int, interest_id: int) -> None:
    customer = _customer_for_write(actor, customer_id)
    row = _interest(customer, interest_id)
    _remove(actor, customer, row, ["product", "note"], _label(_("Product of interest"), str(row.product)))


# --- key accounts (重点终端) ---------------------------------------------------------------

def _key_account(customer: Customer, key_account_id: int) -> CustomerKeyAccount:
    row = CustomerKeyAccount.objects.filter(pk=key_account_id, customer=customer).first()
    if row is None:
        raise NotFound(_("Key account not found."))
    return row


def _clean_strength(c: _Cleaner) -> None:
    if "strength" not in c.data:
        return
    value = c.data["strength"]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value not in CustomerKeyAccount.Strength.values:
        c.error("strength", _("Choose a strength from 1 to 3."))
        return
    c.values["strength"] = value


@transaction.atomic
def key_account_add(*, actor: User, customer_id: int, data: dict[str, Any]) -> CustomerKeyAccount:
    """Link a hospital or clinic the customer knows. The actor must SEE that hospital; a missing,
    invisible or non-hospital id gets the same answer, so nothing about hidden customers leaks."""
    customer = _customer_for_write(actor, customer_id)
    data = dict(data or {})
    hospital_id = data.pop("hospital_id", None)
    c = _Cleaner(CustomerKeyAccount, data, known=("note", "strength"))
    c.text("note")
    _clean_strength(c)
    if isinstance(hospital_id, str) and hospital_id.strip().isdigit():
        hospital_id = int(hospital_id)
    hospital = None
    if isinstance(hospital_id, int) and not isinstance(hospital_id, bool) and 0 < hospital_id < 2**63:
        hospital = (
            visibility.visible_customers(actor).filter(pk=hospital_id, type__in=HOSPITAL_TYPES).only("pk").first()
        )
    if hospital is None:
        c.error("hospital_id", _("Choose a hospital or clinic you can see."))
    elif hospital.pk == customer.pk:
        c.error("hospital_id", _("A customer cannot be its own key account."))
    values = c.done()
    if CustomerKeyAccount.objects.filter(customer=customer, hospital=hospital).exists():
        msg = _("This hospital is already linked.")
        raise ApplicationError(msg, code="duplicate", fields={"hospital_id": [msg]})
    _check_room(CustomerKeyAccount.objects.filter(customer=customer), _("Key accounts"))
    row = CustomerKeyAccount.objects.create(customer=customer, hospital=hospital, created_by=actor, **values)
    audit_record(actor=actor, action="profile_add", target=row, customer_id=customer.pk,
                 label=_label(_("Key account")),
                 changes={"hospital_id": [None, hospital.pk],
                          **{k: [None, v] for k, v in values.items() if v not in ("", None)}})
    return row


@transaction.atomic
def key_account_update(
    *, actor: User, customer_id: int, key_account_id: int, data: dict[str, Any]
) -> CustomerKeyAccount:
    customer = _customer_for_write(actor, customer_id)
    row = _key_account(customer, key_account_id)
    c = _Cleaner(CustomerKeyAccount, data, partial=True, known=("note", "strength"))
    c.text("note")
    _clean_strength(c)
    return _save_changes(actor, customer, row, c.done(), _label(_("Key account")))


@transaction.atomic
def key_account_remove(*, actor: User, customer_id: int, key_account_id: int) -> None:
    customer = _customer_for_write(actor, customer_id)
    row = _key_account(customer, key_account_id)
    _remove(actor, customer, row, ["hospital_id", "note", "strength"], _label(_("Key account")))


# --- competitors (竞品/竞争对手) -----------------------------------------------------------

COMPETITOR_FIELDS = ["name", "products", "notes"]


def _competitor(customer: Customer, competitor_id: int) -> CustomerCompetitor:
    row = CustomerCompetitor.objects.filter(pk=competitor_id, customer=customer).first()
    if row is None:
        raise NotFound(_("Competitor not found."))
    return row


def _clean_competitor(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    c = _Cleaner(CustomerCompetitor, data, partial=partial, known=COMPETITOR_FIELDS)
    c.text("name", required=True)
    c.text("products")
    c.text("notes")
    return c.done()


@transaction.atomic
def competitor_create(*, actor: User, customer_id: int, data: dict[str, Any]) -> CustomerCompetitor:
    customer = _customer_for_write(actor, customer_id)
    values = _clean_competitor(data, partial=False)
    _check_room(CustomerCompetitor.objects.filter(customer=customer), _("Competitors"))
    row = CustomerCompetitor.objects.create(customer=customer, created_by=actor, **values)
    audit_record(actor=actor, action="profile_add", target=row, customer_id=customer.pk,
                 label=_label(_("Competitor"), row.name), changes={k: [None, v] for k, v in values.items() if v})
    return row


@transaction.atomic
def competitor_update(
    *, actor: User, customer_id: int, competitor_id: int, data: dict[str, Any]
) -> CustomerCompetitor:
    customer = _customer_for_write(actor, customer_id)
    row = _competitor(customer, competitor_id)
    values = _clean_competitor(data, partial=True)
    return _save_changes(actor, customer, row, values, _label(_("Competitor"), values.get("name", row.name)))


@transaction.atomic
def competitor_remove(*, actor: User, customer_id: int, competitor_id: int) -> None:
    customer = _customer_for_write(actor, customer_id)
    row = _competitor(customer, competitor_id)
    _remove(actor, customer, row, COMPETITOR_FIELDS, _label(_("Competitor"), row.name))
