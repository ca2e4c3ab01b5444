"""My Desktop's "payment plans due in 7 days or overdue" card (registered from
``payments.hooks``): for finance every order; for a head (team scope) the customers owned in
their subtree; for everyone the customers they own. Instalments already covered by the order's
payments are left out. Capped rows, a constant number of queries, hidden while empty."""

from __future__ import annotations

import datetime

from pharmcrm.payments.selectors import plans_due

ROWS = 8


def plans_card(user, scope: str, today: datetime.date) -> dict | None:
    if not user.is_active:
        return None
    rows = list(plans_due(actor=user, scope=scope, today=today)[: ROWS + 1])
    if not rows:
        return None
    for p in rows:
        p.overdue = p.due_on < today
        p.owing = min(p.amount, p.cum - p.order.paid_total)
    return {"rows": rows[:ROWS], "more": len(rows) > ROWS, "today": today}
