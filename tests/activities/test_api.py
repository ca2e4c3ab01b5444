"""The follow-ups API: list (by customer: the last ten), get, create, update within the window,
comments, structured errors — and a 404 on every follow-up route for outsiders.

The routes with ``{followup_id}`` are ENUMERATED from the NinjaAPI (tests/api/routes.py); one
missing from ``CALLS`` fails the test, so a new route cannot be forgotten.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from pharmcrm.activities.models import FollowUp, FollowUpAttachment, FollowUpComment
from pharmcrm.customers.models import Customer
from tests.activities.conftest import log, pdf, shift_created
from tests.api.conftest import assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.factories import make_share
from tests.qualifications.api_helpers import Multipart

pytestmark = pytest.mark.django_db

CALLS = {
    ("GET", "/followups/{followup_id}"): None,
    ("PATCH", "/followups/{followup_id}"): {"result": "改了"},
    ("POST", "/followups/{followup_id}/comments"): {"text": "补充"},
    ("POST", "/followups/{followup_id}/attachments"): Multipart(),
    ("GET", "/followups/{followup_id}/attachments/{attachment_id}"): None,
}
OUTSIDERS = ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"]


def followup_routes() -> list[tuple[str, str]]:
    return [(m, p) for m, p in api_routes() if "followup_id" in path_params(p)]


def test_every_followup_route_is_covered():
    routes = set(followup_routes())
    assert routes == set(CALLS), sorted(routes ^ set(CALLS))


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_followup_route(org, book, as_user, outsider):
    fu = log(org.rep_pd1, book.pd1, files=[pdf()])
    att = fu.attachments.get()
    client = as_user(getattr(org, outsider))
    before = (list(FollowUp.objects.values()), FollowUpComment.objects.count(), FollowUpAttachment.objects.count())
    for method, template in sorted(followup_routes()):
        for fid in (fu.pk, fu.pk + 100000):  # hidden and missing: the same answer
            body = CALLS[(method, template)]
            path = concrete_path(template, followup_id=fid, attachment_id=att.pk)
            if isinstance(body, Multipart):
                r = client.client.post("/api/v1" + path, data=body.data())
            elif body is not None:
                r = client.request(method, path, body)
            else:
                r = client.request(method, path)
            assert_error(r, 404, "not_found")
    assert (list(FollowUp.objects.values()), FollowUpComment.objects.count(),
            FollowUpAttachment.objects.count()) == before
    assert_error(client.get("/followups", customer_id=book.pd1.pk), 404, "not_found")
    assert_error(client.post("/followups", {"customer_id": book.pd1.pk, "content": "x"}), 404, "not_found")
    assert client.get("/followups").json()["count"] == 0


def test_create_get_list(org, book, as_user):
    client = as_user(org.rep_pd1)
    when = (timezone.now() - datetime.timedelta(hours=2)).isoformat()
    r = client.post("/followups", {
        "customer_id": book.pd1.pk, "channel": "phone", "content": "电话沟通进院", "occurred_at": when,
        "contact_ids": [book.wang.pk], "product_ids": [book.product.pk], "price_quoted": "12.5元/盒",
        "next_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(), "next_plan": "拜访主任",
    })
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["channel"] == "phone" and body["contacts"] == [{"id": book.wang.pk, "name": "王建华"}]
    assert body["products"][0]["id"] == book.product.pk and body["author"]["id"] == org.rep_pd1.pk
    assert body["permissions"]["edit"] and body["permissions"]["comment"]
    assert Customer.objects.get(pk=book.pd1.pk).last_followup_at is not None
    assert client.get(f"/followups/{body['id']}").json()["content"] == "电话沟通进院"
    for i in range(12):
        log(org.rep_pd1, book.pd1, f"第{i}次")
    page = client.get("/followups", customer_id=book.pd1.pk, limit=10).json()
    assert page["count"] == 13 and len(page["items"]) == 10 and page["items"][0]["content"] == "第11次"
    assert client.get("/followups", contact_id=book.wang.pk).json()["count"] == 1
    assert client.get("/followups", channel="phone").json()["count"] == 1
    today = timezone.localdate().isoformat()
    assert client.get("/followups", day_from=today, day_to=today).json()["count"] == 13
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert client.get("/followups", day_to=yesterday).json()["count"] == (
        1 if timezone.localdate(timezone.now() - datetime.timedelta(hours=2)) < timezone.localdate() else 0)
    assert_error(client.get("/followups", day_from="bad"), 400)


def test_errors_are_structured(org, book, as_user):
    client = as_user(org.rep_pd1)
    future = (timezone.now() + datetime.timedelta(hours=2)).isoformat()
    body = assert_error(client.post("/followups", {"customer_id": book.pd1.pk, "content": " ", "occurred_at": future}),
                        400, "invalid")
    assert set(body["fields"]) == {"content", "occurred_at"}
    assert_error(client.post("/followups", {"customer_id": book.pd1.pk, "content": "x", "colour": "red"}), 400)
    make_share(book.pd1, user=org.rep_gz, access="read")
    assert_error(as_user(org.rep_gz).post("/followups", {"customer_id": book.pd1.pk, "content": "x"}), 403)
    assert as_user(org.rep_gz).get("/followups", customer_id=book.pd1.pk).json()["count"] == 0


def test_update_within_the_window_then_comment(org, book, as_user):
    fu = log(org.rep_pd1, book.pd1)
    client = as_user(org.rep_pd1)
    r = client.patch(f"/followups/{fu.pk}", {"result": "同意试用", "contact_ids": [book.wang.pk]})
    assert r.status_code == 200 and r.json()["result"] == "同意试用"
    assert_error(as_user(org.pd_head).patch(f"/followups/{fu.pk}", {"result": "x"}), 403)
    shift_created(fu, hours=24, minutes=1)
    body = assert_error(client.patch(f"/followups/{fu.pk}", {"result": "再改"}), 400, "edit_window_closed")
    assert body["message"]
    r = client.post(f"/followups/{fu.pk}/comments", {"text": "补充：样品已寄出"})
    assert r.status_code == 201 and r.json()["author"]["id"] == org.rep_pd1.pk
    r = as_user(org.pd_head).post(f"/followups/{fu.pk}/comments", {"text": "下周一起去"})
    assert r.status_code == 201
    assert [c["text"] for c in client.get(f"/followups/{fu.pk}").json()["comments"]] == ["补充：样品已寄出",
                                                                                          "下周一起去"]


def test_attachments_upload_and_download(org, book, as_user):
    fu = log(org.rep_pd1, book.pd1)
    client = as_user(org.rep_pd1)
    r = client.client.post(f"/api/v1/followups/{fu.pk}/attachments", data=Multipart(files=2).data())
    assert r.status_code == 201, r.content
    atts = r.json()["attachments"]
    assert [a["name"] for a in atts] == ["扫描件0.pdf", "扫描件1.pdf"] and atts[0]["content_type"] == "application/pdf"
    r = client.get(f"/followups/{fu.pk}/attachments/{atts[0]['id']}")
    assert r.status_code == 200 and r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content).startswith(b"%PDF-")
    assert_error(client.get(f"/followups/{fu.pk + 1}/attachments/{atts[0]['id']}"), 404)  # another follow-up's id
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("报价单.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    body = assert_error(client.client.post(f"/api/v1/followups/{fu.pk}/attachments", data={"files": [bad]}), 400)
    assert "files" in body["fields"]
    assert_error(as_user(org.pd_head).client.post(f"/api/v1/followups/{fu.pk}/attachments",
                                                  data=Multipart().data()), 403)
    shift_created(fu, hours=25)
    assert_error(client.client.post(f"/api/v1/followups/{fu.pk}/attachments", data=Multipart().data()), 400,
                 "edit_window_closed")
    # a head sees and downloads what the rep attached
    assert as_user(org.pd_head).get(f"/followups/{fu.pk}/attachments/{atts[1]['id']}").status_code == 200
