"""The daily job's quotation step: sent quotations whose validity ended before today become
expired (``services.quotations_expire``; a second run the same day changes nothing)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext, gettext_lazy

from pharmcrm.core.daily import daily_step
from pharmcrm.quotations.services import quotations_expire


@daily_step("quotations", order=45, label=gettext_lazy("Quotations: sent quotations past their validity expire"))
def quotations_step(day: datetime.date) -> str:
    return gettext("%(n)d quotation(s) expired") % {"n": quotations_expire(today=day)}
