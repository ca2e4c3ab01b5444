"""Race: two overlapping exclusive drafts put in force at the same moment — only one may pass.

PostgreSQL only: the activation takes a transaction-scoped advisory lock per product
(``agency.overlap.lock_products``) before looking for conflicts, so the second activation waits
for the first to commit and then sees it. SQLite needs no lock: with ``transaction_mode``
IMMEDIATE every writing transaction holds the database's write lock from its first statement.

The conflict search is slowed down (it sleeps after reading) so that without the lock both
threads would read "no conflict" before either commits: the control run proves the test can
see the race it guards against.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from pharmcrm.agency import overlap, services
from pharmcrm.agency.conflicts import OverlapError
from pharmcrm.agency.models import AgencyAgreement
from tests.agency.helpers import make_agreement, make_product
from tests.factories import make_customer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite serialises writing transactions (transaction_mode IMMEDIATE): no race to test"),
]


def _race(org, monkeypatch, *, lock: bool) -> list[str]:
    product = make_product("并发测试药")
    a_agent = make_customer(org.rep_pd1, "并发代理商甲", type="agent")
    b_agent = make_customer(org.rep_pd2, "并发代理商乙", type="agent")
    a = make_agreement(a_agent, actor=org.admin, products=[product], regions=["330000"])
    b = make_agreement(b_agent, actor=org.admin, products=[product], regions=["330106"])
    slow_find = overlap.find_conflicts

    def slow(**kw):
        found = slow_find(**kw)
        time.sleep(0.5)  # both threads have read before either commits — unless the lock serialises them
        return found

    monkeypatch.setattr(overlap, "find_conflicts", slow)
    if not lock:
        monkeypatch.setattr(overlap, "lock_products", lambda ids: None)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(pk: int) -> None:
        try:
            barrier.wait()
            services.agreement_activate(actor=org.admin, agreement_id=pk)
            results.append("active")
        except OverlapError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in (a.pk, b.pk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert AgencyAgreement.objects.filter(status="active").count() == results.count("active")
    return sorted(results)


def test_two_concurrent_activations_cannot_both_pass(org, monkeypatch):
    assert _race(org, monkeypatch, lock=True) == ["active", "refused"]


def test_control_without_the_lock_both_would_pass(org, monkeypatch):
    assert _race(org, monkeypatch, lock=False) == ["active", "active"]
