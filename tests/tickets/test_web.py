"""The ticket pages: list (filters, export), new from a customer page, detail with the legal
actions only, actions, assign, comment, the customer tab; a peer gets 404 everywhere."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pharmcrm.tickets import services
from pharmcrm.tickets.models import Ticket
from tests.tickets.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_create_from_the_customer_page(web_as, org, book):
    c = web_as(org.rep_pd1)
    r = c.get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "tickets"})
    assert r.status_code == 200 and 'data-testid="tickets-tab"' in r.content.decode()
    url = reverse("web:ticket_create", args=[book.pd1.pk])
    r = c.get(url)
    assert r.status_code == 200 and 'data-testid="sla-table"' in r.content.decode()
    r = c.post(url, {"type": "complaint", "priority": "high", "title": "", "batch_no": "B1"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "给工单起一个简短的标题" in body or 'data-testid="error-title"' in body
    r = c.post(url, {"type": "complaint", "priority": "high", "title": "包装破损", "contact": book.wang.pk,
                     "product": book.product.pk, "batch_no": "B20260301", "assignee": org.rep_pd1.pk})
    t = Ticket.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("web:ticket_detail", args=[t.pk])
    assert (t.type, t.priority, t.contact_id, t.batch_no) == ("complaint", "high", book.wang.pk, "B20260301")
    body = c.get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "tickets"}).content.decode()
    assert t.number in body


def test_detail_shows_only_the_legal_actions_and_they_work(web_as, org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    c = web_as(org.rep_pd1)
    url = reverse("web:ticket_detail", args=[t.pk])
    body = c.get(url).content.decode()
    assert 'data-testid="action-start"' in body and 'data-testid="resolve-form"' in body
    assert 'data-testid="close-form"' not in body and 'data-testid="reopen-form"' not in body
    r = c.post(reverse("web:ticket_action", args=[t.pk, "close"]), {"satisfaction": "5"})
    assert r.status_code == 302  # illegal: a message, nothing changes
    assert Ticket.objects.get(pk=t.pk).status == "open"
    r = c.post(reverse("web:ticket_action", args=[t.pk, "resolve"]), {"resolution": ""})
    assert r.status_code == 400 and 'data-testid="error-resolution"' in r.content.decode()
    c.post(reverse("web:ticket_action", args=[t.pk, "resolve"]), {"resolution": "补发说明书"})
    body = c.get(url).content.decode()
    assert 'data-testid="close-form"' in body and 'data-testid="resolve-form"' not in body
    c.post(reverse("web:ticket_action", args=[t.pk, "close"]), {"satisfaction": "4", "comment": "很好"})
    t.refresh_from_db()
    assert (t.status, t.satisfaction) == ("closed", 4)
    body = c.get(url).content.decode()
    assert 'data-testid="reopen-form"' in body and 'data-testid="assign-form"' not in body
    assert c.post(reverse("web:ticket_action", args=[t.pk, "explode"])).status_code == 404


def test_assign_and_comment(web_as, org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    c = web_as(org.rep_pd1)
    r = c.post(reverse("web:ticket_assign", args=[t.pk]), {"assignee": org.rep_gz.pk})
    assert r.status_code == 400 and 'data-testid="error-assignee"' in r.content.decode()
    r = c.post(reverse("web:ticket_assign", args=[t.pk]), {"assignee": org.pd_head.pk, "note": "请处理"})
    assert r.status_code == 302 and Ticket.objects.get(pk=t.pk).assignee == org.pd_head
    r = c.post(reverse("web:ticket_comment", args=[t.pk]), {"text": "已电话联系"})
    assert r.status_code == 302
    body = c.get(reverse("web:ticket_detail", args=[t.pk])).content.decode()
    assert "已电话联系" in body and "请处理" in body


def test_edit(web_as, org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    c = web_as(org.rep_pd1)
    url = reverse("web:ticket_edit", args=[t.pk])
    assert c.get(url).status_code == 200
    r = c.post(url, {"type": "quality", "priority": "urgent", "title": "质量问题"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert (t.type, t.priority, t.title) == ("quality", "urgent", "质量问题")


def test_list_filters_sort_and_export(web_as, org, book):
    a = open_ticket(org.rep_pd1, book.pd1, title="咨询用法")
    b = open_ticket(org.pd_head, book.pd2, title="退货申请", type="return")
    Ticket.objects.filter(pk=b.pk).update(due_at=a.opened_at.replace(year=2020))
    c = web_as(org.pd_head)
    url = reverse("web:ticket_list")

    def listed(**params):
        r = c.get(url, params)
        assert r.status_code == 200
        return [t.pk for t in r.context["tickets"]]

    assert set(listed()) == {a.pk, b.pk}
    assert listed(overdue="on") == [b.pk]
    assert listed(who="me") == [b.pk]
    assert listed(type="return") == [b.pk]
    assert listed(q="咨询") == [a.pk]
    assert listed(sort="due") == [b.pk, a.pk]
    assert listed(status="closed") == []
    assert c.get(url, {"status": "zzz", "page": "x", "sort": "drop table"}).status_code == 200
    r = c.get(reverse("web:ticket_export"), {"overdue": "on"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == b.number
    # a rep sees only their customers' tickets
    assert [t.pk for t in web_as(org.rep_pd1).get(url).context["tickets"]] == [a.pk]


def test_a_peer_gets_404_everywhere(web_as, org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    c = web_as(org.rep_pd2)
    for name, method, data in [("web:ticket_detail", "get", {}), ("web:ticket_edit", "get", {}),
                               ("web:ticket_edit", "post", {"title": "x"}), ("web:ticket_assign", "post",
                                                                            {"assignee": org.rep_pd2.pk}),
                               ("web:ticket_comment", "post", {"text": "x"})]:
        r = getattr(c, method)(reverse(name, args=[t.pk]), data)
        assert r.status_code == 404, name
    for action in ("start", "resolve", "close", "reopen"):
        assert c.post(reverse("web:ticket_action", args=[t.pk, action]), {"resolution": "x"}).status_code == 404
    assert c.get(reverse("web:ticket_create", args=[book.pd1.pk])).status_code == 404
    assert c.get(reverse("web:ticket_list")).context["tickets"] == []
    assert Ticket.objects.get(pk=t.pk).status == "open"


def test_reader_sees_but_has_no_buttons(web_as, org, book):
    from tests.factories import make_share

    t = open_ticket(org.rep_pd1, book.pd1)
    make_share(book.pd1, user=org.rep_pd2, access="read")
    body = web_as(org.rep_pd2).get(reverse("web:ticket_detail", args=[t.pk])).content.decode()
    assert t.title in body
    for marker in ("action-start", "resolve-form", "assign-form", "comment-form", 'data-testid="edit"'):
        assert marker not in body


def test_new_ticket_page_chooses_the_customer_first(web_as, org, book):
    c = web_as(org.rep_pd1)
    assert c.get(reverse("web:ticket_new")).status_code == 200
    r = c.get(reverse("web:ticket_new"), {"customer": book.pd1.pk})
    assert r.status_code == 302 and r["Location"] == reverse("web:ticket_create", args=[book.pd1.pk])


def test_nav_and_timeline(web_as, org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    services.ticket_resolve(actor=org.rep_pd1, ticket_id=t.pk, resolution="ok")
    services.ticket_close(actor=org.rep_pd1, ticket_id=t.pk, satisfaction=5, comment="非常满意")
    c = web_as(org.rep_pd1)
    assert 'data-nav="tickets"' in c.get(reverse("web:ticket_list")).content.decode()
    r = c.get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "activity"})
    body = r.content.decode()
    assert t.number in body and "非常满意" in body


def test_list_page_queries_do_not_grow_with_rows(web_as, org, book):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = web_as(org.pd_head)
    open_ticket(org.rep_pd1, book.pd1, contact_id=book.wang.pk, product_id=book.product.pk)
    c.get(reverse("web:ticket_list"))
    with CaptureQueriesContext(connection) as one:
        c.get(reverse("web:ticket_list"))
    for i in range(8):
        open_ticket(org.rep_pd1 if i % 2 else org.pd_head, book.pd2 if i % 2 == 0 else book.pd1,
                    title=f"工单{i}", product_id=book.product.pk)
    with CaptureQueriesContext(connection) as many:
        r = c.get(reverse("web:ticket_list"))
    assert len(r.context["tickets"]) == 9
    assert len(many) == len(one), [q["sql"] for q in many]


def test_edit_shows_the_changed_fields_in_the_timeline(web_as, org, book):
    t = open_ticket(org.rep_pd1, book.pd1)
    services.ticket_update(actor=org.rep_pd1, ticket_id=t.pk, data={"priority": "urgent"})
    body = web_as(org.rep_pd1).get(reverse("web:ticket_detail", args=[t.pk])).content.decode()
    assert "优先级、截止时间" in body


@pytest.mark.parametrize("who", ["rep_pd1", "pd_head", "sh_head", "admin", "finance"])
def test_pages_open_for_every_role(web_as, org, book, who):
    t = open_ticket(org.rep_pd1, book.pd1)
    c = web_as(getattr(org, who))
    for url in (reverse("web:ticket_list"), reverse("web:ticket_new"), reverse("web:ticket_export"),
                reverse("web:desktop"), reverse("web:desktop") + "?scope=team"):
        assert c.get(url).status_code == 200, (who, url)
    sees = who in ("rep_pd1", "pd_head", "sh_head", "admin")
    assert c.get(reverse("web:ticket_detail", args=[t.pk])).status_code == (200 if sees else 404)
