"""The agency step of the daily job (``manage.py crm_daily``, see core/daily.py)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pharmcrm.core.daily import daily_step


# before the public pool (order 10): an agreement that ended yesterday no longer exempts its agent
@daily_step("agreements", order=5, label=gettext_lazy("Agency agreements: those past their end date expire"))
def agreements_step(day: datetime.date) -> str:
    from pharmcrm.agency.services import agreements_expire

    return _("%(n)d agreement(s) expired") % {"n": agreements_expire(today=day)}
