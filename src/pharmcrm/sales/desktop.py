"""My Desktop's "orders waiting for my action" card (registered from ``SalesConfig.ready()``).

* finance: orders submitted for review (oldest first), return requests to review;
* warehouse: approved orders waiting for outbound, outbound ones waiting to ship, and approved
  returns whose goods are to be received;
* sellers (reps): their own drafts that finance rejected, and their price exceptions answered in
  the last 14 days;
* heads: price exceptions waiting for their decision.
Rows are capped (``ROWS`` per section); a constant number of queries whatever the data; only
orders the user may see; ``None`` (card hidden) when there is nothing.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from pharmcrm.org.models import Role
from pharmcrm.sales.models import PriceException, ReturnStatus, Status
from pharmcrm.sales.selectors import exceptions_to_decide, visible_orders, visible_returns

ROWS = 6


def _section(key: str, qs, order_by) -> dict | None:
    rows = list(qs.order_by(*order_by)[: ROWS + 1])
    if not rows:
        return None
    return {"key": key, "rows": rows[:ROWS], "more": len(rows) > ROWS}


def waiting_card(user, scope: str, today: datetime.date) -> dict | None:
    if not user.is_active:
        return None
    roles = user.role_codes
    sections = []
    orders = visible_orders(user).select_related("customer")
    returns = visible_returns(user).select_related("order__customer")
    if Role.FINANCE in roles:
        sections.append(_section("review", orders.filter(status=Status.SUBMITTED), ("submitted_at", "id")))
        sections.append(_section("return_review", returns.filter(status=ReturnStatus.REQUESTED), ("created_at", "id")))
    if Role.WAREHOUSE in roles:
        sections.append(_section("outbound", orders.filter(status=Status.APPROVED), ("approved_at", "id")))
        sections.append(_section("ship", orders.filter(status=Status.OUTBOUND), ("outbound_at", "id")))
        sections.append(_section("return_receive", returns.filter(status=ReturnStatus.APPROVED),
                                 ("approved_at", "id")))
    if user.is_head or user.is_admin:
        sections.append(_section("exceptions", exceptions_to_decide(user).select_related(
            "order__customer", "line__product", "requested_by"), ("created_at", "id")))
    sections.append(_section("rejected", orders.filter(status=Status.DRAFT, created_by_id=user.pk)
                             .exclude(reject_reason=""), ("-updated_at", "-id")))
    since = timezone.now() - datetime.timedelta(days=14)
    sections.append(_section("answered", PriceException.objects.filter(
        requested_by_id=user.pk, decided_at__gte=since).exclude(state=PriceException.State.PENDING)
        .select_related("order", "line__product", "decided_by"), ("-decided_at", "-id")))
    sections = [s for s in sections if s]
    if not sections:
        return None
    return {"sections": sections, "total": sum(len(s["rows"]) for s in sections)}
