"""The only writers of qualification documents, their files and the customer-level flag.

Rights: documents follow their customer. Adding, replacing (renewing) and voiding need write
access to the customer (owner, heads above, read-write shares, administrators); anyone who
sees the customer sees its documents. An invisible customer or document is ``NotFound``.
Nothing is hard-deleted: a renewal supersedes the old document, a mistake is voided with a
reason. Documents are not edited after filing (the file is an archive); a wrong entry is
voided and uploaded again.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.validators import normalise_credit_code, validate_credit_code
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.qualifications import rules, uploads
from pharmcrm.qualifications.models import (
    CustomerQualificationState,
    DocumentState,
    QualificationDocument,
    QualificationFile,
    QualificationType,
)
from pharmcrm.qualifications.validators import normalise_id_number, validate_id_number

T = QualificationType
TEXT_FIELDS = ["title", "number", "issuing_authority", "scope", "agent_name", "agent_id_number",
               "agent_products", "agent_territory", "notes"]
DATE_FIELDS = ["valid_from", "valid_to"]
FIELDS = ["type", *TEXT_FIELDS, *DATE_FIELDS, "no_expiry"]
AGENT_FIELDS = ["agent_name", "agent_id_number", "agent_products", "agent_territory"]
NUMBER_REQUIRED = {T.BUSINESS_LICENCE, T.DRUG_LICENCE, T.PRACTICE_LICENCE}
EXPIRY_REQUIRED = {T.PURCHASE_AUTHORISATION}  # an authorisation is always for a period
MIN_DATE, MAX_DATE = datetime.date(1950, 1, 1), datetime.date(2199, 12, 31)


# --- access ---------------------------------------------------------------------------------

def _customer_for_write(actor: User, customer_id: int, *, missing: str | None = None) -> Customer:
    """The customer, locked, if ``actor`` may change it; NotFound if invisible, PermissionDenied if
    only visible. (Writable implies visible: the happy path costs one visibility query.)"""
    if not visibility.can_write(actor, customer_id):
        if not visibility.can_see(actor, customer_id):
            raise NotFound(missing or _("Customer not found."))
        raise PermissionDenied(_("You may view this customer but not change its qualification documents."))
    customer = Customer.objects.select_for_update(of=("self",)).filter(pk=customer_id,
                                                                       deleted_at__isnull=True).first()
    if customer is None:
        raise NotFound(missing or _("Customer not found."))
    return customer


def _document_for_write(actor: User, document_id: int) -> tuple[QualificationDocument, Customer]:
    missing = _("Qualification document not found.")
    customer_id = QualificationDocument.objects.filter(pk=document_id).values_list("customer_id", flat=True).first()
    if customer_id is None:
        raise NotFound(missing)
    customer = _customer_for_write(actor, customer_id, missing=missing)
    doc = QualificationDocument.objects.select_for_update().get(pk=document_id)
    return doc, customer


# --- validation -----------------------------------------------------------------------------

def _date(value: Any, field: str, errors: dict[str, list[str]]) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            errors.setdefault(field, []).append(_("Enter a date as YYYY-MM-DD."))
            return None
    if not isinstance(value, datetime.date):
        errors.setdefault(field, []).append(_("Enter a date as YYYY-MM-DD."))
        return None
    if not MIN_DATE <= value <= MAX_DATE:
        errors.setdefault(field, []).append(_("Enter a date between 1950 and 2199."))
        return None
    return value


def _clean(data: dict[str, Any], *, doc_type: str | None = None) -> dict[str, Any]:
    """Validated values for a new document; every problem at once, in the user's language."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    kind = doc_type or (data.get("type") or "")
    if kind not in T.values:
        errors["type"] = [_("Choose the document type.")]
    out["type"] = kind
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            errors.setdefault(name, []).append(_("Enter text."))
            value = ""
        value = (value or "").strip()
        limit = QualificationDocument._meta.get_field(name).max_length
        if limit and len(value) > limit:
            errors.setdefault(name, []).append(_("At most %(n)d characters.") % {"n": limit})
        if "\x00" in value:
            errors.setdefault(name, []).append(_("Enter text."))
        out[name] = value
    for name in DATE_FIELDS:
        out[name] = _date(data.get(name), name, errors)
    out["no_expiry"] = bool(data.get("no_expiry"))
    if kind == T.OTHER and not out["title"]:
        errors.setdefault("title", []).append(_("Say what the document is, e.g. 第二类医疗器械经营备案凭证."))
    if kind != T.OTHER:
        out["title"] = ""
    if kind in NUMBER_REQUIRED and not out["number"]:
        errors.setdefault("number", []).append(_("Enter the number printed on the document."))
    if kind == T.BUSINESS_LICENCE and out["number"]:
        out["number"] = normalise_credit_code(out["number"])
        try:
            validate_credit_code(out["number"])
        except ValidationError as exc:
            errors.setdefault("number", []).extend(
                [_("The number of a business licence is its unified social credit code.") + " " + m
                 for m in exc.messages])
    if kind == T.PURCHASE_AUTHORISATION:
        if not out["agent_name"]:
            errors.setdefault("agent_name", []).append(_("Enter the name of the authorised person."))
        out["agent_id_number"] = normalise_id_number(out["agent_id_number"])
        if not out["agent_id_number"]:
            errors.setdefault("agent_id_number", []).append(_("Enter the ID card number of the authorised person."))
        else:
            try:
                validate_id_number(out["agent_id_number"])
            except ValidationError as exc:
                errors.setdefault("agent_id_number", []).extend(exc.messages)
    elif kind:
        for name in AGENT_FIELDS:  # only an authorisation names a person
            out[name] = ""
    if out["no_expiry"] and kind in EXPIRY_REQUIRED:
        errors.setdefault("no_expiry", []).append(_("An authorisation is always for a period: enter its last day."))
    if out["no_expiry"]:
        out["valid_to"] = None
    elif out["valid_to"] is None and "valid_to" not in errors:
        errors["valid_to"] = [_("Enter the last day of validity, or tick “no expiry” for a long-term document.")]
    if out["valid_from"] and out["valid_to"] and out["valid_from"] > out["valid_to"]:
        errors.setdefault("valid_to", []).append(_("The end of validity must not be before its start."))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, code="invalid", fields=errors)
    return out


def _checked(data: dict[str, Any], files: list, *, doc_type: str | None = None):
    """The cleaned values and the checked files; the problems of both in one error."""
    errors: list[ApplicationError] = []
    values = checked = None
    try:
        values = _clean(data, doc_type=doc_type)
    except ApplicationError as exc:
        errors.append(exc)
    try:
        checked = uploads.check_files(files)
    except ApplicationError as exc:
        errors.append(exc)
    if errors:
        fields: dict[str, list[str]] = {}
        for exc in errors:
            for name, messages in exc.fields.items():
                fields.setdefault(name, []).extend(messages)
        raise ApplicationError(errors[0].message, code=errors[0].code, fields=fields)
    return values, checked


# --- writers --------------------------------------------------------------------------------

def _attach(actor: User, doc: QualificationDocument, checked: list[uploads.CheckedFile], stored: list[str]) -> None:
    rows = []
    for f in checked:
        name = uploads.store(f)
        stored.append(name)
        rows.append(QualificationFile(document=doc, file=name, original_name=f.original_name,
                                      content_type=f.content_type, size=f.size, sha256=f.sha256,
                                      uploaded_by=actor))
    QualificationFile.objects.bulk_create(rows)


def _create(actor: User, customer: Customer, values: dict[str, Any], checked: list[uploads.CheckedFile],
            stored: list[str]) -> QualificationDocument:
    doc = QualificationDocument(customer=customer, uploaded_by=actor, **values)
    doc.save()
    _attach(actor, doc, checked, stored)
    return doc



@uploads.discard_on_failure
def document_create(*, actor: User, customer_id: int, data: dict[str, Any], files: list,
                    stored: list[str]) -> QualificationDocument:
    """File a new qualification document with one or more scanned files."""
    customer = _customer_for_write(actor, customer_id)
    values, checked = _checked(data, files)
    doc = _create(actor, customer, values, checked, stored)
    audit_record(actor=actor, action="qualification_upload", target=doc, customer_id=customer.pk,
                 label=_label(doc))
    state_refresh(customer=customer)
    return doc


@uploads.discard_on_failure
def document_replace(*, actor: User, document_id: int, data: dict[str, Any], files: list,
                     stored: list[str]) -> QualificationDocument:
    """Renew: a new document of the same type supersedes ``document_id`` (which is kept as history)."""
    old, customer = _document_for_write(actor, document_id)
    if old.state != DocumentState.CURRENT:
        msg = _("Only a current document can be replaced; this one was already replaced or voided.")
        raise ApplicationError(msg, code="not_current")
    values, checked = _checked({k: v for k, v in data.items() if k != "type"}, files, doc_type=old.type)
    new = _create(actor, customer, values, checked, stored)
    updated = QualificationDocument.objects.filter(pk=old.pk, state=DocumentState.CURRENT).update(
        state=DocumentState.SUPERSEDED, replaced_by=new, replaced_at=timezone.now(), updated_at=timezone.now())
    if not updated:  # a concurrent request got there first
        raise ApplicationError(_("Only a current document can be replaced; this one was already replaced or voided."),
                               code="not_current")
    audit_record(actor=actor, action="qualification_replace", target=new, customer_id=customer.pk,
                 label=_("%(new)s (replaces %(old)s)") % {"new": _label(new), "old": _label(old)})
    state_refresh(customer=customer)
    return new


@transaction.atomic
def document_void(*, actor: User, document_id: int, reason: str) -> QualificationDocument:
    """Void a document filed by mistake (kept, marked void, with who, when and why)."""
    doc, customer = _document_for_write(actor, document_id)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        msg = _("Say why the document is voided.")
        raise ApplicationError(msg, code="required", fields={"reason": [msg]})
    if len(reason) > 300:
        msg = _("At most %(n)d characters.") % {"n": 300}
        raise ApplicationError(msg, code="too_long", fields={"reason": [msg]})
    if doc.state != DocumentState.CURRENT:
        raise ApplicationError(_("Only a current document can be voided; this one was already replaced or voided."),
                               code="not_current")
    doc.state = DocumentState.VOIDED
    doc.voided_at = timezone.now()
    doc.voided_by = actor
    doc.void_reason = reason
    doc.save(update_fields=["state", "voided_at", "voided_by", "void_reason", "updated_at"])
    audit_record(actor=actor, action="qualification_void", target=doc, customer_id=customer.pk,
                 label=_("%(doc)s (reason: %(reason)s)") % {"doc": _label(doc), "reason": reason})
    state_refresh(customer=customer)
    return doc


def _label(doc: QualificationDocument) -> str:
    return str(doc)


# --- the stored flag ------------------------------------------------------------------------

def state_refresh(*, customer: Customer, on: datetime.date | None = None) -> CustomerQualificationState:
    """Recompute and store the customer's flag from its documents (idempotent)."""
    status = rules.qualification_status(customer, on=on)
    values = {
        "flag": status.flag,
        "complete": status.complete,
        "customer_type": customer.type,
        "missing_types": list(status.uncovered),
        "expired_count": len(status.expired),
        "expiring_count": len(status.expiring),
        "next_check": status.next_check,
    }
    state, _created = CustomerQualificationState.objects.update_or_create(customer_id=customer.pk, defaults=values)
    return state


def states_refresh_due(*, on: datetime.date | None = None, batch: int = 500) -> int:
    """The daily step: recompute the flags that may have changed by themselves since they were
    stored (a document expired or entered the warning window: ``next_check`` has come), and
    those computed for another customer type (a type changed by a bulk update). Idempotent:
    a second run the same day finds nothing to do. Returns how many flags were recomputed."""
    from django.db.models import F, Q

    on = on or rules.today()
    due = CustomerQualificationState.objects.filter(
        Q(next_check__lte=on) | ~Q(customer_type=F("customer__type"))
    ).order_by("customer_id").values_list("customer_id", flat=True)
    done = 0
    last = 0
    while True:
        ids = list(due.filter(customer_id__gt=last)[:batch])
        if not ids:
            return done
        with transaction.atomic():
            for customer in Customer.objects.filter(pk__in=ids).order_by("pk"):
                state_refresh(customer=customer, on=on)
                done += 1
        last = ids[-1]


@transaction.atomic
def documents_move(*, source_customer_id: int, target_customer_id: int) -> int:
    """Move every document of one customer to another (for the merge of duplicates; the caller
    checks the rights and records the merge). Both flags are recomputed."""
    moved = QualificationDocument.objects.filter(customer_id=source_customer_id).update(
        customer_id=target_customer_id, updated_at=timezone.now())
    for customer in Customer.objects.filter(pk__in=[source_customer_id, target_customer_id]):
        state_refresh(customer=customer)
    return moved
