"""The qualification step of the daily job (``manage.py crm_daily``).

``refresh_qualification_flags(on=None)`` recomputes the customer flags whose documents expired
(or entered the warning window) since they were stored; it is idempotent. It is registered with
the daily-job registry (``pharmcrm.core.daily``) when that registry exists.
"""

from __future__ import annotations

import datetime

STEP_NAME = "qualifications"


def refresh_qualification_flags(on: datetime.date | None = None, **_kwargs) -> int:
    from pharmcrm.qualifications.services import states_refresh_due

    return states_refresh_due(on=on)


def register_daily_step() -> None:
    try:
        from pharmcrm.core import daily
    except ImportError:  # the registry has not landed yet
        return
    register = getattr(daily, "register", None)
    if register is not None:
        register(STEP_NAME, refresh_qualification_flags)
