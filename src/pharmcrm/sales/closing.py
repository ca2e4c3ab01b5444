"""Automatic closing (DOMAIN.md "The sales flow"; issue 5 item 1): an order that has shipped
(shipped or received) closes by itself once it is **fully paid** (outstanding 0, returns taken
off) and **fully invoiced** — by invoices from stored balances or settled by pre-invoices. It
reopens by itself (back to received, or shipped) when that stops being true: a payment is
cancelled or released, an invoice is reversed (红冲).

Other areas tell it when something changed (``order_settle_sync``) and say what "fully invoiced"
means (``invoiced_checks``: the invoicing app registers one; with none registered, payment
alone decides). Runs inside the caller's transaction, with the order row locked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from pharmcrm.core.audit import audit_record
from pharmcrm.sales.models import EventKind, OrderEvent, SalesOrder, Status

# fn(order) -> bool: is every line of the order covered by invoices (or settled)?
invoiced_checks: list[Callable[[SalesOrder], bool]] = []

SETTLEABLE = (Status.SHIPPED, Status.RECEIVED)


def is_settled(order: SalesOrder) -> bool:
    return order.outstanding <= 0 and all(check(order) for check in invoiced_checks)


def _set(order: SalesOrder, actor, before: str, target: str, kind: str, note: str) -> bool:
    now = timezone.now()
    if SalesOrder.objects.filter(pk=order.pk, status=before).update(status=target, updated_at=now) != 1:
        return False
    order.status = target
    OrderEvent.objects.create(order=order, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
                              note=note, from_status=before, to_status=target, at=now)
    audit_record(actor=actor if getattr(actor, "pk", None) else None, action=f"order_{kind}", target=order,
                 customer_id=order.customer_id, changes={"status": [before, target]})
    return True


def order_settle_sync(*, actor, order_id: int, note: str = "") -> str:
    """Close the order if it is settled, reopen it if it is closed and no longer settled.
    Returns the order's status afterwards. Must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_settle_sync must run inside the caller's transaction.")
    order = SalesOrder.objects.select_for_update(of=("self",)).get(pk=order_id)
    if order.status in SETTLEABLE and is_settled(order):
        _set(order, actor, order.status, Status.CLOSED, EventKind.CLOSED, note)
    elif order.status == Status.CLOSED and not is_settled(order):
        back = Status.RECEIVED if order.received_on else Status.SHIPPED
        _set(order, actor, Status.CLOSED, back, EventKind.REOPENED, note)
    return order.status


def orders_settle_sync(*, actor, order_ids: Iterable[int], note: str = "") -> None:
    for oid in sorted(set(order_ids)):
        order_settle_sync(actor=actor, order_id=oid, note=note)


def order_close_if_settled(*, actor, order_id: int) -> str:
    """The name the payments area calls (same as ``order_settle_sync``)."""
    return order_settle_sync(actor=actor, order_id=order_id)
