"""Simultaneous claims (PostgreSQL, real threads and connections): of several people claiming the
same pool customer at the same moment exactly one wins; one person's simultaneous claims of
different customers respect the daily limit. SQLite serialises every write transaction
(``transaction_mode=IMMEDIATE``), so the race cannot happen there and the test is skipped."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.customers import pool
from pharmcrm.customers import pool_services as ps
from pharmcrm.customers.models import Customer, PoolEvent, PoolPolicy
from pharmcrm.org.models import User
from tests.factories import make_customer, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite serialises write transactions: no concurrent claims to race"),
]


def _race(calls) -> list:
    """Run every call in its own thread and connection, released together; their outcomes."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", fn())
        except NotFound:  # the customer left the pool before this claim looked: a peer no longer sees it
            results[i] = ("refused", "not_found")
        except ApplicationError as exc:
            results[i] = ("refused", exc.code)
        except Exception as exc:
            results[i] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_only_one_of_simultaneous_claims_wins(org):
    reps = [make_user(f"claimer{i}", department=org.pd) for i in range(6)]
    c = make_customer(org.rep_pd1)
    ps.customer_release(actor=User.objects.get(pk=org.rep_pd1.pk), customer_id=c.pk, reason="并发测试")

    def claim(user):
        return lambda: ps.customer_claim(actor=User.objects.get(pk=user.pk), customer_id=c.pk).owner_id

    results = _race([claim(u) for u in reps])
    winners = [r for r in results if r[0] == "ok"]
    assert len(winners) == 1, results
    assert all(r in {("refused", "already_claimed"), ("refused", "not_in_pool"), ("refused", "not_found")}
               for r in results if r[0] != "ok"), results
    assert Customer.objects.get(pk=c.pk).owner_id == winners[0][1]
    assert PoolEvent.objects.filter(customer=c, kind="claim").count() == 1


def test_one_persons_simultaneous_claims_respect_the_daily_limit(org):
    PoolPolicy.objects.create(pk=1, claims_per_day=2)
    pool.policy_forget()
    customers = []
    for _ in range(5):
        c = make_customer(org.rep_pd1)
        ps.customer_release(actor=User.objects.get(pk=org.rep_pd1.pk), customer_id=c.pk, reason="并发测试")
        customers.append(c)

    def claim(c):
        return lambda: ps.customer_claim(actor=User.objects.get(pk=org.rep_pd2.pk), customer_id=c.pk).pk

    results = _race([claim(c) for c in customers])
    assert sum(r[0] == "ok" for r in results) == 2, results
    assert all(r == ("refused", "daily_limit") for r in results if r[0] != "ok"), results
    assert Customer.objects.filter(owner=org.rep_pd2).count() == 2
