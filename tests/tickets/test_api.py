"""The tickets API: create, list with filters, get, patch, transitions, assign, comments; every
route with a ``{ticket_id}`` (ENUMERATED from the NinjaAPI) answers 404 to a peer and to another
branch and changes nothing; errors are structured."""

import pytest

from pharmcrm.tickets.models import Ticket, TicketEvent
from tests.api.conftest import assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.tickets.conftest import open_ticket

pytestmark = pytest.mark.django_db

CALLS = {
    ("GET", "/tickets/{ticket_id}"): None,
    ("PATCH", "/tickets/{ticket_id}"): {"title": "改标题"},
    ("POST", "/tickets/{ticket_id}/start"): {},
    ("POST", "/tickets/{ticket_id}/resolve"): {"resolution": "已处理"},
    ("POST", "/tickets/{ticket_id}/close"): {"satisfaction": 5},
    ("POST", "/tickets/{ticket_id}/reopen"): {"note": "再次反馈"},
    ("POST", "/tickets/{ticket_id}/assign"): {"assignee_id": 1},
    ("GET", "/tickets/{ticket_id}/events"): None,
    ("POST", "/tickets/{ticket_id}/comments"): {"text": "评论"},
}


def ticket_routes():
    return [(m, p) for m, p in api_routes() if "ticket_id" in path_params(p)]


def test_every_ticket_route_is_covered():
    assert set(ticket_routes()) == set(CALLS), sorted(set(ticket_routes()) ^ set(CALLS))


@pytest.mark.parametrize("outsider", ["rep_pd2", "rep_gz", "south_head", "finance"])
def test_outsiders_get_404_on_every_ticket_route(org, book, api_as, outsider):
    t = open_ticket(org.rep_pd1, book.pd1)
    user = getattr(org, outsider)
    events = TicketEvent.objects.count()
    for method, template in sorted(ticket_routes()):
        body = CALLS[(method, template)]
        if body and "assignee_id" in body:
            body = {"assignee_id": user.pk}
        r = api_as(user).request(method, concrete_path(template, ticket_id=t.pk), body)
        assert_error(r, 404)
    assert TicketEvent.objects.count() == events
    assert Ticket.objects.get(pk=t.pk).status == "open"
    r = api_as(user).post("/tickets", {"customer_id": book.pd1.pk, "title": "x"})
    assert_error(r, 404)
    assert api_as(user).get("/tickets").json()["count"] == 0


def test_full_cycle_through_the_api(org, book, api_as):
    api = api_as(org.rep_pd1)
    r = api.post("/tickets", {"customer_id": book.pd1.pk, "title": "药品外包装破损", "type": "quality",
                              "priority": "urgent", "product_id": book.product.pk, "batch_no": "B2026",
                              "contact_id": book.wang.pk})
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["number"].startswith("FW-") and t["status"] == "open" and t["assignee"]["id"] == org.rep_pd1.pk
    assert t["permissions"]["actions"] == ["start", "resolve"]
    tid = t["id"]
    assert_error(api.post(f"/tickets/{tid}/close", {"satisfaction": 5}), 400, "illegal_transition")
    assert_error(api.post(f"/tickets/{tid}/close", {"satisfaction": 9}), 400)
    assert api.post(f"/tickets/{tid}/start", {}).json()["status"] == "in_progress"
    assert_error(api.post(f"/tickets/{tid}/resolve", {"resolution": ""}), 400, field="resolution")
    assert api.post(f"/tickets/{tid}/resolve", {"resolution": "换货"}).json()["status"] == "resolved"
    t = api.post(f"/tickets/{tid}/close", {"satisfaction": 4, "comment": "处理及时"}).json()
    assert (t["status"], t["satisfaction"], t["satisfaction_comment"]) == ("closed", 4, "处理及时")
    assert [e["kind"] for e in t["events"]] == ["created", "started", "resolved", "closed"]
    t = api.post(f"/tickets/{tid}/reopen", {"note": "客户再次投诉"}).json()
    assert (t["status"], t["reopen_count"]) == ("in_progress", 1)
    r = api.post(f"/tickets/{tid}/comments", {"text": "已安排上门"})
    assert r.status_code == 201 and r.json()["kind"] == "comment"
    r = api.patch(f"/tickets/{tid}", {"priority": "low", "description": None})
    assert r.status_code == 200 and r.json()["priority"] == "low"
    assert_error(api.post(f"/tickets/{tid}/assign", {"assignee_id": org.rep_gz.pk}), 400, field="assignee_id")
    r = api.post(f"/tickets/{tid}/assign", {"assignee_id": org.pd_head.pk})
    assert r.json()["assignee"]["id"] == org.pd_head.pk
    assert [e["kind"] for e in api.get(f"/tickets/{tid}/events").json()][-4:] == ["reopened", "comment", "edited",
                                                                                 "assigned"]


def test_create_errors_are_structured(org, book, api_as):
    api = api_as(org.rep_pd1)
    assert_error(api.post("/tickets", {"customer_id": book.pd1.pk}), 400)  # no title
    assert_error(api.post("/tickets", {"customer_id": book.pd1.pk, "title": "x", "type": "bad"}), 400)
    assert_error(api.post("/tickets", {"customer_id": book.pd1.pk, "title": "x", "extra": 1}), 400)
    assert_error(api.post("/tickets", {"customer_id": book.pd1.pk, "title": " "}), 400, field="title")
    assert_error(api.post("/tickets", {"customer_id": book.pd1.pk, "title": "x", "contact_id": 99999}), 400,
                 field="contact_id")


def test_list_filters(org, book, api_as):
    a = open_ticket(org.rep_pd1, book.pd1, title="咨询", type="consultation")
    b = open_ticket(org.pd_head, book.pd2, title="投诉", type="complaint", priority="urgent")
    Ticket.objects.filter(pk=b.pk).update(due_at=a.opened_at.replace(year=2020))
    api = api_as(org.pd_head)

    def ids(**q):
        r = api.get("/tickets", **q)
        assert r.status_code == 200, r.content
        return [i["id"] for i in r.json()["items"]]

    assert set(ids()) == {a.pk, b.pk}
    assert ids(overdue="true") == [b.pk]
    assert ids(mine="true") == [b.pk]
    assert ids(type="consultation") == [a.pk]
    assert ids(priority="urgent") == [b.pk]
    assert ids(customer_id=book.pd1.pk) == [a.pk]
    assert ids(q="投诉") == [b.pk]
    assert ids(status="active", sort="due") == [b.pk, a.pk]
    assert_error(api.get("/tickets", status="nope"), 400)
    assert_error(api_as(org.rep_gz).get("/tickets", customer_id=book.pd1.pk), 404)
