"""My Desktop's card "tender deadlines in the next 7 days": open tenders I see with a
registration deadline, document deadline or bid opening between now and the end of the 7th
local day; mine (owner) — or, for tender specialists, all; heads (team) their team's. One
query (capped at 200 tenders); ``None`` (hidden) when empty."""

from __future__ import annotations

import datetime

from django.utils import timezone

from pharmcrm.org import visibility
from pharmcrm.tenders.daily_steps import local_day_bounds
from pharmcrm.tenders.models import DEADLINES, OPEN_STATUSES
from pharmcrm.tenders.selectors import deadline_window_q, is_specialist, visible_tenders

ROWS = 8
DAYS = 7


def deadline_card(user, scope: str, today: datetime.date) -> dict | None:
    now = timezone.now()
    _s, end = local_day_bounds(today + datetime.timedelta(days=DAYS))
    qs = visible_tenders(user).filter(status__in=OPEN_STATUSES).filter(deadline_window_q(now, end))
    if scope == "team" and user.is_head:
        qs = qs.filter(owner__department_id__in=visibility.subtree_department_ids(user))
    elif not is_specialist(user):
        qs = qs.filter(owner_id=user.pk)
    tenders = list(qs.select_related("owner").order_by("id")[:200])
    rows = []
    for t in tenders:
        for field, label in DEADLINES:
            when = getattr(t, field)
            if when and now <= when < end:
                rows.append({"tender": t, "label": label, "at": when,
                             "days": (timezone.localtime(when).date() - today).days})
    if not rows:
        return None
    rows.sort(key=lambda r: (r["at"], r["tender"].pk))
    return {"rows": rows[:ROWS], "total": len(rows), "more": max(0, len(rows) - ROWS), "scope": scope}
