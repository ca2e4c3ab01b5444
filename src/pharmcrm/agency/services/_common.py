"""Shared by the agency services: constants, access, parsing, audit."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from pharmcrm.agency.models import (
    AgencyAgreement,
    DepositStatus,
)
from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
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


# --- parsing -------------------------------------------------------------------------------

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
