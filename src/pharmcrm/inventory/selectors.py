"""The only readers of stock (库存/批号).

Stock is not customer data: every active user may read it (a rep checks what is in stock before
promising a delivery); an inactive user reads nothing. Writing is in ``services``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.core.pinyin import normalise
from pharmcrm.inventory.models import Batch, BatchStatus, StockAdjustment, StockMove, StockReceipt, Warehouse


def warning_days() -> int:
    """Near expiry (近效期) window: settings.PHARMCRM["INVENTORY_EXPIRY_WARNING_DAYS"], default 180."""
    return int(settings.PHARMCRM.get("INVENTORY_EXPIRY_WARNING_DAYS", 180))


def available_batches(*, product_id: int, min_expiry: datetime.date | None = None, warehouse_id: int | None = None,
                      today: datetime.date | None = None) -> QuerySet:
    """Batches that may be allocated, nearest expiry first (expiry_date, id): status available,
    on hand > 0, not expired (expiry_date >= today, the local day) and expiry_date >= min_expiry
    (the customer's minimum remaining shelf life as a date), optionally in one warehouse."""
    today = today or timezone.localdate()
    floor = max(today, min_expiry) if min_expiry else today
    qs = Batch.objects.filter(product_id=product_id, status=BatchStatus.AVAILABLE, on_hand__gt=0,
                              expiry_date__gte=floor)
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.order_by("expiry_date", "id")


def _reader(actor) -> bool:
    return bool(actor and actor.is_active)


@dataclass
class BatchFilters:
    q: str = ""  # product: name, pinyin, approval number; or a batch number
    product_id: int | None = None
    warehouse_id: int | None = None
    status: str = ""
    expiring_days: int | None = None  # expires within N days (not yet expired)
    expired: bool = False
    with_stock: bool = True  # on hand > 0 only
    sort: str = "expiry"


SORTS = {
    "expiry": ("expiry_date", "id"),
    "-expiry": ("-expiry_date", "-id"),
    "product": ("product__generic_name", "product_id", "expiry_date", "id"),
    "-product": ("-product__generic_name", "-product_id", "expiry_date", "id"),
    "on_hand": ("on_hand", "id"),
    "-on_hand": ("-on_hand", "id"),
}


def batch_list(*, actor, filters: BatchFilters | None = None, today: datetime.date | None = None) -> QuerySet:
    f = filters or BatchFilters()
    if not _reader(actor):
        return Batch.objects.none()
    today = today or timezone.localdate()
    qs = Batch.objects.select_related("product", "warehouse")
    term = (f.q or "").strip()[:100]
    if term:
        key = normalise(term)
        cond = Q(batch_no__icontains=term)
        if key:
            cond |= Q(product__search_text__contains=key)
        cond |= Q(product__approval_number__icontains=term)
        qs = qs.filter(cond)
    if f.product_id:
        qs = qs.filter(product_id=f.product_id)
    if f.warehouse_id:
        qs = qs.filter(warehouse_id=f.warehouse_id)
    if f.status in BatchStatus.values:
        qs = qs.filter(status=f.status)
    if f.expired:
        qs = qs.filter(expiry_date__lt=today)
    if f.expiring_days is not None:
        qs = qs.filter(expiry_date__gte=today, expiry_date__lte=today + datetime.timedelta(days=f.expiring_days))
    if f.with_stock:
        qs = qs.filter(on_hand__gt=0)
    return qs.order_by(*SORTS.get(f.sort, SORTS["expiry"]))


def batch_get(*, actor, batch_id: int) -> Batch:
    batch = None
    if _reader(actor):
        batch = Batch.objects.select_related("product", "warehouse").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("Batch not found."))
    return batch


def batch_moves(*, actor, batch_id: int, limit: int = 500) -> list[StockMove]:
    """The batch's ledger, newest first (at most ``limit`` rows)."""
    batch_get(actor=actor, batch_id=batch_id)
    moves = list(StockMove.objects.filter(batch_id=batch_id).select_related("actor").order_by("-at", "-id")[:limit])
    adjustments = StockAdjustment.objects.in_bulk(
        [m.ref_id for m in moves if m.ref_type == "inventory.adjustment" and m.ref_id])
    for m in moves:  # an adjustment's reason, in the reader's language
        adj = adjustments.get(m.ref_id) if m.ref_type == "inventory.adjustment" else None
        m.reason_label = str(adj.get_reason_display()) if adj else ""
    return moves


def batch_adjustments(*, actor, batch_id: int) -> list[StockAdjustment]:
    batch_get(actor=actor, batch_id=batch_id)
    return list(StockAdjustment.objects.filter(batch_id=batch_id).select_related("created_by"))


def expiry_state(batch: Batch, today: datetime.date | None = None) -> str:
    """"expired", "near" (within the warning window) or ""."""
    today = today or timezone.localdate()
    if batch.expiry_date < today:
        return "expired"
    if batch.expiry_date <= today + datetime.timedelta(days=warning_days()):
        return "near"
    return ""


@dataclass
class ReceiptFilters:
    q: str = ""  # number or supplier
    warehouse_id: int | None = None
    day_from: datetime.date | None = None
    day_to: datetime.date | None = None


def receipt_list(*, actor, filters: ReceiptFilters | None = None) -> QuerySet:
    f = filters or ReceiptFilters()
    if not _reader(actor):
        return StockReceipt.objects.none()
    qs = StockReceipt.objects.select_related("warehouse", "created_by")
    term = (f.q or "").strip()[:100]
    if term:
        qs = qs.filter(Q(number__icontains=term) | Q(supplier__icontains=term))
    if f.warehouse_id:
        qs = qs.filter(warehouse_id=f.warehouse_id)
    if f.day_from:
        qs = qs.filter(received_on__gte=f.day_from)
    if f.day_to:
        qs = qs.filter(received_on__lte=f.day_to)
    return qs.order_by("-received_on", "-id")


def receipt_get(*, actor, receipt_id: int) -> StockReceipt:
    receipt = None
    if _reader(actor):
        receipt = (StockReceipt.objects.select_related("warehouse", "created_by")
                   .prefetch_related("lines__product", "lines__batch").filter(pk=receipt_id).first())
    if receipt is None:
        raise NotFound(_("Receipt not found."))
    return receipt


def warehouse_list(*, actor, active_only: bool = False) -> QuerySet:
    if not _reader(actor):
        return Warehouse.objects.none()
    qs = Warehouse.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("code", "id")


def warehouse_get(*, actor, warehouse_id: int) -> Warehouse:
    wh = Warehouse.objects.filter(pk=warehouse_id).first() if _reader(actor) else None
    if wh is None:
        raise NotFound(_("Warehouse not found."))
    return wh
