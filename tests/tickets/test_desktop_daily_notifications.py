"""My Desktop's ticket card (assignee vs head vs peer, constant queries), the daily overdue step
(idempotent), and the notifications (after commit only)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pharmcrm.core.daily import daily_steps
from pharmcrm.notifications.models import Notification
from pharmcrm.tickets import services
from pharmcrm.tickets.daily_steps import overdue_notify
from pharmcrm.tickets.desktop import overdue_card
from pharmcrm.tickets.models import Ticket
from tests.tickets.conftest import open_ticket

pytestmark = pytest.mark.django_db


def _overdue(t: Ticket, hours: int = 3) -> None:
    Ticket.objects.filter(pk=t.pk).update(due_at=timezone.now() - datetime.timedelta(hours=hours))


def test_card_rows_for_assignee_head_and_peer(org, book):
    today = timezone.localdate()
    late = open_ticket(org.rep_pd1, book.pd1, title="逾期投诉")
    _overdue(late)
    later = open_ticket(org.rep_pd1, book.pd1, title="下周的咨询", priority="low")  # due in 72 h: not shown
    assert overdue_card(org.rep_pd1, "mine", today)["rows"] == [late]
    assert overdue_card(org.rep_pd2, "mine", today) is None  # a peer: nothing
    assert overdue_card(org.rep_pd2, "team", today) is None  # not a head: "team" falls back to mine
    team = overdue_card(org.pd_head, "team", today)
    assert team["rows"] == [late] and team["scope"] == "team" and team["overdue"] == 1
    assert overdue_card(org.sh_head, "team", today)["rows"] == [late]  # heads above, at any depth
    assert overdue_card(org.south_head, "team", today) is None  # another branch
    assert overdue_card(org.pd_head, "mine", today) is None
    # resolved: gone from both
    services.ticket_resolve(actor=org.rep_pd1, ticket_id=late.pk, resolution="ok")
    assert overdue_card(org.rep_pd1, "mine", today) is None and overdue_card(org.pd_head, "team", today) is None
    assert later.pk


def test_card_shows_my_tickets_due_later_today(org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    now = timezone.localtime()
    end_of_day = now.replace(hour=23, minute=59, second=0, microsecond=0)
    if end_of_day <= now:  # 23:59:xx: nothing is "later today"
        return
    Ticket.objects.filter(pk=t.pk).update(due_at=end_of_day)
    card = overdue_card(org.rep_pd1, "mine", timezone.localdate())
    assert card["rows"] == [t] and card["overdue"] == 0 and not card["rows"][0].overdue_now


def test_card_queries_are_constant_and_capped(org, book):
    for i in range(12):
        _overdue(open_ticket(org.rep_pd1, book.pd1, title=f"逾期{i}"))
    overdue_card(org.pd_head, "team", timezone.localdate())  # the user's roles and headed departments, once
    with CaptureQueriesContext(connection) as q:
        card = overdue_card(org.pd_head, "team", timezone.localdate())
    assert len(card["rows"]) == 8 and card["total"] == 12 and card["more"] == 4
    assert len(q) <= 3, [x["sql"] for x in q]  # the capped rows, the count (+ the subtree, if not memoised)


def test_desktop_page_shows_the_card(client, org, book):
    _overdue(open_ticket(org.rep_pd1, book.pd1, title="逾期的质量问题"))
    client.force_login(org.rep_pd1)
    body = client.get(reverse("web:desktop")).content.decode()
    assert 'data-testid="card-tickets"' in body and "逾期的质量问题" in body
    client.force_login(org.rep_pd2)
    assert 'data-testid="card-tickets"' not in client.get(reverse("web:desktop")).content.decode()


def test_daily_step_notifies_assignee_and_heads_once(org, book, django_capture_on_commit_callbacks):
    t = open_ticket(org.rep_pd1, book.pd1)
    _overdue(t)
    open_ticket(org.rep_pd1, book.pd1, title="未逾期")
    assert "tickets" in {s.key for s in daily_steps()}
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_notify() == 1
    got = set(Notification.objects.filter(kind="ticket_overdue").values_list("recipient_id", flat=True))
    assert got == {org.rep_pd1.pk, org.pd_head.pk}  # the assignee and the head of their department
    n = Notification.objects.get(kind="ticket_overdue", recipient=org.rep_pd1)
    assert n.link == reverse("web:ticket_detail", args=[t.pk])
    from pharmcrm.notifications.kinds import kind_of

    assert t.number in kind_of("ticket_overdue").render(n)
    # a second run (same day, cron retry) notifies nobody
    with django_capture_on_commit_callbacks(execute=True):
        overdue_notify()
    assert Notification.objects.filter(kind="ticket_overdue").count() == 2


def test_overdue_head_who_cannot_see_the_customer_is_not_told(org, book, django_capture_on_commit_callbacks):
    from tests.factories import make_share

    make_share(book.gz, user=org.rep_pd1, access="write")  # 刘洋's customer, shared with 张伟
    t = open_ticket(org.rep_pd1, book.gz)
    _overdue(t)
    with django_capture_on_commit_callbacks(execute=True):
        overdue_notify()
    got = set(Notification.objects.filter(kind="ticket_overdue").values_list("recipient_id", flat=True))
    assert got == {org.rep_pd1.pk}  # pd_head cannot see 广州医药


def test_assignment_notifies_after_commit_only(org, book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        t = open_ticket(org.rep_pd1, book.pd1, assignee_id=org.pd_head.pk)
    n = Notification.objects.get(kind="ticket_assigned")
    assert n.recipient == org.pd_head and n.key.startswith(f"ticket-assigned:{t.pk}:")
    # creating for oneself: nobody is told
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(org.rep_pd1, book.pd1)
    assert Notification.objects.filter(kind="ticket_assigned").count() == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_assignment_notifies_nobody(org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    try:
        with transaction.atomic():
            services.ticket_assign(actor=org.rep_pd1, ticket_id=t.pk, assignee_id=org.pd_head.pk)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert Ticket.objects.get(pk=t.pk).assignee == org.rep_pd1
    assert not Notification.objects.filter(kind="ticket_assigned").exists()
    services.ticket_assign(actor=org.rep_pd1, ticket_id=t.pk, assignee_id=org.pd_head.pk)
    assert Notification.objects.filter(kind="ticket_assigned", recipient=org.pd_head).count() == 1


def test_an_assignee_who_lost_the_customer_is_not_told(org, book, django_capture_on_commit_callbacks):
    from tests.factories import make_share

    share = make_share(book.pd1, user=org.rep_px, access="read")
    t = open_ticket(org.rep_pd1, book.pd1, assignee_id=org.rep_px.pk)
    _overdue(t)
    share.delete()  # 王芳 no longer sees 上海仁济医院
    with django_capture_on_commit_callbacks(execute=True):
        overdue_notify()
    assert not Notification.objects.filter(kind="ticket_overdue", recipient=org.rep_px).exists()


def test_a_head_is_told_by_the_nearest_head_above(org, book, django_capture_on_commit_callbacks):
    """pd_head heads 浦东组 himself: his own overdue ticket goes to him and to 上海经理 (above)."""
    t = open_ticket(org.pd_head, book.pd1)
    _overdue(t)
    with django_capture_on_commit_callbacks(execute=True):
        overdue_notify()
    got = set(Notification.objects.filter(kind="ticket_overdue").values_list("recipient_id", flat=True))
    assert got == {org.pd_head.pk, org.sh_head.pk}
