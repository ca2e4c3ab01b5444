"""The only writers of the customer's 360° profile (customers/profile_models.py and the
hospital/chain fields of ``Customer``).

Every function: keyword-only, ``@transaction.atomic``, the actor must be able to WRITE the
customer (invisible: ``NotFound``; visible but read-only: ``PermissionDenied``), input is
validated into ``ApplicationError(fields=...)``, and every change is audited on the
customer's history (``audit_record(customer_id=...)``).

Key accounts and the head office point at OTHER customers that a later reader may not see:
their audit entries carry the other customer's id only, never its name.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers import profile_validators as pv
from pharmcrm.customers.models import Customer
from pharmcrm.customers.profile_choices import (
    CHAIN_TYPE,
    HOSPITAL_TYPES,
    STORE_TYPES,
    HospitalGrade,
    HospitalOwnership,
)
from pharmcrm.customers.profile_models import (
    CustomerCompetitor,
    CustomerKeyAccount,
    CustomerProductField,
    CustomerProductInterest,
    CustomerWantedRegion,
    InvoiceProfile,
    InvoiceType,
    ShippingAddress,
)
from pharmcrm.org import visibility
from pharmcrm.org.models import User

MAX_BEDS = 100_000
MAX_VOLUME = Decimal("999999999999.99")
MAX_ROWS = 200  # per section and customer: a profile is a summary, not a database


# --- shared helpers ------------------------------------------------------------------------

def _customer_for_write(actor: User, customer_id: int) -> Customer:
    if not visibility.can_see(actor, customer_id):
        raise NotFound(_("Customer not found."))
    if not visibility.can_write(actor, customer_id):
        raise PermissionDenied(_("You may view this customer but not change it."))
    # the row lock serialises concurrent profile changes of one customer (default address)
    customer = (
        Customer.objects.select_for_update(of=("self",)).filter(pk=customer_id, deleted_at__isnull=True).first()
    )
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, code="invalid", fields=errors)


class _Cleaner:
    """Collects field errors while reading a dict of user input against a model's fields."""

    def __init__(self, model: type[Model], data: dict[str, Any], *, known: tuple[str, ...] | list[str],
                 partial: bool = False):
        self.model = model
        self.data = data or {}
        self.known = tuple(known)
        self.partial = partial
        self.errors: dict[str, list[str]] = {}
        self.values: dict[str, Any] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def text(self, name: str, *, required: bool = False, check=None) -> None:
        if name not in self.data:
            if required and not self.partial:
                self.error(name, _("This field is required."))
            return
        value = self.data[name]
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(name, _("Enter text."))
            return
        value = value.strip()
        if "\x00" in value:
            self.error(name, _("Enter text."))
            return
        if required and not value:
            self.error(name, _("This field is required."))
            return
        max_length = self.model._meta.get_field(name).max_length
        if max_length and len(value) > max_length:
            self.error(name, _("At most %(n)d characters.") % {"n": max_length})
            return
        if value and check is not None:
            try:
                value = check(value)
            except ValidationError as exc:
                self.error(name, exc.messages[0])
                return
        self.values[name] = value

    def choice(self, name: str, choices, *, required: bool = False) -> None:
        if name not in self.data:
            if required and not self.partial:
                self.error(name, _("This field is required."))
            return
        value = self.data[name]
        value = "" if value is None else value
        if value == "" and not required:
            self.values[name] = ""
        elif value not in choices:
            self.error(name, _("Choose one of the listed options."))
        else:
            self.values[name] = value

    def done(self) -> dict[str, Any]:
        unknown = set(self.data) - set(self.known)
        for name in sorted(unknown):
            self.error(name, _("Unknown field."))
        _raise(self.errors)
        return self.values


def _apply(obj: Model, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def _check_room(qs, what: str) -> None:
    if qs.count() >= MAX_ROWS:
        raise ApplicationError(
            _("At most %(n)d entries per customer in “%(what)s”.") % {"n": MAX_ROWS, "what": what}, code="too_many"
        )


def _label(section: str, item: str = "") -> str:
    return f"{section}：{item}" if item else section


# --- invoicing data (开票资料) ------------------------------------------------------------

INVOICE_FIELDS = ["title", "taxpayer_id", "address", "phone", "bank", "account", "invoice_type"]


def _clean_invoice(data: dict[str, Any]) -> dict[str, Any]:
    c = _Cleaner(InvoiceProfile, data, known=INVOICE_FIELDS)
    c.text("title", required=True)
    c.text("taxpayer_id", required=True, check=pv.validate_taxpayer_id)
    c.text("address")
    c.text("phone", check=pv.validate_phone)
    c.text("bank")
    c.text("account", check=pv.validate_bank_account)
    c.choice("invoice_type", InvoiceType.values)
    values = c.done()
    if values.get("account") and not values.get("bank"):
        _raise({"bank": [_("Enter the bank that holds the account.")]})
    return values


@transaction.atomic
def invoice_profile_save(*, actor: User, customer_id: int, data: dict[str, Any]) -> InvoiceProfile:
    """Create or replace the customer's invoicing data (all fields; omitted optional ones are cleared)."""
    customer = _customer_for_write(actor, customer_id)
    values = {name: "" for name in INVOICE_FIELDS}
    values.update(_clean_invoice(data))
    profile = InvoiceProfile.objects.filter(customer=customer).first()
    if profile is None:
        profile = InvoiceProfile(customer=customer, created_by=actor, **values)
        profile.save()
        audit_record(actor=actor, action="profile_add", target=profile, customer_id=customer.pk,
                     label=_label(_("Invoicing data"), profile.title),
                     changes={k: [None, v] for k, v in values.items() if v})
        return profile
    before = snapshot(profile, INVOICE_FIELDS)
    _apply(profile, values)
    changes = diff(before, snapshot(profile, INVOICE_FIELDS))
    if changes:
        profile.save()
        audit_record(actor=actor, action="profile_update", target=profile, customer_id=customer.pk,
                     label=_label(_("Invoicing data"), profile.title), changes=changes)
    return profile


# --- shipping addresses (发货资料) ---------------------------------------------------------

ADDRESS_FIELDS = ["receiver", "phone", "region_code", "address", "notes"]


def _clean_address(data: dict[str, Any], *, partial: bool) -> tuple[dict[str, Any], bool | None]:
    data = dict(data or {})
    make_default = data.pop("is_default", None)
    c = _Cleaner(ShippingAddress, data, partial=partial, known=ADDRESS_FIELDS)
    c.text("receiver", required=True)
    c.text("phone", required=True, check=pv.validate_phone)
    c.text("region_code", required=True, check=pv.validate_region_code)
    c.text("address", required=True)
    c.text("notes")
    if make_default is not None and not isinstance(make_default, bool):
        c.error("is_default", _("Enter true or false."))
    return c.done(), make_default


def _address(customer: Customer, address_id: int) -> ShippingAddress:
    address = ShippingAddress.objects.filter(pk=address_id, customer=customer).first()
    if address is None:
        raise NotFound(_("Shipping address not found."))
    return address


def _make_default(customer: Customer, address: ShippingAddress) -> None:
    """The one switch of the default: clear the old one first (the partial unique index allows
    one default per customer at any moment), then set the new one. Callers hold the customer lock."""
    ShippingAddress.objects.filter(customer=customer, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default", "updated_at"])


def _promote_successor(customer: Customer) -> ShippingAddress | None:
    """After the default went away: the most recently changed active address becomes the default."""
    if ShippingAddress.objects.filter(customer=customer, is_default=True).exists():
        return None
    successor = (
        ShippingAddress.objects.filter(customer=customer, is_active=True).order_by("-updated_at", "-id").first()
    )
    if successor is not None:
        _make_default(customer, successor)
    return successor


def _address_label(a: ShippingAddress) -> str:
    return _label(_("Shipping address"), f"{a.receiver} {a.address}")


@transaction.atomic
def shipping_address_create(*, actor: User, customer_id: int, data: dict[str, Any]) -> ShippingAddress:
    """A new active address. It becomes the default when asked to, or when it is the only one."""
    customer = _customer_for_write(actor, customer_id)
    values, make_default = _clean_address(data, partial=False)
    _check_room(ShippingAddress.objects.filter(customer=customer), _("Shipping addresses"))
    address = ShippingAddress.objects.create(customer=customer, created_by=actor, **values)
    has_default = ShippingAddress.objects.filter(customer=customer, is_default=True).exists()
    if make_default or not has_default:
        _make_default(customer, address)
    audit_record(actor=actor, action="profile_add", target=address, customer_id=customer.pk,
                 label=_address_label(address),
                 changes={**{k: [None, v] for k, v in values.items() if v},
                          **({"is_default": [None, True]} if address.is_default else {})})
    return address


@transaction.atomic
def shipping_address_update(
    *, actor: User, customer_id: int, address_id: int, data: dict[str, Any]
) -> ShippingAddress:
    """Change the given fields; ``is_default: true`` also makes it the default."""
    customer = _customer_for_write(actor, customer_id)
    address = _address(customer, address_id)
    values, make_default = _clean_address(data, partial=True)
    if make_default is False and address.is_default:
        msg = _("An address stays the default until you make another one the default.")
        raise ApplicationError(msg, code="default_required", fields={"is_default": [msg]})
    if make_default and not address.is_active:
        msg = _("Reactivate the address before making it the default.")
        raise ApplicationError(msg, code="inactive", fields={"is_default": [msg]})
    before = snapshot(address, [*ADDRESS_FIELDS, "is_default"])
    _apply(address, values)
    address.save()
    if make_default:
        _make_default(customer, address)
    changes = diff(before, snapshot(address, [*ADDRESS_FIELDS, "is_default"]))
    if changes:
        audit_record(actor=actor, action="profile_update", target=address, customer_id=customer.pk,
                     label=_address_label(address), changes=changes)
    return address


@transaction.atomic
def shipping_address_set_default(*, actor: User, customer_id: int, address_id: int) -> ShippingAddress:
    customer = _customer_for_write(actor, customer_id)
    address = _address(customer, address_id)
    if not address.is_active:
        msg = _("Reactivate the address before making it the default.")
        raise ApplicationError(msg, code="inactive", fields={"is_default": [msg]})
    if not address.is_default:
        _make_default(customer, address)
        audit_record(actor=actor, action="address_default", target=address, customer_id=customer.pk,
                     label=_address_label(address), changes={"is_default": [False, True]})
    return address


@transaction.atomic
def shipping_address_deactivate(*, actor: User, customer_id: int, address_id: int) -> ShippingAddress:
    """Addresses are never deleted (orders refer to them): they are deactivated. If it was the
    default, the most recently changed active address becomes the default."""
    customer = _customer_for_write(actor, customer_id)
    address = _address(customer, address_id)
    if not address.is_active:
        return address
    was_default = address.is_default
    address.is_active = False
    address.is_default = False
    address.save(update_fields=["is_active", "is_default", "updated_at"])
    changes: dict[str, list] = {"is_active": [True, False]}
    if was_default:
        successor = _promote_successor(customer)
        changes["is_default"] = [True, False]
        if successor is not None:
            audit_record(actor=actor, action="address_default", target=successor, customer_id=customer.pk,
                         label=_address_label(successor), changes={"is_default": [False, True]})
    audit_record(actor=actor, action="address_deactivate", target=address, customer_id=customer.pk,
                 label=_address_label(address), changes=changes)
    return address


@transaction.atomic
def shipping_address_reactivate(*, actor: User, customer_id: int, address_id: int) -> ShippingAddress:
    customer = _customer_for_write(actor, customer_id)
    address = _address(customer, address_id)
    if address.is_active:
        return address
    address.is_active = True
    address.save(update_fields=["is_active", "updated_at"])
    changes: dict[str, list] = {"is_active": [False, True]}
    if not ShippingAddress.objects.filter(customer=customer, is_default=True).exists():
        _make_default(customer, address)
        changes["is_default"] = [False, True]
    audit_record(actor=actor, action="address_reactivate", target=address, customer_id=customer.pk,
                 label=_address_label(address), changes=changes)
    return address


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


def _save_changes(actor: User, customer: Customer, row: Model, values: dict[str, Any], label: str):
    before = snapshot(row, list(values))
    _apply(row, values)
    changes = diff(before, snapshot(row, list(values)))
    if changes:
        row.save()
        audit_record(actor=actor, action="profile_update", target=row, customer_id=customer.pk, label=label,
                     changes=changes)
    return row


def _remove(actor: User, customer: Customer, row: Model, fields: list[str], label: str) -> None:
    """Entries of a list section are removed; the history keeps every value they had."""
    audit_record(actor=actor, action="profile_remove", target=row, customer_id=customer.pk, label=label,
                 changes={k: [v, None] for k, v in snapshot(row, fields).items() if v not in ("", None)})
    row.delete()


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


# --- chains: a store's head office ---------------------------------------------------------

@transaction.atomic
def customer_set_head_office(*, actor: User, customer_id: int, chain_id: int | None) -> Customer:
    """Point a store (a single pharmacy) at the chain it belongs to, or (None) detach it.

    The chain must be a pharmacy chain the actor can see. The audit entry names the chain by
    id only: a later reader of the store may not see the chain."""
    customer = _customer_for_write(actor, customer_id)
    if chain_id is not None:
        if customer.type not in STORE_TYPES:
            msg = _("Only a single pharmacy (a store) can belong to a chain.")
            raise ApplicationError(msg, code="not_a_store", fields={"chain_id": [msg]})
        chain = None
        if isinstance(chain_id, int) and not isinstance(chain_id, bool) and 0 < chain_id < 2**63:
            chain = visibility.visible_customers(actor).filter(pk=chain_id, type=CHAIN_TYPE).only("pk").first()
        if chain is None:
            msg = _("Choose a pharmacy chain you can see.")
            raise ApplicationError(msg, code="invalid_chain", fields={"chain_id": [msg]})
        if chain.pk == customer.pk:
            msg = _("A customer cannot be its own head office.")
            raise ApplicationError(msg, code="invalid_chain", fields={"chain_id": [msg]})
    old = customer.parent_chain_id
    if old != chain_id:
        customer.parent_chain_id = chain_id
        customer.save(update_fields=["parent_chain", "updated_at"])
        audit_record(actor=actor, action="update", target=customer, customer_id=customer.pk,
                     changes={"parent_chain_id": [old, chain_id]})
    return customer


# --- hospital fields of Customer (used by customers.services.customer_create/update) --------

HOSPITAL_FIELDS = ["hospital_grade", "beds", "ownership"]


def hospital_fields_split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the other fields, the hospital fields) of a create/update payload."""
    rest = dict(data)
    return rest, {name: rest.pop(name) for name in HOSPITAL_FIELDS if name in rest}


def hospital_fields_apply(customer: Customer, values: dict[str, Any]) -> None:
    """Set the hospital fields on ``customer`` (not saved), after its type is set.

    Rule: they belong to hospitals and clinics only. A non-empty value for another type is
    refused (400); when a customer stops being a hospital or clinic they are cleared, and a
    customer that stops being a store leaves its chain."""
    errors: dict[str, list[str]] = {}
    applies = customer.type in HOSPITAL_TYPES
    for name, value in values.items():
        if name == "beds":
            if isinstance(value, str):
                value = value.strip()
                value = int(value) if value.isdigit() else (None if value == "" else value)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 1 <= value <= MAX_BEDS):
                errors.setdefault(name, []).append(_("Enter the number of beds (1 to 100,000)."))
                continue
        else:
            choices = HospitalGrade.values if name == "hospital_grade" else HospitalOwnership.values
            value = "" if value is None else value
            if value != "" and value not in choices:
                errors.setdefault(name, []).append(_("Choose one of the listed options."))
                continue
        if value not in ("", None) and not applies:
            errors.setdefault(name, []).append(_("Only hospitals and clinics have this field."))
            continue
        setattr(customer, name, value)
    _raise(errors)
    if not applies:
        customer.hospital_grade, customer.beds, customer.ownership = "", None, ""
    if customer.type not in STORE_TYPES:
        customer.parent_chain_id = None
