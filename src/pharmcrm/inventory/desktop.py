"""My Desktop's stock card (registered from ``InventoryConfig.ready()``): expired stock still on
hand and batches expiring within ``INVENTORY_EXPIRY_WARNING_DAYS`` (default 180), nearest first.
Only for warehouse staff and administrators; hidden when empty; two queries whatever the rows."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from pharmcrm.inventory.models import Batch
from pharmcrm.inventory.selectors import warning_days
from pharmcrm.inventory.services import can_manage_stock

ROWS = 8


def expiry_card(user, scope: str, today: datetime.date) -> dict | None:
    if not can_manage_stock(user):
        return None
    days = warning_days()
    qs = Batch.objects.filter(on_hand__gt=0, expiry_date__lte=today + datetime.timedelta(days=days))
    rows = list(qs.select_related("product", "warehouse").order_by("expiry_date", "id")[:ROWS])
    if not rows:
        return None
    if len(rows) < ROWS:
        total, expired = len(rows), sum(1 for b in rows if b.expiry_date < today)
    else:
        c = qs.aggregate(total=Count("id"), expired=Count("id", filter=Q(expiry_date__lt=today)))
        total, expired = c["total"], c["expired"]
    for b in rows:
        b.expired_now = b.expiry_date < today
        b.days_left = (b.expiry_date - today).days
    return {"rows": rows, "total": total, "expired": expired, "more": max(0, total - len(rows)), "days": days}
