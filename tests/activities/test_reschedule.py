"""Moving a follow-up plan to another day (activities.services.plan_reschedule): who may,
which days, how the plan (Customer.next_followup_on) follows, the desktop row moves, the
audit trail, the web endpoint (JSON for the calendar's drag, a redirect for the date form)
and the API route."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from pharmcrm.activities import services
from pharmcrm.activities.desktop import followup_plans
from pharmcrm.activities.models import FollowUp
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import Customer
from tests.activities.conftest import log, shift_created
from tests.api.conftest import assert_error
from tests.factories import make_share

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _planned(actor, customer, due, **kw) -> FollowUp:
    return log(actor, customer, "拜访药剂科", occurred_at=timezone.now() - datetime.timedelta(days=10),
               next_date=due, next_plan="带文献拜访主任", **kw)


def _plan(customer) -> datetime.date | None:
    return Customer.objects.get(pk=customer.pk).next_followup_on


def test_owner_moves_the_plan_and_content_is_untouched(org, book):
    today = timezone.localdate()
    fu = _planned(org.rep_pd1, book.pd1, today)
    shift_created(fu, hours=48)  # long after the edit window: moving the plan is not an edit
    moved = services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=today + 3 * DAY)
    fu.refresh_from_db()
    assert moved.pk == fu.pk
    assert fu.next_date == today and fu.rescheduled_to == today + 3 * DAY
    assert fu.rescheduled_by == org.rep_pd1 and fu.rescheduled_at is not None
    assert fu.content == "拜访药剂科" and fu.next_plan == "带文献拜访主任"
    assert _plan(book.pd1) == today + 3 * DAY
    event = AuditEvent.objects.get(action="followup_reschedule")
    assert event.changes == {"next_date": [today.isoformat(), (today + 3 * DAY).isoformat()]}
    assert event.actor_id == org.rep_pd1.pk


def test_a_string_date_and_the_same_day(org, book):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today + DAY)
    services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=(today + 2 * DAY).isoformat())
    assert _plan(book.pd1) == today + 2 * DAY
    services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=today + 2 * DAY)
    assert AuditEvent.objects.filter(action="followup_reschedule").count() == 1  # no change, no event


def test_head_above_may_move_a_subordinates_plan(org, book):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today)
    services.plan_reschedule(actor=org.sh_head, customer_id=book.pd1.pk, new_date=today + DAY)
    assert _plan(book.pd1) == today + DAY


@pytest.mark.parametrize("who", ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"])
def test_peers_and_other_branches_get_not_found(org, book, who):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today)
    with pytest.raises(NotFound):
        services.plan_reschedule(actor=getattr(org, who), customer_id=book.pd1.pk, new_date=today + DAY)
    assert _plan(book.pd1) == today


def test_read_only_share_is_refused_read_write_share_may(org, book):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today)
    make_share(book.pd1, user=org.rep_px, access="read")
    with pytest.raises(PermissionDenied):
        services.plan_reschedule(actor=org.rep_px, customer_id=book.pd1.pk, new_date=today + DAY)
    assert _plan(book.pd1) == today
    make_share(book.pd1, user=org.rep_gz, access="write")
    services.plan_reschedule(actor=org.rep_gz, customer_id=book.pd1.pk, new_date=today + DAY)
    assert _plan(book.pd1) == today + DAY


@pytest.mark.parametrize("bad", [-1, "yesterday", "", None, "2026-02-30"])
def test_past_or_malformed_dates_are_refused(org, book, bad):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today - 2 * DAY)
    value = today + bad * DAY if isinstance(bad, int) else bad
    with pytest.raises(ApplicationError) as exc:
        services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=value)
    assert "new_date" in exc.value.fields
    assert _plan(book.pd1) == today - 2 * DAY


def test_today_is_allowed_for_an_overdue_plan(org, book):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today - 2 * DAY)
    services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=today)
    assert _plan(book.pd1) == today


def test_no_plan_to_move(org, book):
    with pytest.raises(ApplicationError) as exc:
        services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=timezone.localdate())
    assert exc.value.code == "no_plan"
    log(org.rep_pd1, book.pd1, "电话回访，无下次计划")
    with pytest.raises(ApplicationError):
        services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=timezone.localdate())


def test_refresh_plan_semantics(org, book):
    """rescheduled_to of the LATEST follow-up wins over its next_date; a newer follow-up
    supersedes the moved plan; a backdated one does not."""
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today + DAY)
    services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=today + 5 * DAY)
    assert services.refresh_plan(book.pd1.pk) == today + 5 * DAY
    log(org.rep_pd1, book.pd1, "补记更早的一次电话", occurred_at=timezone.now() - datetime.timedelta(days=20),
        next_date=today + 9 * DAY)
    assert _plan(book.pd1) == today + 5 * DAY  # backdated: the moved plan stays
    log(org.rep_pd1, book.pd1, "按计划拜访了主任", next_date=today + 14 * DAY)
    assert _plan(book.pd1) == today + 14 * DAY  # a newer follow-up supersedes it
    log(org.rep_pd1, book.pd1, "再次电话，暂无计划")
    assert _plan(book.pd1) is None


def test_the_desktop_row_moves(org, book):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today - DAY)
    plans = followup_plans(actor=org.rep_pd1, today=today)
    assert [r.customer.pk for r in plans.due] == [book.pd1.pk] and plans.overdue_count == 1
    services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=today + 3 * DAY)
    plans = followup_plans(actor=org.rep_pd1, today=today)
    assert plans.due == [] and plans.overdue_count == 0
    assert [(r.customer.pk, r.due) for r in plans.upcoming] == [(book.pd1.pk, today + 3 * DAY)]
    assert plans.upcoming[0].next_plan == "带文献拜访主任"  # the planned action goes with it


def test_history_tab_labels_the_event(client, org, book):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today)
    services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=today + DAY)
    client.force_login(org.rep_pd1)
    r = client.get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "history"})
    assert r.status_code == 200
    assert "跟进计划改期" in r.content.decode() or "Follow-up plan rescheduled" in r.content.decode()


# --- the web endpoint --------------------------------------------------------------------------

def test_web_json_and_form(client, org, book):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today)
    client.force_login(org.rep_pd1)
    url = reverse("web:plan_reschedule", args=[book.pd1.pk])
    r = client.post(url, {"new_date": (today + 2 * DAY).isoformat()}, HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["ok"] and r.json()["date"] == (today + 2 * DAY).isoformat()
    assert _plan(book.pd1) == today + 2 * DAY
    r = client.post(url, {"new_date": (today - DAY).isoformat()}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and not r.json()["ok"] and r.json()["message"]
    r = client.post(url, {"new_date": (today + 4 * DAY).isoformat(), "next": "/calendar/?view=week"})
    assert r.status_code == 302 and r["Location"] == "/calendar/?view=week"
    assert _plan(book.pd1) == today + 4 * DAY
    assert client.get(url).status_code == 405


def test_web_read_only_share_is_403_peer_404(client, org, book):
    today = timezone.localdate()
    _planned(org.rep_pd1, book.pd1, today)
    make_share(book.pd1, user=org.rep_px, access="read")
    url = reverse("web:plan_reschedule", args=[book.pd1.pk])
    client.force_login(org.rep_px)
    r = client.post(url, {"new_date": today.isoformat()}, HTTP_ACCEPT="application/json")
    assert r.status_code == 403 and not r.json()["ok"]
    client.force_login(org.rep_pd2)
    assert client.post(url, {"new_date": today.isoformat()}, HTTP_ACCEPT="application/json").status_code == 404
    assert _plan(book.pd1) == today


# --- the API -----------------------------------------------------------------------------------

def test_api_reschedule(as_user, org, book):
    today = timezone.localdate()
    fu = _planned(org.rep_pd1, book.pd1, today)
    path = f"/customers/{book.pd1.pk}/plan/reschedule"
    r = as_user(org.rep_pd1).post(path, {"date": (today + DAY).isoformat()})
    assert r.status_code == 200, r.content
    assert r.json() == {"customer_id": book.pd1.pk, "followup_id": fu.pk, "next_followup_on": (today + DAY).isoformat()}
    assert_error(as_user(org.rep_pd1).post(path, {"date": (today - DAY).isoformat()}), 400, field="new_date")
    assert_error(as_user(org.rep_pd2).post(path, {"date": (today + DAY).isoformat()}), 404, "not_found")
    make_share(book.pd1, user=org.rep_px, access="read")
    assert_error(as_user(org.rep_px).post(path, {"date": (today + DAY).isoformat()}), 403)


def test_the_authors_new_next_date_replaces_a_calendar_move(org, book):
    """Within the edit window the author may change the next date: that replaces a move made on
    the calendar meanwhile; an edit that leaves the next date alone keeps the move."""
    today = timezone.localdate()
    fu = _planned(org.rep_pd1, book.pd1, today + DAY)
    services.plan_reschedule(actor=org.rep_pd1, customer_id=book.pd1.pk, new_date=today + 5 * DAY)
    services.followup_update(actor=org.rep_pd1, followup_id=fu.pk, data={"result": "主任同意试用"})
    assert _plan(book.pd1) == today + 5 * DAY
    services.followup_update(actor=org.rep_pd1, followup_id=fu.pk, data={"next_date": today + 3 * DAY})
    fu.refresh_from_db()
    assert _plan(book.pd1) == today + 3 * DAY and fu.rescheduled_to is None and fu.rescheduled_by is None
