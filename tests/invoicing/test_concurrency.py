"""Race: ten finance users issue an invoice for the same last balance at the same moment — exactly
one may succeed, and the balance is invoiced once.

PostgreSQL only: ``invoice_issue`` locks the sale entries it reads (``select_for_update`` in id
order) before checking the balance, so the others wait, then see nothing left. SQLite needs no
lock: with ``transaction_mode`` IMMEDIATE every writing transaction holds the database's write
lock from its first statement. The balance check is slowed down (``part_amount`` sleeps) so that
without the lock every thread would read the same open balance before any commits: the control
run proves the test can see the race it guards against."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from pharmcrm.core.errors import ApplicationError
from pharmcrm.invoicing import services
from pharmcrm.invoicing.models import Invoice, SaleEntry
from pharmcrm.org.models import RoleScope
from tests.factories import make_customer, make_user
from tests.invoicing.helpers import HEADER, make_product, profile, sale

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite serialises writing transactions (transaction_mode IMMEDIATE): no race to test"),
]

THREADS = 10


def _race(org, monkeypatch, *, lock: bool) -> list[str]:
    # a transactional test flushes the tables, the migration's role scopes with them
    RoleScope.objects.get_or_create(role="finance", area="invoices", defaults={"scope": "all"})
    c = make_customer(org.rep_pd1, "并发测试医药公司")
    profile(c)
    s = sale(c, make_product("并发测试药"), "10", "5").entry
    users = [make_user(f"fin_race{i}", department=org.hq, roles=("finance",)) for i in range(THREADS)]
    slow = services.part_amount

    def slowed(*a, **kw):
        time.sleep(0.3)
        return slow(*a, **kw)

    monkeypatch.setattr(services, "part_amount", slowed)
    if not lock:
        real = SaleEntry.objects.select_for_update

        monkeypatch.setattr(SaleEntry.objects, "select_for_update", lambda *a, **kw: SaleEntry.objects.all())
        assert real
    barrier = threading.Barrier(THREADS)
    results: list[str] = []

    def run(user) -> None:
        try:
            barrier.wait()
            services.invoice_issue(actor=user, customer_id=c.pk, header=HEADER,
                                   selections=[{"sale_entry_id": s.pk, "quantity": Decimal("5")}])
            results.append("issued")
        except ApplicationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Invoice.objects.count() == results.count("issued")
    return sorted(results)


def test_only_one_of_ten_concurrent_issues_passes(org, monkeypatch):
    assert _race(org, monkeypatch, lock=True) == ["issued"] + ["refused"] * (THREADS - 1)
    assert services.check_invariant() == []


def test_control_without_the_lock_several_would_pass(org, monkeypatch):
    assert _race(org, monkeypatch, lock=False).count("issued") > 1
