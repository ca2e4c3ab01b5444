"""Concurrent clicks: 20 threads approve the same submitted order at once — exactly one succeeds
(one APPROVED line in its timeline, one audit record, the approval listeners called once); the
others are told the order is no longer awaiting review. Plus a stale second click without any
lock, and order numbers unique under concurrency. Threads only on PostgreSQL (the in-memory SQLite
test database locks tables instead of waiting)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.models import AuditEvent
from pharmcrm.sales import services
from pharmcrm.sales.models import OrderEvent, SalesOrder
from tests.sales.conftest import new_order

THREADS = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database locks tables instead of waiting: no threads on it")


@pytest.mark.django_db
def test_a_stale_second_click_changes_nothing(org, book, monkeypatch):
    o = new_order(org.rep_pd1, book.pd1)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    stale = services._order_for_change(org.finance, o.pk)  # read as "submitted"
    services.order_approve(actor=org.finance, order_id=o.pk)
    monkeypatch.setattr(services, "_order_for_change", lambda actor, order_id: stale)
    with pytest.raises(ApplicationError) as exc:
        services.order_reject(actor=org.finance, order_id=o.pk, reason="晚了一步")
    assert exc.value.code == "illegal_transition"
    assert SalesOrder.objects.get(pk=o.pk).status == "approved"
    assert not OrderEvent.objects.filter(order_id=o.pk, kind="rejected").exists()


@THREADS
@pytest.mark.django_db(transaction=True)
def test_twenty_approvals_apply_once(org, book):
    o = new_order(org.rep_pd1, book.pd1)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    n = 20
    barrier = threading.Barrier(n)
    results: list[str] = []
    calls: list[int] = []

    def listener(actor, order):
        calls.append(order.pk)

    def run() -> None:
        try:
            barrier.wait()
            services.order_approve(actor=org.finance, order_id=o.pk)
            results.append("approved")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    services.approved_listeners.append(listener)
    try:
        threads = [threading.Thread(target=run) for _ in range(n)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    finally:
        services.approved_listeners.remove(listener)
    assert results.count("approved") == 1
    assert results.count("illegal_transition") == n - 1
    assert calls == [o.pk]
    assert OrderEvent.objects.filter(order_id=o.pk, kind="approved").count() == 1
    assert AuditEvent.objects.filter(action="order_approve", target_id=o.pk).count() == 1
    assert SalesOrder.objects.get(pk=o.pk).status == "approved"


@THREADS
@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_under_concurrency(org, book):
    barrier = threading.Barrier(6)
    numbers: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            numbers.append(new_order(org.rep_pd1, book.pd1).number)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert len(numbers) == 6 and len(set(numbers)) == 6


def _in_threads(n: int, fn) -> list[str]:
    barrier = threading.Barrier(n)
    results: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            fn(i)
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return results


def _approved_order(org, book, qty: str):
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": qty}])
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    return services.order_approve(actor=org.finance, order_id=o.pk)


def _stock(org, book, qty: str):
    import datetime

    from django.utils import timezone

    from tests.inventory.helpers import make_warehouse, receive

    return receive(book.keeper, make_warehouse(), book.product, "LAST1", qty,
                   timezone.localdate() + datetime.timedelta(days=500))


@THREADS
@pytest.mark.django_db(transaction=True)
def test_twenty_outbounds_of_one_order_take_the_last_units_once(org, book):
    from pharmcrm.inventory.models import Batch, StockMove
    from pharmcrm.invoicing.services import check_invariant
    from pharmcrm.sales.models import OrderLineAllocation

    batch = _stock(org, book, "8")
    o = _approved_order(org, book, "8")
    results = _in_threads(20, lambda i: services.order_outbound(actor=book.keeper, order_id=o.pk))
    assert results.count("ok") == 1 and results.count("illegal_transition") == 19, results
    assert Batch.objects.get(pk=batch.pk).on_hand == 0
    assert OrderLineAllocation.objects.filter(line__order=o).count() == 1
    assert StockMove.objects.filter(batch=batch, kind="outbound").count() == 1
    assert OrderEvent.objects.filter(order_id=o.pk, kind="outbound").count() == 1
    assert SalesOrder.objects.get(pk=o.pk).status == "outbound"
    assert check_invariant(book.pd1.pk) == []


@THREADS
@pytest.mark.django_db(transaction=True)
def test_ten_orders_racing_for_the_last_units_of_a_batch_one_wins(org, book):
    from pharmcrm.inventory.models import Batch
    from pharmcrm.invoicing.services import check_invariant

    batch = _stock(org, book, "5")
    orders = [_approved_order(org, book, "5") for _ in range(10)]
    results = _in_threads(10, lambda i: services.order_outbound(actor=book.keeper, order_id=orders[i].pk))
    assert results.count("ok") == 1, results
    assert results.count("insufficient_stock") == 9, results
    assert Batch.objects.get(pk=batch.pk).on_hand == 0
    statuses = sorted(SalesOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True))
    assert statuses == ["approved"] * 9 + ["outbound"]
    assert check_invariant(book.pd1.pk) == []
