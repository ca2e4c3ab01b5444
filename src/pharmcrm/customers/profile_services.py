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

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.customers import profile_validators as pv
from pharmcrm.customers.models import Customer
from pharmcrm.customers.profile_base import (  # noqa: F401  MAX_* re-exported
    MAX_BEDS,
    MAX_ROWS,
    MAX_VOLUME,
    _apply,
    _check_room,
    _Cleaner,
    _customer_for_write,
    _label,
    _raise,
)
from pharmcrm.customers.profile_choices import (
    CHAIN_TYPE,
    HOSPITAL_TYPES,
    STORE_TYPES,
    HospitalGrade,
    HospitalOwnership,
)
from pharmcrm.customers.profile_lists import (  # noqa: F401  the list sections, one import for callers
    COMPETITOR_FIELDS,
    competitor_create,
    competitor_remove,
    competitor_update,
    key_account_add,
    key_account_remove,
    key_account_update,
    product_field_add,
    product_field_remove,
    product_field_update,
    product_interest_add,
    product_interest_remove,
    product_interest_update,
    therapeutic_areas,
    wanted_region_add,
    wanted_region_remove,
    wanted_region_update,
)
from pharmcrm.customers.profile_models import InvoiceProfile, InvoiceType, ShippingAddress
from pharmcrm.org import visibility
from pharmcrm.org.models import User

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
