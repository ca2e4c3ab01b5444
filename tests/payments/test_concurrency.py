"""Concurrent allocations: 10 threads allocate the last outstanding of one order at once, each
from its own payment's credit — exactly the outstanding is allocated (one succeeds, the others
are told the order owes less), and every total still adds up. Threads only on PostgreSQL (the
in-memory SQLite test database locks tables instead of waiting)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from pharmcrm.core.errors import ApplicationError
from pharmcrm.payments import services
from pharmcrm.payments.models import Payment, PaymentAllocation
from tests.payments.conftest import order_for

THREADS = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database locks tables instead of waiting: no threads on it")


@THREADS
@pytest.mark.django_db(transaction=True)
def test_ten_threads_allocate_the_last_outstanding_once(org, pay):
    order = order_for(org.rep_pd1, pay.c1, "100", days_ago=5)
    services.payment_record(actor=org.finance, data={"customer_id": pay.c1.pk, "amount": "70"})
    payments = [services.payment_record(actor=org.finance, data={"customer_id": pay.c1.pk, "amount": "30",
                                                                  "allocations": []}) for _ in range(10)]
    n = len(payments)
    barrier = threading.Barrier(n)
    results: list[str] = []

    def run(p) -> None:
        try:
            barrier.wait()
            services.payment_allocate(actor=org.finance, payment_id=p.pk,
                                      allocations=[{"order_id": order.pk, "amount": "30"}])
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in payments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["invalid"] * (n - 1) + ["ok"]
    order.refresh_from_db()
    assert order.paid_total == Decimal("100.00") and order.outstanding == 0
    active = PaymentAllocation.objects.filter(order=order, released_at__isnull=True)
    assert sum(a.amount for a in active) == Decimal("100.00")
    assert sum(p.allocated_total for p in Payment.objects.all()) == Decimal("100.00")


@THREADS
@pytest.mark.django_db(transaction=True)
def test_ten_threads_auto_allocate_never_overpay(org, pay):
    order = order_for(org.rep_pd1, pay.c1, "100", days_ago=5)
    n = 10
    barrier = threading.Barrier(n)
    errors: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            services.payment_record(actor=org.finance, data={"customer_id": pay.c1.pk, "amount": "30"})
        except ApplicationError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    order.refresh_from_db()
    assert 0 <= order.paid_total <= Decimal("100.00")
    active = PaymentAllocation.objects.filter(order=order, released_at__isnull=True)
    assert sum(a.amount for a in active) == order.paid_total
    assert errors == [] and Payment.objects.count() == n  # the proposal is made from the locked rows
    assert order.paid_total == Decimal("100.00")
