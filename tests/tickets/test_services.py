"""The ticket services: creation (number, SLA, checks), every transition legal and illegal,
who may act, assignment, edits, comments, audit and timeline."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.tickets import services, sla
from pharmcrm.tickets.models import Status, Ticket, TicketEvent
from tests.factories import make_share
from tests.tickets.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_create_numbers_sla_event_and_audit(org, book):
    before = timezone.now()
    t = open_ticket(org.rep_pd1, book.pd1, type="complaint", priority="urgent", contact_id=book.wang.pk,
                    product_id=book.product.pk, batch_no="B20260301", description="包装破损")
    year = timezone.localtime(t.opened_at).year
    assert t.number == f"FW-{year}-000001"
    assert open_ticket(org.rep_pd1, book.pd1).number == f"FW-{year}-000002"
    assert t.status == Status.OPEN and t.assignee == org.rep_pd1 and t.created_by == org.rep_pd1
    assert t.due_at == t.opened_at + datetime.timedelta(hours=4) and t.opened_at >= before
    assert list(t.events.values_list("kind", flat=True)) == ["created"]
    audit = AuditEvent.objects.get(action="ticket_create", target_id=t.pk)
    assert audit.customer_id == book.pd1.pk and audit.changes["number"] == [None, t.number]


def test_create_validation_messages(org, book):
    with pytest.raises(ApplicationError) as exc:
        services.ticket_create(actor=org.rep_pd1, customer_id=book.pd1.pk,
                               data={"title": "  ", "type": "nonsense", "priority": "asap", "contact_id": 999999,
                                     "product_id": 999999})
    assert set(exc.value.fields) >= {"title", "type", "priority", "contact_id", "product_id"}
    with pytest.raises(ApplicationError) as exc:
        open_ticket(org.rep_pd1, book.pd1, batch_no="B1")
    assert "batch_no" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        open_ticket(org.rep_pd1, book.pd1, colour="red")
    assert exc.value.code == "unknown_field"
    # a contact of another customer
    from tests.contacts.conftest import new_contact

    other = new_contact(org.rep_pd2, book.pd2)
    with pytest.raises(ApplicationError) as exc:
        open_ticket(org.rep_pd1, book.pd1, contact_id=other.pk)
    assert "contact_id" in exc.value.fields
    assert not Ticket.objects.exists()


def test_create_rights(org, book):
    with pytest.raises(NotFound):
        open_ticket(org.rep_pd2, book.pd1)  # a peer cannot see it
    make_share(book.pd1, user=org.rep_px, access="read")
    with pytest.raises(PermissionDenied):
        open_ticket(org.rep_px, book.pd1)  # read-only share
    assert open_ticket(org.pd_head, book.pd1).assignee == org.pd_head  # a head above writes


def test_assignee_must_see_the_customer_and_be_active(org, book):
    with pytest.raises(ApplicationError) as exc:
        open_ticket(org.rep_pd1, book.pd1, assignee_id=org.rep_pd2.pk)
    assert "assignee_id" in exc.value.fields and "李娜" in exc.value.message
    org.rep_pd2.is_active = False
    org.rep_pd2.save()
    make_share(book.pd1, user=org.rep_pd2, access="read")
    with pytest.raises(ApplicationError):
        open_ticket(org.rep_pd1, book.pd1, assignee_id=org.rep_pd2.pk)
    make_share(book.pd1, user=org.rep_px, access="read")
    t = open_ticket(org.rep_pd1, book.pd1, assignee_id=org.rep_px.pk)
    assert t.assignee == org.rep_px


# --- the state machine, every (action, status) pair -----------------------------------------------

def _at(org, book, status: str) -> Ticket:
    t = open_ticket(org.rep_pd1, book.pd1)
    path = {Status.OPEN: [], Status.IN_PROGRESS: ["start"], Status.RESOLVED: ["resolve"],
            Status.CLOSED: ["resolve", "close"]}[status]
    for step in path:
        _do(step, org.rep_pd1, t)
    t.refresh_from_db()
    assert t.status == status
    return t


def _do(action: str, actor, t: Ticket, **kw):
    if action == "start":
        return services.ticket_start(actor=actor, ticket_id=t.pk, **kw)
    if action == "resolve":
        return services.ticket_resolve(actor=actor, ticket_id=t.pk, resolution=kw.get("resolution", "已补发说明书"))
    if action == "close":
        return services.ticket_close(actor=actor, ticket_id=t.pk, satisfaction=kw.get("satisfaction", 5),
                                     comment=kw.get("comment", "满意"))
    return services.ticket_reopen(actor=actor, ticket_id=t.pk, note=kw.get("note", "客户再次反馈"))


LEGAL = {("start", "open"): "in_progress", ("resolve", "open"): "resolved", ("resolve", "in_progress"): "resolved",
         ("close", "resolved"): "closed", ("reopen", "resolved"): "in_progress", ("reopen", "closed"): "in_progress"}


@pytest.mark.parametrize("action", ["start", "resolve", "close", "reopen"])
@pytest.mark.parametrize("status", ["open", "in_progress", "resolved", "closed"])
def test_every_transition(org, book, action, status):
    t = _at(org, book, status)
    events = t.events.count()
    if (action, status) in LEGAL:
        after = _do(action, org.rep_pd1, t)
        assert after.status == LEGAL[(action, status)]
        assert t.events.count() == events + 1
        assert AuditEvent.objects.filter(action=f"ticket_{action}", target_id=t.pk).exists()
    else:
        with pytest.raises(ApplicationError) as exc:
            _do(action, org.rep_pd1, t)
        assert exc.value.code == "illegal_transition"
        t.refresh_from_db()
        assert t.status == status and t.events.count() == events


def test_resolve_needs_a_resolution_and_close_a_valid_score(org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    with pytest.raises(ApplicationError) as exc:
        services.ticket_resolve(actor=org.rep_pd1, ticket_id=t.pk, resolution="   ")
    assert "resolution" in exc.value.fields
    services.ticket_resolve(actor=org.rep_pd1, ticket_id=t.pk, resolution="电话解释用法")
    for bad in (0, 6, "5", True):
        with pytest.raises(ApplicationError) as exc:
            services.ticket_close(actor=org.rep_pd1, ticket_id=t.pk, satisfaction=bad)
        assert "satisfaction" in exc.value.fields
    t = services.ticket_close(actor=org.rep_pd1, ticket_id=t.pk, satisfaction=4, comment="回复及时")
    assert (t.status, t.satisfaction, t.satisfaction_comment) == ("closed", 4, "回复及时")
    assert t.resolved_at and t.closed_at and t.resolution == "电话解释用法"
    close = t.events.get(kind="closed")
    assert close.changes["satisfaction"] == [None, 4]


def test_close_without_a_score_is_allowed(org, book):
    t = _at(org, book, "resolved")
    t = services.ticket_close(actor=org.rep_pd1, ticket_id=t.pk)
    assert t.status == "closed" and t.satisfaction is None


def test_reopen_needs_a_reason_resets_and_gets_a_new_due_time(org, book):
    t = _at(org, book, "closed")
    with pytest.raises(ApplicationError):
        services.ticket_reopen(actor=org.rep_pd1, ticket_id=t.pk, note="")
    t = services.ticket_reopen(actor=org.rep_pd1, ticket_id=t.pk, note="客户说问题仍在")
    assert (t.status, t.reopen_count, t.satisfaction, t.closed_at, t.resolved_at) == ("in_progress", 1, None,
                                                                                      None, None)
    assert t.due_at > timezone.now() + datetime.timedelta(hours=47)


def test_who_may_act(org, book):
    make_share(book.pd1, user=org.rep_px, access="read")
    t = open_ticket(org.rep_pd1, book.pd1, assignee_id=org.rep_px.pk)
    # the assignee with a read-only share may work on it
    services.ticket_start(actor=org.rep_px, ticket_id=t.pk)
    services.ticket_resolve(actor=org.rep_px, ticket_id=t.pk, resolution="已处理")
    services.ticket_close(actor=org.rep_px, ticket_id=t.pk, satisfaction=3)
    # ... but a closed ticket is reopened only by the customer's writers
    with pytest.raises(PermissionDenied):
        services.ticket_reopen(actor=org.rep_px, ticket_id=t.pk, note="再看看")
    services.ticket_reopen(actor=org.pd_head, ticket_id=t.pk, note="组长复核")
    # a reader who is not the assignee may do nothing
    make_share(book.pd1, user=org.rep_pd2, access="read")
    for fn, kw in ((services.ticket_resolve, {"resolution": "x"}), (services.ticket_comment_add, {"text": "x"}),
                   (services.ticket_update, {"data": {"title": "x"}})):
        with pytest.raises(PermissionDenied):
            fn(actor=org.rep_pd2, ticket_id=t.pk, **kw)
    # someone who cannot see the customer: not found
    with pytest.raises(NotFound):
        services.ticket_start(actor=org.rep_gz, ticket_id=t.pk)


def test_assign(org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign(actor=org.rep_pd1, ticket_id=t.pk, assignee_id=org.rep_gz.pk)
    assert "assignee_id" in exc.value.fields
    with pytest.raises(ApplicationError):
        services.ticket_assign(actor=org.rep_pd1, ticket_id=t.pk, assignee_id=org.rep_pd1.pk)  # already
    t = services.ticket_assign(actor=org.rep_pd1, ticket_id=t.pk, assignee_id=org.pd_head.pk, note="请组长处理")
    assert t.assignee == org.pd_head
    e = t.events.get(kind="assigned")
    assert e.changes["assignee"] == ["张伟", "浦东组长"] and e.note == "请组长处理"
    t = _at(org, book, "closed")
    with pytest.raises(ApplicationError):
        services.ticket_assign(actor=org.rep_pd1, ticket_id=t.pk, assignee_id=org.pd_head.pk)


def test_update_recomputes_due_time_while_open_and_records_the_diff(org, book):
    t = open_ticket(org.rep_pd1, book.pd1, type="consultation", priority="low")
    assert t.due_at == sla.due_at("consultation", "low", t.opened_at)
    t = services.ticket_update(actor=org.rep_pd1, ticket_id=t.pk, data={"type": "quality", "priority": "urgent"})
    assert t.due_at == sla.due_at("quality", "urgent", t.opened_at)
    e = t.events.get(kind="edited")
    assert set(e.changes) >= {"type", "priority", "due_at"}
    # nothing changed: no event
    services.ticket_update(actor=org.rep_pd1, ticket_id=t.pk, data={"type": "quality"})
    assert t.events.filter(kind="edited").count() == 1
    # resolved: the due time stays
    services.ticket_resolve(actor=org.rep_pd1, ticket_id=t.pk, resolution="ok")
    due = Ticket.objects.get(pk=t.pk).due_at
    services.ticket_update(actor=org.rep_pd1, ticket_id=t.pk, data={"priority": "low"})
    assert Ticket.objects.get(pk=t.pk).due_at == due
    services.ticket_close(actor=org.rep_pd1, ticket_id=t.pk)
    with pytest.raises(ApplicationError) as exc:
        services.ticket_update(actor=org.rep_pd1, ticket_id=t.pk, data={"title": "x"})
    assert exc.value.code == "ticket_closed"


def test_comment(org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    with pytest.raises(ApplicationError):
        services.ticket_comment_add(actor=org.rep_pd1, ticket_id=t.pk, text=" ")
    e = services.ticket_comment_add(actor=org.pd_head, ticket_id=t.pk, text="今天下午回电")
    assert e.kind == "comment" and e.actor == org.pd_head
    assert list(TicketEvent.objects.filter(ticket=t).values_list("kind", flat=True)) == ["created", "comment"]
