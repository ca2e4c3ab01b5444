"""The contacts API: list/filter, detail, create/update, employments, the move, delete/restore,
birthdays, interactions, a customer's contacts — and a 404 on every contact route for outsiders.

The routes with ``{contact_id}`` are ENUMERATED from the NinjaAPI (tests/api/routes.py); one
missing from ``CALLS`` fails the test, so a new route cannot be forgotten.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from pharmcrm.contacts import services
from pharmcrm.contacts.models import Contact, Employment
from tests.api.conftest import as_user, assert_error, db_fingerprint  # noqa: F401  (fixture)
from tests.api.routes import api_routes, concrete_path, path_params
from tests.contacts.conftest import new_contact

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _fingerprint() -> dict:
    out = db_fingerprint()
    out["Contact"] = list(Contact.objects.order_by("pk").values())
    out["Employment"] = list(Employment.objects.order_by("pk").values())
    return out


@pytest.fixture
def world(org, book):
    w = SimpleNamespace(org=org, book=book)
    w.alive = new_contact(org.rep_pd1, book.pd1, "王建华", mobile="13800138000")
    w.deleted = new_contact(org.rep_pd1, book.pd1b, "已删除的人")
    services.contact_delete(actor=org.rep_pd1, contact_id=w.deleted.pk)
    w.emp = {"alive": w.alive.employments.get(), "deleted": w.deleted.employments.get()}
    return w


# (METHOD, path) -> (which contact: "alive" | "deleted", body(world) or None)
CALLS = {
    ("GET", "/contacts/{contact_id}"): ("alive", None),
    ("PATCH", "/contacts/{contact_id}"): ("alive", lambda w: {"notes": "改了"}),
    ("DELETE", "/contacts/{contact_id}"): ("alive", None),
    ("POST", "/contacts/{contact_id}/restore"): ("deleted", lambda w: {}),
    ("POST", "/contacts/{contact_id}/move"): ("alive", lambda w: {
        "from_employment_id": w.emp["alive"].pk, "to_customer_id": w.book.pd1b.pk, "role": "purchasing"}),
    ("POST", "/contacts/{contact_id}/employments"): ("alive", lambda w: {
        "customer_id": w.book.pd1b.pk, "role": "doctor", "start_date": "2020-01-01", "end_date": "2021-01-01"}),
    ("PATCH", "/contacts/{contact_id}/employments/{employment_id}"): ("alive", lambda w: {"title": "主任"}),
    ("POST", "/contacts/{contact_id}/employments/{employment_id}/end"): ("alive", lambda w: {}),
    ("GET", "/contacts/{contact_id}/interactions"): ("alive", None),
}
OUTSIDERS = ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"]


def contact_routes() -> list[tuple[str, str]]:
    return [(m, p) for m, p in api_routes() if "contact_id" in path_params(p)]


def _call(client, method, template, contact_id, employment_id, body):
    path = concrete_path(template, contact_id=contact_id, employment_id=employment_id)
    if method in ("GET", "DELETE"):
        return client.request(method, path)
    return client.request(method, path, body if body is not None else {})


def test_every_contact_id_route_is_covered():
    routes = set(contact_routes())
    assert routes
    assert not routes - set(CALLS), f"add these routes to CALLS in {__file__}: {sorted(routes - set(CALLS))}"
    assert not set(CALLS) - routes, f"CALLS lists routes that no longer exist: {sorted(set(CALLS) - routes)}"


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_contact_route(world, as_user, outsider):  # noqa: F811
    client = as_user(getattr(world.org, outsider))
    client.get("/me")
    before = _fingerprint()
    for method, template in contact_routes():
        which, body = CALLS[(method, template)]
        contact = getattr(world, which)
        r = _call(client, method, template, contact.pk, world.emp[which].pk, body and body(world))
        assert_error(r, 404, "not_found")
        other = _call(client, method, template, contact.pk + 100000, world.emp[which].pk, body and body(world))
        assert (other.status_code, other.json()) == (r.status_code, r.json()), (method, template)
    assert _fingerprint() == before


def test_the_owner_succeeds_on_every_contact_route(world, as_user):  # noqa: F811
    client = as_user(world.org.rep_pd1)
    # the move first, then the rest on whatever employment is current; the contact is deleted last
    order = sorted(contact_routes(), key=lambda r: (r[0] == "DELETE", not r[1].endswith("/move")))
    for method, template in order:
        which, body = CALLS[(method, template)]
        contact = getattr(world, which)
        current = Employment.objects.filter(contact=contact, end_date__isnull=True).first() or world.emp[which]
        r = _call(client, method, template, contact.pk, current.pk, body and body(world))
        assert r.status_code in (200, 201, 204), (method, template, r.content)


def test_list_detail_and_filters(world, as_user):  # noqa: F811
    org, book = world.org, world.book
    services.contact_move(actor=org.pd_head, contact_id=world.alive.pk, from_employment_id=world.emp["alive"].pk,
                          to_customer_id=book.pd2.pk, data={"role": "purchasing", "title": "采购经理"})
    rep = as_user(org.rep_pd1)
    page = rep.get("/contacts").json()
    assert [c["name"] for c in page["items"]] == ["王建华"] and page["count"] == 1 and page["count_exact"]
    item = page["items"][0]
    assert [(e["customer"]["name"], e["is_current"]) for e in item["employments"]] == [("上海仁济医院", False)]
    assert rep.get("/contacts", status="former").json()["count"] == 1
    assert rep.get("/contacts", status="current").json()["count"] == 0
    assert rep.get("/contacts", q="wjh").json()["count"] == 1
    assert rep.get("/contacts", customer=book.pd1.pk, role="pharmacy_director").json()["count"] == 1
    assert_error(rep.get("/contacts", role="nope"), 400, "invalid", "role")
    assert_error(rep.get("/contacts", sort="nope"), 400, "invalid", "sort")
    detail = as_user(org.rep_pd2).get(f"/contacts/{world.alive.pk}").json()
    assert [(e["customer"]["name"], e["is_current"], e["can_change"]) for e in detail["employments"]] == [
        ("国药控股上海有限公司", True, True)]
    assert detail["permissions"] == {"edit": True, "delete": True, "add_employment": True}
    assert detail["employments"][0]["role_label"] == "采购"
    head = as_user(org.pd_head).get(f"/contacts/{world.alive.pk}").json()
    assert len(head["employments"]) == 2


def test_create_update_and_validation(world, as_user):  # noqa: F811
    org, book = world.org, world.book
    client = as_user(org.rep_pd1)
    r = client.post("/contacts", {
        "name": "赵红梅", "customer_id": book.pd1.pk, "mobile": "139 0000 1111", "birth_month": 5, "birth_day": 6,
        "employment": {"role": "purchasing", "title": "采购", "start_date": "2021-03-01", "is_primary": True},
        "care_dates": [{"label": "结婚纪念日", "month": 10, "day": 1, "year": 2010}]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["mobile"] == "13900001111" and body["care_dates"] == [
        {"label": "结婚纪念日", "month": 10, "day": 1, "year": 2010}]
    assert body["employments"][0]["is_primary"] and body["employments"][0]["start_date"] == "2021-03-01"
    bad = client.post("/contacts", {"name": "x", "customer_id": book.pd1.pk, "mobile": "123",
                                    "employment": {"role": "other"}})
    err = assert_error(bad, 400, "invalid")
    assert {"mobile", "role_other"} <= set(err["fields"]) and "11位手机号" in err["fields"]["mobile"][0]
    assert_error(client.post("/contacts", {"name": "x", "customer_id": book.gz.pk,
                                           "employment": {"role": "doctor"}}), 404, "not_found")
    assert_error(client.post("/contacts", {"name": "x", "customer_id": book.pd1.pk, "employment": {"role": "doctor"},
                                           "colour": "red"}), 400, "invalid")
    cid = body["id"]
    r = client.patch(f"/contacts/{cid}", {"wechat": "zhm_2020", "care_dates": []})
    assert r.status_code == 200 and r.json()["wechat"] == "zhm_2020" and r.json()["care_dates"] == []
    r = client.patch(f"/contacts/{cid}", {"birth_month": None, "birth_day": None})
    assert r.json()["birth_month"] is None
    assert_error(client.patch(f"/contacts/{cid}", {"birth_month": 2, "birth_day": 30}), 400, "invalid", "birth_day")


def test_move_end_and_employments(world, as_user):  # noqa: F811
    org, book = world.org, world.book
    client = as_user(org.rep_pd1)
    cid, emp = world.alive.pk, world.emp["alive"]
    err = assert_error(client.post(f"/contacts/{cid}/move", {"from_employment_id": emp.pk,
                                                             "to_customer_id": book.pd1.pk}), 400, "same_customer")
    assert "to_customer_id" in err["fields"]
    assert_error(client.post(f"/contacts/{cid}/move", {"from_employment_id": emp.pk,
                                                       "to_customer_id": book.pd2.pk}), 404, "not_found")
    r = client.post(f"/contacts/{cid}/move", {"from_employment_id": emp.pk, "to_customer_id": book.pd1b.pk,
                                              "date": (TODAY - datetime.timedelta(days=3)).isoformat(),
                                              "title": "总经理", "role": "general_manager"})
    assert r.status_code == 200
    jobs = [(e["customer"]["id"], e["end_date"], e["title"]) for e in r.json()["employments"]]
    day = (TODAY - datetime.timedelta(days=3)).isoformat()
    assert jobs == [(book.pd1b.pk, None, "总经理"), (book.pd1.pk, day, "药剂科主任")]
    assert_error(client.post(f"/contacts/{cid}/employments/{emp.pk}/end", {}), 400, "already_ended")
    current = Employment.objects.get(contact_id=cid, end_date__isnull=True)
    r = client.post(f"/contacts/{cid}/employments/{current.pk}/end", {"end_date": TODAY.isoformat()})
    assert r.status_code == 200 and r.json()["end_date"] == TODAY.isoformat() and not r.json()["is_current"]
    r = client.post(f"/contacts/{cid}/employments", {"customer_id": book.pd1.pk, "role": "doctor",
                                                     "start_date": "2010-01-01"})
    assert_error(r, 400, "overlap")  # the unknown start of nothing... 仁济 ran until 3 days ago
    r = client.post(f"/contacts/{cid}/employments", {"customer_id": book.pd1.pk, "role": "doctor",
                                                     "start_date": TODAY.isoformat()})
    assert r.status_code == 201 and r.json()["is_current"]
    r = client.patch(f"/contacts/{cid}/employments/{r.json()['id']}", {"is_primary": True})
    assert r.json()["is_primary"]


def test_delete_restore_recycle_bin(world, as_user):  # noqa: F811
    client = as_user(world.org.rep_pd1)
    assert [c["name"] for c in client.get("/contacts/recycle-bin").json()["items"]] == ["已删除的人"]
    assert client.delete(f"/contacts/{world.alive.pk}").status_code == 204
    assert_error(client.get(f"/contacts/{world.alive.pk}"), 404)
    assert client.post(f"/contacts/{world.alive.pk}/restore").status_code == 200
    assert as_user(world.org.rep_pd2).get("/contacts/recycle-bin").json()["items"] == []


def test_birthdays_and_interactions(world, as_user):  # noqa: F811
    org, book = world.org, world.book
    soon = TODAY + datetime.timedelta(days=2)
    new_contact(org.rep_pd1, book.pd1, "寿星", birth_month=soon.month, birth_day=soon.day,
                care_dates=[{"label": "结婚纪念日", "month": TODAY.month, "day": TODAY.day}])
    rows = as_user(org.rep_pd1).get("/contacts/birthdays").json()
    assert [(r["contact_name"], r["kind"], r["days_away"]) for r in rows] == [
        ("寿星", "care", 0), ("寿星", "birthday", 2)]
    assert rows[0]["employments"][0]["customer"]["name"] == "上海仁济医院"
    assert as_user(org.rep_pd2).get("/contacts/birthdays", days=30).json() == []
    assert_error(as_user(org.rep_pd1).get("/contacts/birthdays", days=0), 400)
    events = as_user(org.rep_pd1).get(f"/contacts/{world.alive.pk}/interactions").json()
    assert [e["title"] for e in events] == ["入职", "新建联系人"]
    assert events[1]["customer"]["name"] == "上海仁济医院"
    assert {"field": "手机号", "old": "—", "new": "13800138000"} in events[1]["changes"]
    assert {"field": "业务角色", "old": "—", "new": "药剂科主任"} in events[0]["changes"]


def test_customer_contacts(world, as_user):  # noqa: F811
    org, book = world.org, world.book
    services.contact_move(actor=org.pd_head, contact_id=world.alive.pk, from_employment_id=world.emp["alive"].pk,
                          to_customer_id=book.pd2.pk, data={"role": "purchasing"})
    body = as_user(org.rep_pd1).get(f"/customers/{book.pd1.pk}/contacts").json()
    assert body["current"] == [] and [c["name"] for c in body["former"]] == ["王建华"]
    body = as_user(org.rep_pd2).get(f"/customers/{book.pd2.pk}/contacts").json()
    assert [c["name"] for c in body["current"]] == ["王建华"] and body["former"] == []
    assert_error(as_user(org.rep_pd2).get(f"/customers/{book.pd1.pk}/contacts"), 404, "not_found")


def test_list_query_count_is_constant(world, as_user, django_assert_max_num_queries):  # noqa: F811
    org, book = world.org, world.book
    for i in range(40):
        new_contact(org.rep_pd1, book.pd1, f"批量{i:02d}", employment={"role": "doctor"})
    client = as_user(org.rep_pd1)
    client.get("/contacts")
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for limit in (5, 40):
        with CaptureQueriesContext(connection) as ctx:
            assert len(client.get("/contacts", limit=limit).json()["items"]) == limit
        counts[limit] = len(ctx.captured_queries)
    assert counts[5] == counts[40], counts
