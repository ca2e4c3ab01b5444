"""The customers area's steps of the daily job (``manage.py crm_daily``, see core/daily.py)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from pharmcrm.core.daily import daily_step


@daily_step("pool", order=10, label=_("Public pool: return neglected customers, warn their owners"))
def pool_step(day: datetime.date) -> str:
    from pharmcrm.customers.pool_services import pool_recycle

    return pool_recycle(day=day).summary()
