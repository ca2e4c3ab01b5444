"""The qualification step of the daily job (``manage.py crm_daily``; registered in
``daily_steps.py``): recompute the customer flags whose documents expired or entered the
warning window since they were stored. Idempotent: a second run the same day finds nothing."""

from __future__ import annotations

import datetime

STEP_NAME = "qualifications"


def refresh_qualification_flags(on: datetime.date | None = None) -> int:
    from pharmcrm.qualifications.services import states_refresh_due

    return states_refresh_due(on=on)
