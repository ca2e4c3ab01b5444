"""Create and edit an agreement's header (dates, exclusivity, targets, deposit amount, terms)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.agency.models import (
    AGENT_TYPES,
    AgencyAgreement,
    AgreementStatus,
    DepositStatus,
)
from pharmcrm.agency.services._common import (
    ACTIVE_FIELDS,
    AUDIT_FIELDS,
    FINAL_FIELDS,
    HEADER_FIELDS,
    NUMBER_PREFIX,
    TEXT_LIMITS,
    _audit,
    _date,
    _err,
    _get,
    _money,
)
from pharmcrm.agency.services.state import _check_overlap
from pharmcrm.core.audit import diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User


def _parse(name: str, value: Any) -> Any:
    if name in TEXT_LIMITS:
        if value is not None and not isinstance(value, str):
            raise _err(name, _("Enter text."))
        value = (value or "").strip()
        if len(value) > TEXT_LIMITS[name]:
            raise _err(name, _("At most %(n)d characters.") % {"n": TEXT_LIMITS[name]})
        return value
    if name == "exclusive":
        if not isinstance(value, bool):
            raise _err(name, _("Choose yes or no."))
        return value
    if name in ("start_date", "end_date", "signed_date"):
        return _date(name, value)
    value = _money(name, value)
    if name == "deposit_amount" and value is None:
        value = Decimal("0")
    return value


def _apply(agreement: AgencyAgreement, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - set(HEADER_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    for name, raw in data.items():
        value = _parse(name, raw)
        if name not in allowed:
            # a form sends every field: the unchanged ones are fine
            if value != getattr(agreement, name):
                raise _err(name, _("This cannot be changed while the agreement is “%(status)s”.")
                           % {"status": agreement.get_status_display()}, code="locked_field")
            continue
        setattr(agreement, name, value)


def _validate(agreement: AgencyAgreement) -> None:
    fields: dict[str, list[str]] = {}
    if not agreement.start_date:
        fields["start_date"] = [_("Enter the start date.")]
    if not agreement.end_date:
        fields["end_date"] = [_("Enter the end date.")]
    if agreement.start_date and agreement.end_date and agreement.end_date < agreement.start_date:
        fields["end_date"] = [_("The end date must not be before the start date.")]
    if agreement.number and AgencyAgreement.objects.filter(number=agreement.number).exclude(pk=agreement.pk).exists():
        fields["number"] = [_("This agreement number is already used.")]
    if (agreement.deposit_status != DepositStatus.UNPAID
            and agreement.deposit_refunded_amount > (agreement.deposit_amount or 0)):
        fields["deposit_amount"] = [_("The deposit cannot be less than what was already refunded.")]
    if fields:
        raise ApplicationError(next(iter(fields.values()))[0], code="invalid", fields=fields)


def _next_number(today: datetime.date) -> str:
    stem = f"{NUMBER_PREFIX}-{today.year}-"
    numbers = AgencyAgreement.objects.filter(number__startswith=stem).values_list("number", flat=True)
    seq = max((int(n[len(stem):]) for n in numbers if n[len(stem):].isdigit()), default=0)
    return f"{stem}{seq + 1:04d}"


@transaction.atomic
def agreement_create(*, actor: User, agent_id: int, data: dict[str, Any]) -> AgencyAgreement:
    """A new DRAFT agreement of the agent ``agent_id`` (a visible, writable agent or distributor)."""
    if not visibility.can_see(actor, agent_id):
        raise NotFound(_("Customer not found."))
    if not visibility.can_write(actor, agent_id):
        raise PermissionDenied(_("You may view this customer but not change it."))
    agent = Customer.objects.select_for_update(of=("self",)).get(pk=agent_id)
    if agent.type not in AGENT_TYPES:
        raise _err("agent_id", _("Agency agreements are made with agents and distributors."), code="invalid_agent")
    agreement = AgencyAgreement(agent=agent, created_by=actor, status=AgreementStatus.DRAFT)
    _apply(agreement, data, set(HEADER_FIELDS))
    generated = not agreement.number
    if generated:
        agreement.number = _next_number(timezone.localdate())
    _validate(agreement)
    for attempt in range(5):
        try:
            with transaction.atomic():
                agreement.save()
            break
        except IntegrityError:
            if not generated or attempt == 4:  # someone took the number between the check and the save
                raise _err("number", _("This agreement number is already used.")) from None
            agreement.pk = None
            agreement.number = _next_number(timezone.localdate())
    _audit(actor, "agreement_create", agreement,
           {k: [None, v] for k, v in snapshot(agreement, AUDIT_FIELDS).items() if v not in ("", None, False, "0", "0.00")})
    return agreement


@transaction.atomic
def agreement_update(*, actor: User, agreement_id: int, data: dict[str, Any]) -> AgencyAgreement:
    agreement = _get(actor, agreement_id, need="write")
    allowed = set(HEADER_FIELDS) if agreement.is_draft else ACTIVE_FIELDS if agreement.is_active else FINAL_FIELDS
    if (agreement.deposit_status != DepositStatus.UNPAID and "deposit_amount" in data
            and _parse("deposit_amount", data["deposit_amount"]) != agreement.deposit_amount):
        raise _err("deposit_amount", _("The deposit amount cannot change once the deposit was paid."),
                   code="locked_field")
    before = snapshot(agreement, AUDIT_FIELDS)
    old_dates = (agreement.start_date, agreement.end_date)
    _apply(agreement, data, allowed)
    _validate(agreement)
    if agreement.is_active and agreement.exclusive and (agreement.start_date, agreement.end_date) != old_dates:
        _check_overlap(actor, agreement)
    changes = diff(before, snapshot(agreement, AUDIT_FIELDS))
    if changes:
        agreement.save()
        _audit(actor, "agreement_update", agreement, changes)
    return agreement


def _prefixed(exc: ApplicationError, prefix: str) -> ApplicationError:
    fields = {f"{prefix}.{k}": v for k, v in exc.fields.items()} or {prefix: [exc.message]}
    return ApplicationError(exc.message, code=exc.code, fields=fields)


@transaction.atomic
def agreement_create_full(
    *, actor: User, agent_id: int, data: dict[str, Any], lines: list[dict[str, Any]] = (),
    region_codes: list[str] = (), hospital_ids: list[int] = (),
) -> AgencyAgreement:
    """A draft with its lines and territory in one go (all or nothing). Errors of a line or a
    territory entry name it: ``lines.0.agency_price``, ``regions.1``, ``hospital_ids.0``."""
    from pharmcrm.agency.services import lines as line_services

    agreement = agreement_create(actor=actor, agent_id=agent_id, data=data)
    for i, line in enumerate(lines):
        values = dict(line)
        product_id = values.pop("product_id")
        try:
            line_services.agreement_line_add(actor=actor, agreement_id=agreement.pk, product_id=product_id,
                                             data=values)
        except ApplicationError as exc:
            raise _prefixed(exc, f"lines.{i}") from None
    for i, code in enumerate(region_codes):
        try:
            line_services.agreement_region_add(actor=actor, agreement_id=agreement.pk, region_code=code)
        except ApplicationError as exc:
            raise ApplicationError(exc.message, code=exc.code, fields={f"regions.{i}": [exc.message]}) from None
    for i, hid in enumerate(hospital_ids):
        try:
            line_services.agreement_hospital_add(actor=actor, agreement_id=agreement.pk, hospital_id=hid)
        except ApplicationError as exc:
            raise ApplicationError(exc.message, code=exc.code, fields={f"hospital_ids.{i}": [exc.message]}) from None
    agreement.refresh_from_db()
    return agreement
