"""My Desktop's "likely to close soon" card (registered from ``OpportunitiesConfig.ready()``):
open opportunities expected to close within 30 days with probability ≥ 50 %, mine — or, for a
head choosing the team scope, those owned by the departments they head at any depth. Only
opportunities the user can see. Two queries whatever the rows (capped rows, then the count);
``None`` (card hidden) when there is nothing."""

from __future__ import annotations

import datetime

from pharmcrm.opportunities import selectors

ROWS = 6


def likely_card(user, scope: str, today: datetime.date) -> dict | None:
    used = selectors.TEAM if scope == selectors.TEAM and user.is_head else selectors.MINE
    qs = selectors.likely_to_close(actor=user, scope=used, today=today)
    rows = list(qs[:ROWS])
    if not rows:
        return None
    total = len(rows) if len(rows) < ROWS else qs.count()
    return {"rows": rows, "total": total, "more": max(0, total - len(rows)), "scope": used,
            "days": selectors.LIKELY_DAYS, "probability": selectors.LIKELY_PROBABILITY}
