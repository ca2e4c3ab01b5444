"""The agreement's states (activate, terminate, daily expiry) and the deposit's."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.agency import overlap
from pharmcrm.agency.conflicts import overlap_error
from pharmcrm.agency.models import (
    AGENT_TYPES,
    AgencyAgreement,
    AgreementHospital,
    AgreementLine,
    AgreementRegion,
    AgreementStatus,
    DepositStatus,
)
from pharmcrm.agency.services._common import DEPOSIT_NEXT, _audit, _date, _err, _get, _money
from pharmcrm.core.audit import diff, snapshot
from pharmcrm.core.errors import ApplicationError
from pharmcrm.org.models import User

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
        _("The agreement is “%(status)s” and cannot be %(action)s.")
        % {"status": agreement.get_status_display(), "action": action},
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
