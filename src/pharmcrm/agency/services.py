"""The only writers of agency agreements, their lines and territory.

Rights follow the agent customer (``org.visibility``): whoever may WRITE the agent creates and
edits drafts (header, lines, territory) and records the deposit; whoever may MANAGE it (owner,
heads above, administrators — not read-write shares) puts an agreement in force or terminates
it. Invisible agreements are ``NotFound``.

States: draft → active (``agreement_activate``) → expired (``agreements_expire``, daily) or
terminated (``agreement_terminate``); a draft may also be terminated (abandoned). Nothing else:
expired and terminated are final. Lines and territory change only in draft; an active
agreement's dates may change (re-checked against THE rule), its exclusivity may not.
Every change is in the agent customer's history (``audit_record(customer_id=agent)``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.agency import overlap, territory
from pharmcrm.agency.conflicts import overlap_error
from pharmcrm.agency.models import (
    AGENT_TYPES,
    TERMINAL_TYPES,
    AgencyAgreement,
    AgreementHospital,
    AgreementLine,
    AgreementRegion,
    AgreementStatus,
    DepositStatus,
)
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User

HEADER_FIELDS = [
    "number", "exclusive", "start_date", "end_date", "signed_date", "monthly_target", "yearly_target",
    "deposit_amount", "rebate_terms", "notes",
]
# what may change once an agreement is in force (dates are re-checked against the overlap rule)
ACTIVE_FIELDS = {"start_date", "end_date", "signed_date", "monthly_target", "yearly_target", "deposit_amount",
                 "rebate_terms", "notes"}
FINAL_FIELDS = {"notes"}
AUDIT_FIELDS = [*HEADER_FIELDS, "status"]
LINE_FIELDS = ["agency_price", "supply_price", "monthly_quantity", "yearly_quantity", "notes"]
TEXT_LIMITS = {"number": 40, "rebate_terms": 2000, "notes": 5000}
MONEY_MAX = Decimal("999999999999.99")
PRICE_MAX = Decimal("9999999999.9999")
NUMBER_PREFIX = "DL"

# deposit state machine: from -> allowed targets
DEPOSIT_NEXT = {
    DepositStatus.UNPAID: {DepositStatus.PAID},
    DepositStatus.PAID: {DepositStatus.PARTLY_REFUNDED, DepositStatus.REFUNDED, DepositStatus.FORFEITED},
    DepositStatus.PARTLY_REFUNDED: {DepositStatus.PARTLY_REFUNDED, DepositStatus.REFUNDED,
                                    DepositStatus.FORFEITED},
    DepositStatus.REFUNDED: set(),
    DepositStatus.FORFEITED: set(),
}


def _err(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


# --- access --------------------------------------------------------------------------------

def _get(actor: User, agreement_id: int, *, need: str) -> AgencyAgreement:
    """The agreement, locked, if ``actor`` may ``need`` ("write" | "manage") it; else NotFound
    (invisible or missing) or PermissionDenied (visible, not allowed)."""
    agent_id = AgencyAgreement.objects.filter(pk=agreement_id).values_list("agent_id", flat=True).first()
    if agent_id is None or not visibility.can_see(actor, agent_id):
        raise NotFound(_("Agreement not found."))
    if need == "manage" and not visibility.can_manage(actor, agent_id):
        raise PermissionDenied(_("Only the agent's owner, their heads or an administrator may do this."))
    if need == "write" and not visibility.can_write(actor, agent_id):
        raise PermissionDenied(_("You may view this agreement but not change it."))
    return AgencyAgreement.objects.select_for_update(of=("self",)).select_related("agent").get(pk=agreement_id)


def _require_draft(agreement: AgencyAgreement) -> None:
    if not agreement.is_draft:
        raise ApplicationError(
            _("Products and territory can only be changed while the agreement is a draft."), code="not_draft"
        )


def _audit(actor, action: str, agreement: AgencyAgreement, changes: dict | None = None) -> None:
    audit_record(actor=actor, action=action, target=agreement, customer_id=agreement.agent_id,
                 label=agreement.number, changes=changes)


# --- header --------------------------------------------------------------------------------

def _money(field: str, value: Any, *, places: int = 2, maximum: Decimal = MONEY_MAX) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise _err(field, _("Enter an amount."))
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise _err(field, _("Enter an amount.")) from None
    if not d.is_finite():
        raise _err(field, _("Enter an amount."))
    if d < 0:
        raise _err(field, _("Must not be negative."))
    if d > maximum:
        raise _err(field, _("Too large."))
    if -d.as_tuple().exponent > places:
        raise _err(field, _("At most %(n)d decimal places.") % {"n": places})
    return d


def _date(field: str, value: Any) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise _err(field, _("Enter a date."))
    return value


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
           {k: [None, v] for k, v in snapshot(agreement, AUDIT_FIELDS).items() if v not in ("", None, False)})
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


# --- lines ---------------------------------------------------------------------------------

def _line_values(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(LINE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("agency_price", "supply_price"):
            out[name] = _money(name, value, places=4, maximum=PRICE_MAX)
        elif name in ("monthly_quantity", "yearly_quantity"):
            if value in (None, ""):
                out[name] = None
            elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2_000_000_000:
                raise _err(name, _("Enter a whole number of units (0 or more)."))
            else:
                out[name] = value
        else:
            if value is not None and not isinstance(value, str):
                raise _err(name, _("Enter text."))
            out[name] = (value or "").strip()
            if len(out[name]) > 200:
                raise _err(name, _("At most %(n)d characters.") % {"n": 200})
    return out


def _line_snapshot(line: AgreementLine) -> dict[str, Any]:
    return {"product": str(line.product), **snapshot(line, LINE_FIELDS)}


@transaction.atomic
def agreement_line_add(*, actor: User, agreement_id: int, product_id: int, data: dict[str, Any]) -> AgreementLine:
    from pharmcrm.catalog.models import Product, ProductStatus

    agreement = _get(actor, agreement_id, need="write")
    _require_draft(agreement)
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise _err("product_id", _("Product not found."), code="invalid_product")
    if product.status != ProductStatus.ACTIVE:
        raise _err("product_id", _("This product is discontinued."), code="invalid_product")
    if AgreementLine.objects.filter(agreement=agreement, product=product).exists():
        raise _err("product_id", _("This product is already in the agreement."), code="duplicate_product")
    values = _line_values(data)
    if values.get("agency_price") is None:
        raise _err("agency_price", _("Enter the agency price."), code="required")
    line = AgreementLine.objects.create(agreement=agreement, product=product, **values)
    _audit(actor, "agreement_line_add", agreement, {"line": [None, _line_snapshot(line)]})
    agreement.save(update_fields=["updated_at"])
    return line


def _line(agreement: AgencyAgreement, line_id: int) -> AgreementLine:
    line = AgreementLine.objects.select_related("product").filter(pk=line_id, agreement=agreement).first()
    if line is None:
        raise NotFound(_("Agreement line not found."))
    return line


@transaction.atomic
def agreement_line_update(*, actor: User, agreement_id: int, line_id: int, data: dict[str, Any]) -> AgreementLine:
    agreement = _get(actor, agreement_id, need="write")
    line = _line(agreement, line_id)
    _require_draft(agreement)
    values = _line_values(data)
    if "agency_price" in values and values["agency_price"] is None:
        raise _err("agency_price", _("Enter the agency price."), code="required")
    before = _line_snapshot(line)
    for k, v in values.items():
        setattr(line, k, v)
    after = _line_snapshot(line)
    if before != after:
        line.save()
        _audit(actor, "agreement_line_update", agreement, {"line": [before, after]})
        agreement.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def agreement_line_remove(*, actor: User, agreement_id: int, line_id: int) -> None:
    """Take a product out of a DRAFT (editing the draft; the audit keeps what it was)."""
    agreement = _get(actor, agreement_id, need="write")
    line = _line(agreement, line_id)
    _require_draft(agreement)
    _audit(actor, "agreement_line_remove", agreement, {"line": [_line_snapshot(line), None]})
    line.delete()
    agreement.save(update_fields=["updated_at"])


# --- territory -----------------------------------------------------------------------------

@transaction.atomic
def agreement_region_add(*, actor: User, agreement_id: int, region_code: str) -> AgreementRegion:
    """Add a region. One already covered by a region of the agreement is refused; regions that
    the new one covers are replaced by it (they would be redundant)."""
    agreement = _get(actor, agreement_id, need="write")
    _require_draft(agreement)
    code = (region_code or "").strip() if isinstance(region_code, str) else ""
    try:
        territory.regions.region_validate(code)
    except ValidationError as exc:
        raise _err("region_code", exc.messages[0] if exc.messages else _("Unknown region."),
                   code="invalid_region") from None
    new = territory.Item.region(code)
    existing = list(AgreementRegion.objects.filter(agreement=agreement).order_by("region_code"))
    for r in existing:
        if new.where.startswith(r.region_prefix):
            msg = (_("This region is already in the agreement.") if r.region_code == code else
                   _("Already covered by %(region)s in this agreement.") % {"region": territory.label(r.region_code)})
            raise _err("region_code", msg, code="duplicate_region")
    replaced = [r for r in existing if r.region_prefix.startswith(new.where)]
    AgreementRegion.objects.filter(pk__in=[r.pk for r in replaced]).delete()
    row = AgreementRegion.objects.create(agreement=agreement, region_code=code, region_prefix=new.where)
    changes: dict[str, Any] = {"region": [None, territory.label(code)]}
    if replaced:
        changes["replaced"] = [[territory.label(r.region_code) for r in replaced], None]
    _audit(actor, "agreement_region_add", agreement, changes)
    agreement.save(update_fields=["updated_at"])
    return row


@transaction.atomic
def agreement_region_remove(*, actor: User, agreement_id: int, region_id: int) -> None:
    agreement = _get(actor, agreement_id, need="write")
    row = AgreementRegion.objects.filter(pk=region_id, agreement=agreement).first()
    if row is None:
        raise NotFound(_("Region not found."))
    _require_draft(agreement)
    _audit(actor, "agreement_region_remove", agreement, {"region": [territory.label(row.region_code), None]})
    row.delete()
    agreement.save(update_fields=["updated_at"])


@transaction.atomic
def agreement_hospital_add(*, actor: User, agreement_id: int, hospital_id: int) -> AgreementHospital:
    """Name a terminal (hospital, clinic, pharmacy) the actor can see."""
    agreement = _get(actor, agreement_id, need="write")
    _require_draft(agreement)
    hospital = visibility.visible_customers(actor).filter(pk=hospital_id).first()
    if hospital is None:
        raise _err("hospital_id", _("Hospital not found."), code="invalid_hospital")
    if hospital.type not in TERMINAL_TYPES:
        raise _err("hospital_id", _("Choose a hospital, clinic or pharmacy."), code="invalid_hospital")
    if AgreementHospital.objects.filter(agreement=agreement, hospital=hospital).exists():
        raise _err("hospital_id", _("This hospital is already in the agreement."), code="duplicate_hospital")
    item = territory.Item.hospital(hospital.pk, hospital.region_code)
    for r in AgreementRegion.objects.filter(agreement=agreement).order_by("region_code"):
        if territory.items_overlap(territory.Item.region(r.region_code), item):
            raise _err("hospital_id", _("Already covered by %(region)s in this agreement.")
                       % {"region": territory.label(r.region_code)}, code="duplicate_hospital")
    row = AgreementHospital.objects.create(agreement=agreement, hospital=hospital)
    _audit(actor, "agreement_hospital_add", agreement, {"hospital": [None, hospital.name]})
    agreement.save(update_fields=["updated_at"])
    return row


@transaction.atomic
def agreement_hospital_remove(*, actor: User, agreement_id: int, entry_id: int) -> None:
    agreement = _get(actor, agreement_id, need="write")
    row = AgreementHospital.objects.select_related("hospital").filter(pk=entry_id, agreement=agreement).first()
    if row is None:
        raise NotFound(_("Hospital not found."))
    _require_draft(agreement)
    _audit(actor, "agreement_hospital_remove", agreement, {"hospital": [row.hospital.name, None]})
    row.delete()
    agreement.save(update_fields=["updated_at"])


# --- state ---------------------------------------------------------------------------------

def _check_overlap(actor: User, agreement: AgencyAgreement) -> None:
    """Refuse if ``agreement`` (exclusive, with its current dates) would overlap an active
    exclusive agreement. Holds the product locks until the transaction ends."""
    lines = list(AgreementLine.objects.filter(agreement=agreement).select_related("product"))
    product_ids = [ln.product_id for ln in lines]
    overlap.lock_products(product_ids)
    items = overlap.territory_of([agreement.pk])[agreement.pk]
    conflicts = overlap.find_conflicts(product_ids=product_ids, items=items, start=agreement.start_date,
                                       end=agreement.end_date, exclude_id=agreement.pk)
    if conflicts:
        raise overlap_error(actor=actor, conflicts=conflicts,
                            product_labels={ln.product_id: str(ln.product) for ln in lines})


def _illegal(agreement: AgencyAgreement, action: str) -> ApplicationError:
    return ApplicationError(
        _("A %(status)s agreement cannot be %(action)s.") % {"status": agreement.get_status_display(),
                                                              "action": action},
        code="invalid_transition",
    )


@transaction.atomic
def agreement_activate(*, actor: User, agreement_id: int) -> AgencyAgreement:
    """Put a draft in force. Exclusive agreements must not overlap an active exclusive one."""
    agreement = _get(actor, agreement_id, need="manage")
    if not agreement.is_draft:
        raise _illegal(agreement, _("put in force"))
    today = timezone.localdate()
    problems: dict[str, list[str]] = {}
    if agreement.end_date < today:
        problems["end_date"] = [_("The agreement ended on %(d)s; change the end date first.")
                                % {"d": agreement.end_date.isoformat()}]
    if not AgreementLine.objects.filter(agreement=agreement).exists():
        problems["lines"] = [_("Add at least one product.")]
    if not (AgreementRegion.objects.filter(agreement=agreement).exists()
            or AgreementHospital.objects.filter(agreement=agreement).exists()):
        problems["territory"] = [_("Add at least one region or hospital to the territory.")]
    if agreement.agent.type not in AGENT_TYPES:
        problems["agent_id"] = [_("Agency agreements are made with agents and distributors.")]
    if problems:
        raise ApplicationError(next(iter(problems.values()))[0], code="incomplete", fields=problems)
    if agreement.exclusive:
        _check_overlap(actor, agreement)
    now = timezone.now()
    done = AgencyAgreement.objects.filter(pk=agreement.pk, status=AgreementStatus.DRAFT).update(
        status=AgreementStatus.ACTIVE, activated_at=now, activated_by=actor, updated_at=now)
    if not done:  # cannot happen under the row lock; a double click must not apply twice
        raise _illegal(agreement, _("put in force"))
    agreement.refresh_from_db()
    _audit(actor, "agreement_activate", agreement, {"status": [AgreementStatus.DRAFT, AgreementStatus.ACTIVE]})
    return agreement


@transaction.atomic
def agreement_terminate(
    *, actor: User, agreement_id: int, reason: str, terminated_on: datetime.date | None = None,
) -> AgencyAgreement:
    """End an agreement in force (or abandon a draft) now, with a reason."""
    agreement = _get(actor, agreement_id, need="manage")
    if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE):
        raise _illegal(agreement, _("terminated"))
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise _err("reason", _("Give the reason for the termination."), code="required")
    if len(reason) > 300:
        raise _err("reason", _("At most %(n)d characters.") % {"n": 300})
    today = timezone.localdate()
    on = _date("terminated_on", terminated_on) or today
    if on > today:
        raise _err("terminated_on", _("The termination date cannot be in the future."))
    old = agreement.status
    now = timezone.now()
    done = AgencyAgreement.objects.filter(pk=agreement.pk, status=old).update(
        status=AgreementStatus.TERMINATED, terminated_on=on, termination_reason=reason, ended_at=now,
        updated_at=now)
    if not done:
        raise _illegal(agreement, _("terminated"))
    agreement.refresh_from_db()
    _audit(actor, "agreement_terminate", agreement, {
        "status": [old, AgreementStatus.TERMINATED], "terminated_on": [None, on], "termination_reason": [None, reason]})
    return agreement


def agreements_expire(*, today: datetime.date | None = None) -> int:
    """Daily step: active agreements whose end date has passed become expired. Idempotent."""
    today = today or timezone.localdate()
    n = 0
    ids = list(AgencyAgreement.objects.filter(status=AgreementStatus.ACTIVE, end_date__lt=today)
               .order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            now = timezone.now()
            if AgencyAgreement.objects.filter(pk=pk, status=AgreementStatus.ACTIVE, end_date__lt=today).update(
                    status=AgreementStatus.EXPIRED, ended_at=now, updated_at=now):
                agreement = AgencyAgreement.objects.get(pk=pk)
                _audit(None, "agreement_expire", agreement,
                       {"status": [AgreementStatus.ACTIVE, AgreementStatus.EXPIRED]})
                n += 1
    return n


# --- deposit -------------------------------------------------------------------------------

@transaction.atomic
def agreement_deposit_update(
    *, actor: User, agreement_id: int, status: str, on: datetime.date | None = None,
    refunded_amount: Decimal | None = None,
) -> AgencyAgreement:
    """Record the deposit's next state: unpaid → paid → partly refunded → refunded / forfeited."""
    agreement = _get(actor, agreement_id, need="write")
    if status not in DepositStatus.values:
        raise _err("status", _("Unknown deposit state."))
    current = DepositStatus(agreement.deposit_status)
    if status not in DEPOSIT_NEXT[current]:
        raise _err("status", _("The deposit cannot go from “%(a)s” to “%(b)s”.")
                   % {"a": current.label, "b": DepositStatus(status).label}, code="invalid_transition")
    today = timezone.localdate()
    on = _date("on", on) or today
    if on > today:
        raise _err("on", _("The date cannot be in the future."))
    before = snapshot(agreement, ["deposit_status", "deposit_paid_on", "deposit_refunded_amount",
                                  "deposit_refunded_on", "deposit_forfeited_on"])
    amount = agreement.deposit_amount or Decimal("0")
    if status == DepositStatus.PAID:
        if amount <= 0:
            raise _err("status", _("Enter the deposit amount first."), code="no_deposit")
        agreement.deposit_paid_on = on
    elif status == DepositStatus.PARTLY_REFUNDED:
        refunded = _money("refunded_amount", refunded_amount)
        if refunded is None or not (agreement.deposit_refunded_amount < refunded < amount):
            raise _err("refunded_amount", _("Enter the total refunded so far: more than before (¥%(a)s) and less "
                                            "than the deposit (¥%(b)s).")
                       % {"a": agreement.deposit_refunded_amount, "b": amount})
        agreement.deposit_refunded_amount = refunded
        agreement.deposit_refunded_on = on
    elif status == DepositStatus.REFUNDED:
        agreement.deposit_refunded_amount = amount
        agreement.deposit_refunded_on = on
    elif status == DepositStatus.FORFEITED:
        agreement.deposit_forfeited_on = on
    agreement.deposit_status = status
    agreement.save()
    after = snapshot(agreement, list(before))
    _audit(actor, "agreement_deposit", agreement, diff(before, after))
    return agreement
