"""A double click: two requests close the same resolved ticket at the same moment — it closes
once (one CLOSED line in its timeline, one audit record), the other request is told the ticket is
no longer resolved. SQLite serialises writing transactions (transaction_mode IMMEDIATE);
PostgreSQL serialises on the ticket's row lock (select_for_update), and the state change is a
conditional UPDATE on the status read in any case."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.models import AuditEvent
from pharmcrm.tickets import services
from pharmcrm.tickets.models import Ticket, TicketEvent
from tests.factories import make_customer

THREADS = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database locks tables instead of waiting: no threads on it (the app's "
           "file database serialises writers with transaction_mode IMMEDIATE)")


@pytest.mark.django_db
def test_a_stale_second_click_changes_nothing(org, monkeypatch):
    """Without any lock (the second request read the ticket before the first committed), the
    conditional UPDATE on the status read refuses the second close."""
    customer = make_customer(org.rep_pd1, "双击医院", type="hospital")
    t = services.ticket_create(actor=org.rep_pd1, customer_id=customer.pk, data={"title": "双击关闭"})
    services.ticket_resolve(actor=org.rep_pd1, ticket_id=t.pk, resolution="已处理")
    stale = services._ticket_for_change(org.rep_pd1, t.pk)  # read as "resolved"
    services.ticket_close(actor=org.rep_pd1, ticket_id=t.pk, satisfaction=5)
    monkeypatch.setattr(services, "_ticket_for_change", lambda actor, ticket_id: stale)
    with pytest.raises(ApplicationError) as exc:
        services.ticket_close(actor=org.rep_pd1, ticket_id=t.pk, satisfaction=1)
    assert exc.value.code == "illegal_transition"
    t.refresh_from_db()
    assert t.satisfaction == 5
    assert TicketEvent.objects.filter(ticket_id=t.pk, kind="closed").count() == 1
    assert AuditEvent.objects.filter(action="ticket_close", target_id=t.pk).count() == 1




@THREADS
@pytest.mark.django_db(transaction=True)
def test_double_close_applies_once(org):
    customer = make_customer(org.rep_pd1, "并发医院", type="hospital")
    t = services.ticket_create(actor=org.rep_pd1, customer_id=customer.pk, data={"title": "并发关闭"})
    services.ticket_resolve(actor=org.rep_pd1, ticket_id=t.pk, resolution="已处理")
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(score: int) -> None:
        try:
            barrier.wait()
            services.ticket_close(actor=org.rep_pd1, ticket_id=t.pk, satisfaction=score)
            results.append("closed")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in (4, 5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(results) == ["closed", "illegal_transition"]
    assert TicketEvent.objects.filter(ticket_id=t.pk, kind="closed").count() == 1
    assert AuditEvent.objects.filter(action="ticket_close", target_id=t.pk).count() == 1
    assert Ticket.objects.get(pk=t.pk).status == "closed"


@THREADS
@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_under_concurrency(org):
    customer = make_customer(org.rep_pd1, "并发编号医院", type="hospital")
    barrier = threading.Barrier(4)
    numbers: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            numbers.append(services.ticket_create(actor=org.rep_pd1, customer_id=customer.pk,
                                                  data={"title": "并发编号"}).number)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert len(numbers) == 4 and len(set(numbers)) == 4
