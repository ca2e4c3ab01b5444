"""Deadline reminders: the configured offsets, Asia/Shanghai dates (a deadline at 00:30 Shanghai
is 16:30 UTC the day before and counts on the Shanghai date), idempotency, recipients; the
desktop card shows upcoming deadlines and is hidden while there are none."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from pharmcrm.core.daily import daily_steps
from pharmcrm.notifications.models import Notification
from pharmcrm.tenders.daily_steps import deadline_remind as _remind
from pharmcrm.tenders.desktop import deadline_card
from tests.tenders.conftest import new_tender

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
TODAY = datetime.date(2026, 12, 1)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SH)


@pytest.fixture
def deadline_remind(django_capture_on_commit_callbacks):
    """The step, with the notifications it schedules on commit actually sent."""

    def run(*, day):
        with django_capture_on_commit_callbacks(execute=True):
            return _remind(day=day)

    return run


def _keys():
    return sorted(set(Notification.objects.filter(kind="tender_deadline").values_list("key", flat=True)))


def test_the_step_is_registered():
    assert "tenders" in {s.key for s in daily_steps()}


def test_offsets_7_3_1_and_idempotent(org, tb, deadline_remind):
    t7 = new_tender(org.rep_pd1, bid_opening_at=_at(TODAY + datetime.timedelta(days=7), 9, 30))
    t3 = new_tender(org.rep_pd1, registration_deadline=_at(TODAY + datetime.timedelta(days=3), 17))
    t1 = new_tender(org.rep_pd1, document_deadline=_at(TODAY + datetime.timedelta(days=1), 10))
    new_tender(org.rep_pd1, bid_opening_at=_at(TODAY + datetime.timedelta(days=5), 10))  # no offset 5
    deadline_remind(day=TODAY)
    assert _keys() == sorted([
        f"tender-deadline:{t7.pk}:bid_opening_at:{TODAY + datetime.timedelta(days=7)}:7",
        f"tender-deadline:{t3.pk}:registration_deadline:{TODAY + datetime.timedelta(days=3)}:3",
        f"tender-deadline:{t1.pk}:document_deadline:{TODAY + datetime.timedelta(days=1)}:1"])
    # owner and the tender specialist, once each
    n = Notification.objects.filter(kind="tender_deadline").count()
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {org.rep_pd1.pk, tb.weilin.pk}
    assert n == 6
    deadline_remind(day=TODAY)  # a second run notifies nobody
    assert Notification.objects.filter(kind="tender_deadline").count() == n


def test_configurable_offsets(org, tb, settings, deadline_remind):
    settings.PHARMCRM = {**settings.PHARMCRM, "TENDER_REMINDER_DAYS": [2]}
    t = new_tender(org.rep_pd1, bid_opening_at=_at(TODAY + datetime.timedelta(days=2), 9))
    new_tender(org.rep_pd1, bid_opening_at=_at(TODAY + datetime.timedelta(days=7), 9))
    deadline_remind(day=TODAY)
    assert _keys() == [f"tender-deadline:{t.pk}:bid_opening_at:{TODAY + datetime.timedelta(days=2)}:2"]


def test_shanghai_date_not_utc_date(org, tb, deadline_remind):
    """00:30 in Shanghai on Dec 4 is 16:30 UTC on Dec 3: it is 3 days after Dec 1, not 2."""
    when = datetime.datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
    assert when.astimezone(SH).date() == datetime.date(2026, 12, 4)
    t = new_tender(org.rep_pd1, registration_deadline=when)
    deadline_remind(day=TODAY + datetime.timedelta(days=1))  # Dec 2: the UTC date would be 1 day ahead
    assert _keys() == []
    deadline_remind(day=TODAY)  # Dec 1 + 3 = Dec 4 (Shanghai)
    assert _keys() == [f"tender-deadline:{t.pk}:registration_deadline:2026-12-04:3"]


def test_moved_deadline_reminds_again_and_closed_states_do_not(org, tb, deadline_remind):
    from pharmcrm.tenders import services

    t = new_tender(org.rep_pd1, bid_opening_at=_at(TODAY + datetime.timedelta(days=3), 9))
    deadline_remind(day=TODAY)
    services.tender_update(actor=org.rep_pd1, tender_id=t.pk,
                           data={"bid_opening_at": _at(TODAY + datetime.timedelta(days=4), 9)})
    deadline_remind(day=TODAY + datetime.timedelta(days=1))
    assert len(_keys()) == 2
    services.tender_cancel(actor=org.rep_pd1, tender_id=t.pk)
    before = len(_keys())
    deadline_remind(day=TODAY + datetime.timedelta(days=3))
    assert len(_keys()) == before


def test_desktop_card(web_as, org, tb):
    assert deadline_card(org.rep_pd1, "mine", datetime.date.today()) is None
    body = web_as(org.rep_pd1).get(reverse("web:desktop")).content.decode()
    assert 'data-testid="card-tender-deadlines"' not in body
    from django.utils import timezone

    soon = timezone.now() + datetime.timedelta(days=2)
    t = new_tender(org.rep_pd1, name="江苏省联盟集采", bid_opening_at=soon)
    new_tender(org.rep_gz, name="广东挂网", bid_opening_at=soon)
    card = deadline_card(org.rep_pd1, "mine", timezone.localdate())
    assert [r["tender"].pk for r in card["rows"]] == [t.pk]
    assert len(deadline_card(tb.weilin, "mine", timezone.localdate())["rows"]) == 2  # specialists: all
    assert [r["tender"].pk for r in deadline_card(org.sh_head, "team", timezone.localdate())["rows"]] == [t.pk]
    body = web_as(org.rep_pd1).get(reverse("web:desktop")).content.decode()
    assert 'data-testid="card-tender-deadlines"' in body and "江苏省联盟集采" in body
