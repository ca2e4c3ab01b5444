"""GET /api/v1/notifications, /unread-count; POST /{id}/read, /read-all: mine only."""

import pytest
from django.utils import timezone

from pharmcrm.notifications.models import Notification, NotificationKind
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _make(user, n=1, *, actor=None, read=False):
    return Notification.objects.bulk_create([
        Notification(recipient=user, kind=NotificationKind.CUSTOMER_TRANSFERRED, actor=actor, link="/customers/",
                     params={"count": 2}, read_at=timezone.now() if read else None)
        for _ in range(n)])


def test_list_mine_newest_first_and_unread_filter(org):
    old = _make(org.rep_pd1, actor=org.sh_head, read=True)[0]
    new = _make(org.rep_pd1, actor=org.pd_head)[0]
    _make(org.rep_pd2, 3)
    api = ApiClient(org.rep_pd1)
    r = api.client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2 and body["count_exact"] is True
    assert [i["id"] for i in body["items"]] == [new.pk, old.pk]
    item = body["items"][0]
    assert item["kind"] == "customer_transferred" and item["is_read"] is False and item["read_at"] is None
    assert item["text"] == "浦东组长 transferred 2 customers to you."
    assert item["actor"] == {"id": org.pd_head.pk, "name": "浦东组长"} and item["link"] == "/customers/"
    assert item["params"] == {"count": 2}
    r = api.get("/notifications", unread=1)
    assert [i["id"] for i in r.json()["items"]] == [new.pk]
    r = api.get("/notifications", limit=1, offset=1)
    assert [i["id"] for i in r.json()["items"]] == [old.pk]


def test_unread_count(org):
    _make(org.rep_pd1, 3)
    _make(org.rep_pd1, 2, read=True)
    api = ApiClient(org.rep_pd1)
    assert api.get("/notifications/unread-count").json() == {"count": 3}
    assert ApiClient(org.rep_gz).get("/notifications/unread-count").json() == {"count": 0}


def test_read_one_and_someone_elses_is_404(org):
    mine = _make(org.rep_pd1)[0]
    theirs = _make(org.rep_pd2)[0]
    api = ApiClient(org.rep_pd1)
    r = api.post(f"/notifications/{mine.pk}/read")
    assert r.status_code == 200 and r.json()["is_read"] is True and r.json()["read_at"]
    r = api.post(f"/notifications/{theirs.pk}/read")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api.post("/notifications/999999999/read").status_code == 404
    assert api.post("/notifications/0/read").status_code == 400
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all(org):
    _make(org.rep_pd1, 3)
    _make(org.rep_pd2, 2)
    api = ApiClient(org.rep_pd1)
    assert api.post("/notifications/read-all").json() == {"marked": 3}
    assert api.post("/notifications/read-all").json() == {"marked": 0}
    assert Notification.objects.filter(recipient=org.rep_pd2, read_at__isnull=True).count() == 2


def test_authentication_required(org):
    from django.test import Client

    assert Client().get("/api/v1/notifications").status_code == 401
    assert Client().get("/api/v1/notifications/unread-count").status_code == 401
