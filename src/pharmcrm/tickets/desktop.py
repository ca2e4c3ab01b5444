"""My Desktop's service-ticket card (registered from ``TicketsConfig.ready()`` with
``web.desktop_cards.register_card``).

* ``mine``: my open / in-progress tickets that are overdue or due by the end of today (local
  day, Asia/Shanghai), overdue first;
* ``team`` (heads): overdue tickets whose assignee belongs to the departments they head, at any
  depth (``org.visibility.subtree_department_ids``).
Only tickets the user can see (their customer's visibility). Two queries whatever the rows (the
capped rows, then the count); ``None`` (card hidden) when there is nothing.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from pharmcrm.org import visibility
from pharmcrm.tickets.models import ACTIVE_STATUSES
from pharmcrm.tickets.selectors import visible_tickets

ROWS = 8
MINE, TEAM = "mine", "team"


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def card_tickets(user, scope: str, today: datetime.date):
    """(queryset, scope used): the card's tickets before capping."""
    now = timezone.now()
    qs = visible_tickets(user).filter(status__in=ACTIVE_STATUSES)
    if scope == TEAM and user.is_active and user.is_head:
        return (qs.filter(due_at__lt=now, assignee__department_id__in=visibility.subtree_department_ids(user)),
                TEAM)
    return qs.filter(assignee_id=user.pk, due_at__lt=max(_end_of(today), now)), MINE


def overdue_card(user, scope: str, today: datetime.date) -> dict | None:
    qs, used = card_tickets(user, scope, today)
    now = timezone.now()
    rows = list(qs.select_related("customer", "assignee").order_by("due_at", "id")[:ROWS])
    if not rows:
        return None
    if len(rows) < ROWS:
        total, overdue = len(rows), sum(1 for t in rows if t.due_at < now)
    else:
        counts = qs.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
        total, overdue = counts["total"], counts["overdue"]
    for t in rows:
        t.overdue_now = t.due_at < now
    return {"rows": rows, "total": total, "overdue": overdue, "more": max(0, total - len(rows)),
            "scope": used, "now": now}
