"""The only writers of contacts, their care dates and employments.

Rights (see also ``selectors.contact_permissions``):
* to start an employment at a customer, you must be able to write that customer;
* to end or change an employment, you must be able to write its customer;
* to change a contact's own fields, you must be able to write a customer where they work
  now (or, if they left everywhere, where they worked);
* to delete or restore a contact, you must be able to write every such customer.
Anything about a contact the actor cannot see is ``NotFound`` (404), like customers.

Every change is in the audit trail with ``customer_id`` of the customer it is about, so it
shows in that customer's history tab. The target is the contact for changes to the person,
the employment for changes to a job (so the customer's history tab labels each field from
the right model); the label is always the person's name.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.contacts import validation as v
from pharmcrm.contacts.models import BusinessRole, CareDate, Contact, Employment, Gender
from pharmcrm.contacts.selectors import (
    acting_customer_id,
    acting_employments,
    contact_get,
    writable_customer_ids,
)
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.pinyin import pinyin_full, search_key
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User

TEXT_FIELDS = ["name", "gender", "mobile", "phone", "wechat", "email", "care_notes", "notes"]
INT_FIELDS = ["birth_year", "birth_month", "birth_day"]
CONTACT_FIELDS = [*TEXT_FIELDS, *INT_FIELDS]
EMPLOYMENT_FIELDS = ["title", "role", "role_other", "start_date", "end_date", "is_primary"]
MAX_CARE_DATES = 20


def _audit_snapshot(contact: Contact) -> dict[str, Any]:
    """The contact's fields for the audit trail, the birthday as one value ("1975-03-08")."""
    values = snapshot(contact, TEXT_FIELDS)
    values["birthday"] = contact.birthday_text
    return values


def _invalid(fields: dict[str, list[str]]) -> ApplicationError:
    first = next(iter(fields.values()))[0]
    return ApplicationError(first, code="invalid", fields=fields)


def _unknown(data: dict[str, Any], allowed: list[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})


def _max_length(model, name: str, value: str) -> str | None:
    n = model._meta.get_field(name).max_length
    if n and len(value) > n:
        return _("At most %(n)d characters.") % {"n": n}
    return None


# --- contact fields ------------------------------------------------------------------------

def _gender_error(value: str) -> str | None:
    return None if value in ("", *Gender.values) else _("Choose male, female or leave it empty.")


def _apply_contact(contact: Contact, data: dict[str, Any]) -> None:
    """Normalise, check and set the contact's own fields (raises with every field's error)."""
    _unknown(data, CONTACT_FIELDS)
    fields: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if value is not None and not isinstance(value, str):
            fields[name] = [_("Enter text.")]
            continue
        value = (value or "").strip()
        if name == "mobile":
            value, check = v.normalise_mobile(value), v.mobile_error
        elif name == "phone":
            value, check = v.normalise_phone(value), v.phone_error
        elif name == "wechat":
            check = v.wechat_error
        elif name == "email":
            value, check = v.normalise_email(value), v.email_error
        elif name == "gender":
            check = _gender_error
        else:
            check = None
        msg = _max_length(Contact, name, value) or (check(value) if check else None)
        if msg:
            fields[name] = [msg]
        setattr(contact, name, value)
    for name in INT_FIELDS:
        if name in data:
            value = data[name]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                fields[name] = [_("Enter a whole number.")]
                continue
            setattr(contact, name, value)
    if not fields.get("name") and not contact.name:
        fields["name"] = [_("Enter the contact's name.")]
    if not any(f in fields for f in INT_FIELDS):
        fields.update(v.birthday_errors(contact.birth_year, contact.birth_month, contact.birth_day))
    if fields:
        raise _invalid(fields)
    contact.name_pinyin = (pinyin_full(contact.name) or [""])[0][:200]
    phone_digits = "".join(c for c in contact.phone if c.isdigit())
    contact.search_text = search_key(contact.name, contact.mobile, contact.phone, phone_digits, contact.wechat,
                                     contact.email)


def _clean_care_dates(rows: list[dict[str, Any]]) -> list[CareDate]:
    if len(rows) > MAX_CARE_DATES:
        msg = _("At most %(n)d care dates.") % {"n": MAX_CARE_DATES}
        raise ApplicationError(msg, code="invalid", fields={"care_dates": [msg]})
    out, fields = [], {}
    for i, row in enumerate(rows):
        _unknown(row, ["label", "month", "day", "year"])
        label = (row.get("label") or "").strip() if isinstance(row.get("label", ""), str) else None
        month, day, year = row.get("month"), row.get("day"), row.get("year")
        ints_ok = all(x is None or (isinstance(x, int) and not isinstance(x, bool)) for x in (month, day, year))
        if label is None or not ints_ok:
            fields[f"care_dates.{i}"] = [_("Enter an occasion and its month and day.")]
            continue
        if not label:
            fields[f"care_dates.{i}.label"] = [_("Say what the date is, e.g. wedding anniversary.")]
        elif len(label) > 50:
            fields[f"care_dates.{i}.label"] = [_("At most %(n)d characters.") % {"n": 50}]
        if year is not None and not v.MIN_YEAR <= year <= v.today().year:
            fields[f"care_dates.{i}.year"] = [_("The year must be between %(lo)d and %(hi)d.")
                                              % {"lo": v.MIN_YEAR, "hi": v.today().year}]
        msg = _("Enter the month and the day.") if month is None or day is None else v.month_day_error(
            month, day, year if f"care_dates.{i}.year" not in fields else None)
        if msg:
            fields[f"care_dates.{i}.day"] = [msg]
        out.append(CareDate(label=label, month=month, day=day, year=year))
    if fields:
        raise _invalid(fields)
    return out


def _care_text(dates) -> list[str]:
    return [f"{d.label} {d.text}" for d in dates]


# --- employment fields ---------------------------------------------------------------------

def _as_date(value, field: str, fields: dict) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    fields[field] = [_("Enter a date such as 2024-03-01.")]
    return None


def _apply_employment(emp: Employment, data: dict[str, Any]) -> None:
    _unknown(data, EMPLOYMENT_FIELDS)
    fields: dict[str, list[str]] = {}
    for name in ("title", "role_other"):
        if name in data:
            value = data[name]
            if value is not None and not isinstance(value, str):
                fields[name] = [_("Enter text.")]
                continue
            value = (value or "").strip()
            msg = _max_length(Employment, name, value)
            if msg:
                fields[name] = [msg]
            setattr(emp, name, value)
    if "role" in data:
        if data["role"] not in BusinessRole.values:
            fields["role"] = [_("Choose a business role.")]
        else:
            emp.role = data["role"]
    if "is_primary" in data:
        if not isinstance(data["is_primary"], bool):
            fields["is_primary"] = [_("Enter true or false.")]
        else:
            emp.is_primary = data["is_primary"]
    for name in ("start_date", "end_date"):
        if name in data:
            setattr(emp, name, _as_date(data[name], name, fields))
    today = v.today()
    if emp.role == BusinessRole.OTHER and not emp.role_other and "role" not in fields and "role_other" not in fields:
        fields["role_other"] = [_("With “Other”, say which role, e.g. 医保办主任.")]
    if emp.start_date and emp.start_date > today and "start_date" not in fields:
        fields["start_date"] = [_("The start date cannot be after today.")]
    if emp.end_date and emp.end_date > today and "end_date" not in fields:
        fields["end_date"] = [_("The end date cannot be after today.")]
    if emp.start_date and emp.end_date and emp.end_date < emp.start_date and not fields:
        fields["end_date"] = [_("The end date must be on or after the start date (%(start)s).")
                              % {"start": emp.start_date.isoformat()}]
    if fields:
        raise _invalid(fields)


def _period(e: Employment) -> str:
    start = e.start_date.isoformat() if e.start_date else _("start unknown")
    end = e.end_date.isoformat() if e.end_date else _("until now")
    return f"{start} – {end}"


def _check_overlap(emp: Employment) -> None:
    """No two employments of one person at one customer may overlap in time (an unknown
    start is open towards the past, a missing end towards the future)."""
    lo, hi = emp.start_date or datetime.date.min, emp.end_date or datetime.date.max
    others = Employment.objects.filter(contact_id=emp.contact_id, customer_id=emp.customer_id)
    if emp.pk:
        others = others.exclude(pk=emp.pk)
    for other in others.order_by("id"):
        if (other.start_date or datetime.date.min) <= hi and lo <= (other.end_date or datetime.date.max):
            msg = _("This contact already has an employment at this customer in that period (%(period)s).") % {
                "period": _period(other)}
            raise ApplicationError(msg, code="overlap", fields={"start_date": [msg]})


def _save_employment(emp: Employment) -> None:
    _check_overlap(emp)
    if emp.is_primary and emp.end_date is None:
        # one main contact per customer: the new one takes over
        Employment.objects.filter(customer_id=emp.customer_id, is_primary=True, end_date__isnull=True).exclude(
            pk=emp.pk).update(is_primary=False)
    emp.save()


def _employment_changes(emp: Employment, before: dict | None = None) -> dict[str, list]:
    after = snapshot(emp, ["title", "role", "role_other", "start_date", "end_date", "is_primary"])
    if before is None:
        return {k: [None, val] for k, val in after.items() if val not in ("", None, False)}
    return diff(before, after)


# --- loading with rights -------------------------------------------------------------------

def _customer_for_write(actor: User, customer_id: int, field: str = "customer_id") -> Customer:
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        msg = _("Choose a customer.")
        raise ApplicationError(msg, code="invalid", fields={field: [msg]})
    customer = visibility.writable_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        if not visibility.can_see(actor, customer_id):
            raise NotFound(_("Customer not found."))
        raise PermissionDenied(_("You may view this customer but not change it."))
    return customer


def _lock_contact(contact_id: int) -> Contact:
    contact = Contact.objects.select_for_update(of=("self",)).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("Contact not found."))
    return contact


def _contact_for_edit(actor: User, contact_id: int) -> tuple[Contact, int]:
    contact_get(actor=actor, contact_id=contact_id)  # invisible or deleted: 404
    customer_id = acting_customer_id(actor, contact_id)
    if customer_id is None:
        raise PermissionDenied(_("You can change a contact only through a customer you may change where they work."))
    return _lock_contact(contact_id), customer_id


def _employment_for_write(actor: User, contact_id: int, employment_id: int) -> tuple[Contact, Employment]:
    contact = contact_get(actor=actor, contact_id=contact_id)
    emp = (Employment.objects.select_for_update(of=("self",)).select_related("customer")
           .filter(pk=employment_id, contact_id=contact.pk, customer__deleted_at__isnull=True).first())
    if emp is None or not visibility.can_write(actor, emp.customer_id):
        if emp is None or not visibility.can_see(actor, emp.customer_id):
            raise NotFound(_("Employment not found."))
        raise PermissionDenied(_("You may view this customer but not change it."))
    return contact, emp


def _touch(contact: Contact) -> None:
    Contact.objects.filter(pk=contact.pk).update(updated_at=timezone.now())


# --- contacts ------------------------------------------------------------------------------

@transaction.atomic
def contact_create(
    *, actor: User, customer_id: int, data: dict[str, Any], employment: dict[str, Any] | None = None,
    care_dates: list[dict[str, Any]] | None = None,
) -> Contact:
    """A new person with their first employment, at a customer ``actor`` may write."""
    customer = _customer_for_write(actor, customer_id)
    contact = Contact(created_by=actor)
    emp = Employment(customer=customer, created_by=actor)
    errors: dict[str, list[str]] = {}
    for apply, target, payload in ((_apply_contact, contact, data), (_apply_employment, emp, employment or {})):
        try:
            apply(target, payload)
        except ApplicationError as exc:
            if exc.code != "invalid":
                raise
            errors.update(exc.fields)
    dates = []
    try:
        dates = _clean_care_dates(care_dates or [])
    except ApplicationError as exc:
        if exc.code != "invalid":
            raise
        errors.update(exc.fields)
    if errors:
        raise _invalid(errors)
    contact.save()
    emp.contact = contact
    _save_employment(emp)
    for d in dates:
        d.contact = contact
    CareDate.objects.bulk_create(dates)
    changes = {k: [None, val] for k, val in _audit_snapshot(contact).items() if val not in ("", None)}
    if dates:
        changes["care_dates"] = [None, _care_text(dates)]
    audit_record(actor=actor, action="contact_create", target=contact, customer_id=customer.pk, changes=changes)
    audit_record(actor=actor, action="employment_start", target=emp, customer_id=customer.pk, label=contact.name,
                 changes={"customer": [None, customer.name], **_employment_changes(emp)})
    return contact


@transaction.atomic
def contact_update(
    *, actor: User, contact_id: int, data: dict[str, Any], care_dates: list[dict[str, Any]] | None = None,
) -> Contact:
    """Change the person's own fields; ``care_dates`` (if given) replaces their care dates."""
    contact, customer_id = _contact_for_edit(actor, contact_id)
    before = _audit_snapshot(contact)
    _apply_contact(contact, data)
    changes = diff(before, _audit_snapshot(contact))
    if care_dates is not None:
        old = list(contact.care_dates.all())
        new = _clean_care_dates(care_dates)
        if _care_text(old) != _care_text(new):
            contact.care_dates.all().delete()
            for d in new:
                d.contact = contact
            CareDate.objects.bulk_create(new)
            changes["care_dates"] = [_care_text(old), _care_text(new)]
    if changes:
        contact.save()
        audit_record(actor=actor, action="contact_update", target=contact, customer_id=customer_id, changes=changes)
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact_id: int) -> Contact:
    """Soft delete: the person goes to the contacts' recycle bin; nothing is removed."""
    contact = contact_get(actor=actor, contact_id=contact_id)
    acting = list(acting_employments(contact.pk).values_list("customer_id", flat=True))
    if not acting or not set(acting) <= writable_customer_ids(actor, acting):
        raise PermissionDenied(_("This contact also works at a customer you may not change; end their "
                                 "employment at your customer instead of deleting them."))
    contact = _lock_contact(contact.pk)
    contact.deleted_at = timezone.now()
    contact.deleted_by = actor
    contact.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    for cid in dict.fromkeys(acting):
        audit_record(actor=actor, action="contact_delete", target=contact, customer_id=cid)
    return contact


@transaction.atomic
def contact_restore(*, actor: User, contact_id: int) -> Contact:
    from pharmcrm.contacts.selectors import visible_contacts

    if not visible_contacts(actor, include_deleted=True).filter(pk=contact_id, deleted_at__isnull=False).exists():
        raise NotFound(_("Contact not found."))
    acting = list(acting_employments(contact_id).values_list("customer_id", flat=True))
    if not acting or not set(acting) <= writable_customer_ids(actor, acting):
        raise PermissionDenied(_("Only someone who may change every customer this contact works at may restore it."))
    contact = _lock_contact(contact_id)
    contact.deleted_at = None
    contact.deleted_by = None
    contact.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    for cid in dict.fromkeys(acting):
        audit_record(actor=actor, action="contact_restore", target=contact, customer_id=cid)
    return contact


# --- employments ---------------------------------------------------------------------------

@transaction.atomic
def employment_add(*, actor: User, contact_id: int, customer_id: int, data: dict[str, Any]) -> Employment:
    """The contact (also) works at ``customer_id`` — a current or a past employment."""
    contact = contact_get(actor=actor, contact_id=contact_id)
    customer = _customer_for_write(actor, customer_id)
    emp = Employment(contact=contact, customer=customer, created_by=actor)
    _apply_employment(emp, data)
    _save_employment(emp)
    _touch(contact)
    audit_record(actor=actor, action="employment_start", target=emp, customer_id=customer.pk, label=contact.name,
                 changes={"customer": [None, customer.name], **_employment_changes(emp)})
    return emp


@transaction.atomic
def employment_update(*, actor: User, contact_id: int, employment_id: int, data: dict[str, Any]) -> Employment:
    """Correct an employment (title, role, dates, main contact)."""
    contact, emp = _employment_for_write(actor, contact_id, employment_id)
    before = snapshot(emp, ["title", "role", "role_other", "start_date", "end_date", "is_primary"])
    _apply_employment(emp, data)
    changes = _employment_changes(emp, before)
    if changes:
        _save_employment(emp)
        _touch(contact)
        audit_record(actor=actor, action="employment_update", target=emp, customer_id=emp.customer_id,
                     label=contact.name,
                     changes=changes)
    return emp


@transaction.atomic
def employment_end(*, actor: User, contact_id: int, employment_id: int,
                   end_date: datetime.date | None = None) -> Employment:
    """The contact left this customer on ``end_date`` (default today): a former contact now."""
    contact, emp = _employment_for_write(actor, contact_id, employment_id)
    _end(emp, end_date)
    _touch(contact)
    audit_record(actor=actor, action="employment_end", target=emp, customer_id=emp.customer_id, label=contact.name,
                 changes={"end_date": [None, emp.end_date]})
    return emp


def _end(emp: Employment, end_date: datetime.date | None) -> None:
    if emp.end_date is not None:
        msg = _("This employment has already ended (on %(d)s).") % {"d": emp.end_date.isoformat()}
        raise ApplicationError(msg, code="already_ended", fields={"end_date": [msg]})
    _apply_employment(emp, {"end_date": end_date or v.today()})
    # conditional: a double click cannot end it twice
    if not Employment.objects.filter(pk=emp.pk, end_date__isnull=True).update(end_date=emp.end_date,
                                                                              updated_at=timezone.now()):
        raise ApplicationError(_("This employment has already ended."), code="already_ended")


@transaction.atomic
def contact_move(
    *, actor: User, contact_id: int, from_employment_id: int, to_customer_id: int,
    date: datetime.date | None = None, data: dict[str, Any] | None = None,
) -> Employment:
    """"Moves to another company": end the employment ``from_employment_id`` on ``date``
    (default today) and start one at ``to_customer_id`` on the same day, in one action.
    ``data``: the new title, role, role_other, is_primary. The old customer keeps them as a
    former contact; the history of both customers records the move (neither names the other,
    which its readers may not be allowed to see)."""
    data = dict(data or {})
    _unknown(data, ["title", "role", "role_other", "is_primary"])
    contact, old = _employment_for_write(actor, contact_id, from_employment_id)
    if old.end_date is not None:
        msg = _("This employment has already ended (on %(d)s).") % {"d": old.end_date.isoformat()}
        raise ApplicationError(msg, code="already_ended", fields={"from_employment_id": [msg]})
    if to_customer_id == old.customer_id:
        msg = _("The new company is the one they work at now. To change the title or role, edit the employment.")
        raise ApplicationError(msg, code="same_customer", fields={"to_customer_id": [msg]})
    new_customer = _customer_for_write(actor, to_customer_id, "to_customer_id")
    day = date or v.today()
    new = Employment(contact=contact, customer=new_customer, created_by=actor, start_date=day)
    if "role" not in data:  # the same kind of job unless told otherwise
        new.role, new.role_other = old.role, old.role_other
    errors: dict[str, list[str]] = {}
    try:
        _apply_employment(new, data)
    except ApplicationError as exc:
        errors.update(exc.fields)
    if day > v.today():
        errors["date"] = [_("The date of the move cannot be after today.")]
    elif old.start_date and day < old.start_date:
        errors["date"] = [_("The date of the move cannot be before they started at %(customer)s (%(d)s).")
                          % {"customer": old.customer.name, "d": old.start_date.isoformat()}]
    if errors:
        errors = {("date" if k in ("start_date", "end_date") else k): msgs for k, msgs in errors.items()}
        raise _invalid(errors)
    _end(old, day)
    _save_employment(new)
    _touch(contact)
    audit_record(actor=actor, action="contact_move_out", target=old, customer_id=old.customer_id, label=contact.name,
                 changes={"end_date": [None, day]})
    audit_record(actor=actor, action="contact_move_in", target=new, customer_id=new_customer.pk, label=contact.name,
                 changes={"customer": [None, new_customer.name], **_employment_changes(new)})
    return new

