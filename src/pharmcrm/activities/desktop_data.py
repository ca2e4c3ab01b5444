"""What My Desktop shows, for the page (web/views/desktop.py) and the API (api/desktop.py) alike:
the follow-up plan (activities.desktop), customers about to return to the public pool,
expiring qualification documents and contacts' birthdays and care dates — mine, or a head's
team (``scope="team"``: the departments they head, at any depth). Every part reads through
its area's visibility-checked selector and costs a constant number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from pharmcrm.activities import desktop as plans_desktop
from pharmcrm.contacts.occasions import Occasion, contact_birthdays
from pharmcrm.customers.pool_selectors import pool_warnings
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.qualifications.selectors import qualifications_expiring

CARD_ROWS = 8
OCCASION_DAYS = 7


@dataclass
class DesktopData:
    scope: str
    today: datetime.date
    can_team: bool
    plans: plans_desktop.Plans
    pool_warnings: list = field(default_factory=list)  # customers with .pool_due and .pool_days
    expiring: list = field(default_factory=list)  # qualification documents, soonest first
    expiring_more: bool = False
    occasions: list[Occasion] = field(default_factory=list)


def _expiring(user: User, scope: str) -> list:
    qs = qualifications_expiring(user)
    if scope == plans_desktop.TEAM:
        qs = qs.filter(customer__owner_department_id__in=visibility.subtree_department_ids(user))
    else:
        qs = qs.filter(customer__owner_id=user.pk)
    return list(qs.filter(customer__deleted_at__isnull=True)[:CARD_ROWS + 1])


def desktop_data(*, actor: User, scope: str | None = None, today: datetime.date | None = None,
                 rows: int = plans_desktop.SECTION_ROWS) -> DesktopData:
    scope = plans_desktop.scope_of(actor, scope)
    today = today or timezone.localdate()
    team = scope == plans_desktop.TEAM
    warnings = pool_warnings(actor=actor, team=team, limit=CARD_ROWS)
    for c in warnings:
        c.pool_days = (c.pool_due.on - today).days if c.pool_due else None
    expiring = _expiring(actor, scope)
    return DesktopData(
        scope=scope, today=today, can_team=plans_desktop.may_use_team(actor),
        plans=plans_desktop.followup_plans(actor=actor, scope=scope, today=today, limit=rows),
        pool_warnings=warnings, expiring=expiring[:CARD_ROWS], expiring_more=len(expiring) > CARD_ROWS,
        occasions=contact_birthdays(actor=actor, start=today, days=OCCASION_DAYS, current_only=True)[:CARD_ROWS],
    )
