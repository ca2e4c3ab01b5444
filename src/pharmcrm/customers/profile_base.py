"""Shared helpers of the 360° profile's services (customers/profile_services.py and
customers/profile_lists.py): the write check, the input cleaner, the audited save and removal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers.models import Customer
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
