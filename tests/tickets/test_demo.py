"""The demo tickets loader on a small company: mixed states, dated back, some overdue, some
closed with a satisfaction score, the same result twice (deterministic), whatever the hour."""

import pytest
from django.utils import timezone

from pharmcrm.demo.gen_tickets import tickets_load
from pharmcrm.tickets.models import Ticket, TicketEvent
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _load(org, now):
    users = {u.username: u for u in (org.rep_pd1, org.rep_pd2, org.pd_head, org.rep_px, org.rep_gz)}
    users["zhangwei"] = org.rep_pd1
    ids = [make_customer(u, f"演示客户{i}-{u.username}").pk for i in range(12)
           for u in (org.rep_pd1, org.rep_pd2, org.rep_px, org.rep_gz)]
    return tickets_load(seed=7, customer_ids=ids, users=users, fresh=lambda u: u, now=now)


def test_demo_tickets(org):
    now = timezone.now()
    counts = _load(org, now)
    assert counts["tickets"] == Ticket.objects.count() >= 45
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == {"open", "in_progress", "resolved", "closed"}
    assert Ticket.objects.filter(status="closed", satisfaction__isnull=False).exists()
    assert counts["tickets_overdue"] >= 2
    mine = Ticket.objects.filter(assignee=org.rep_pd1, status__in=("open", "in_progress"))
    assert sum(t.due_at < now for t in mine) >= 2 and any(t.due_at > now for t in mine)
    assert not TicketEvent.objects.filter(at__gt=now).exists()
    for t in Ticket.objects.filter(status="closed"):
        assert t.opened_at <= t.resolved_at <= t.closed_at <= now
