"""Registers the qualification step with the daily job (found by ``core.daily.discover``)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext, gettext_lazy

from pharmcrm.core.daily import daily_step
from pharmcrm.qualifications.daily import STEP_NAME, refresh_qualification_flags


@daily_step(STEP_NAME, order=30, label=gettext_lazy("Qualifications: flags of documents that expired or entered the warning window"))
def qualifications_step(day: datetime.date) -> str:
    n = refresh_qualification_flags(on=day)
    return gettext("%(n)d customer qualification flag(s) recomputed") % {"n": n}
