"""Race: 20 threads allocate the last units of a batch at once — exactly one may succeed.

PostgreSQL only: ``allocate`` locks the candidate batch rows (select_for_update, id order) and
re-reads them, so the second allocator waits for the first to commit and then sees 0 on hand.
SQLite serialises writing transactions (transaction_mode IMMEDIATE): no race to test.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from pharmcrm.core.errors import ApplicationError
from pharmcrm.inventory import services
from pharmcrm.inventory.models import Batch, StockMove
from tests.factories import make_user
from tests.inventory.helpers import days, make_product, make_warehouse, receive

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite serialises writing transactions (transaction_mode IMMEDIATE): no race to test"),
]

THREADS = 20


@pytest.mark.parametrize("override", [False, True])
def test_twenty_threads_allocate_the_last_units(org, override):
    keeper = make_user("race-keeper", roles=("warehouse",))
    wh, p = make_warehouse(), make_product()
    b = receive(keeper, wh, p, "LAST", "7.5", days(200))
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                services.allocate(actor=keeper, product_id=p.pk, quantity=Decimal("7.5"), ref_type="race", ref_id=n,
                                  chosen=[(b.pk, Decimal("7.5"))] if override else None)
            outcome = "ok"
        except ApplicationError as exc:
            outcome = exc.code
        except Exception as exc:
            outcome = f"error {exc!r}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("ok") == 1, results
    assert results.count("insufficient_stock") == THREADS - 1, results
    b = Batch.objects.get(pk=b.pk)
    assert b.on_hand == 0
    assert StockMove.objects.filter(batch=b).aggregate(s=Sum("quantity"))["s"] == 0
    assert StockMove.objects.filter(batch=b, kind="outbound").count() == 1
