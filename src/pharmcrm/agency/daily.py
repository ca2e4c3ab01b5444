"""The agency step of the daily job (``manage.py crm_daily``): agreements past their end date expire.

``agreements_expire_step(today)`` is idempotent (a second run the same day changes nothing).
It is registered with the daily-job registry (``pharmcrm.core.daily``) when that registry exists.
"""

from __future__ import annotations

import datetime

STEP_NAME = "agency_agreements_expire"


def agreements_expire_step(on: datetime.date | None = None, **_kwargs) -> int:
    from pharmcrm.agency.services import agreements_expire

    return agreements_expire(today=on)


def register_daily_step() -> None:
    try:
        from pharmcrm.core import daily
    except ImportError:  # the registry has not landed yet
        return
    register = getattr(daily, "register", None)
    if register is not None:
        register(STEP_NAME, agreements_expire_step)


def register_pool_exemption() -> None:
    """Agents with an agreement in force never return to the public pool on their own."""
    try:
        from pharmcrm.customers import pool
    except ImportError:
        return
    register = getattr(pool, "register_exemption", None)
    if register is not None:
        register(active_agent_exemption)


def active_agent_exemption():
    from django.db.models import Exists, OuterRef, Q

    from pharmcrm.agency.models import AgencyAgreement, AgreementStatus

    return Q(Exists(AgencyAgreement.objects.filter(agent_id=OuterRef("pk"), status=AgreementStatus.ACTIVE)))
