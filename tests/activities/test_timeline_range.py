"""The customer timeline's date-range filter (customers/timeline.py ``day_from``/``day_to``,
the 动态 tab's date inputs, GET /customers/{id}/timeline?day_from=&day_to=): local days,
inclusive, combined with the source filter."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pharmcrm.customers.selectors import customer_permissions
from pharmcrm.customers.timeline import timeline_page
from tests.activities.conftest import log

pytestmark = pytest.mark.django_db


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def days(org, book):
    d = timezone.localdate() - datetime.timedelta(days=10)
    log(org.rep_pd1, book.pd1, "十天前深夜电话", occurred_at=_at(d, 23, 30))
    log(org.rep_pd1, book.pd1, "九天前凌晨微信", occurred_at=_at(d + datetime.timedelta(days=1), 0, 30))
    log(org.rep_pd1, book.pd1, "昨天拜访", occurred_at=_at(timezone.localdate() - datetime.timedelta(days=1), 10))
    return d


def _texts(org, book, **kw):
    perms = customer_permissions(actor=org.rep_pd1, customer=book.pd1)
    page = timeline_page(actor=org.rep_pd1, customer=book.pd1, perms=perms, sources=["followups"], **kw)
    return [e.detail or e.text for e in page.entries]


def test_the_range_is_local_days_inclusive(org, book, days):
    one = _texts(org, book, day_from=days, day_to=days)
    assert len(one) == 1 and "十天前深夜电话" in one[0]
    two = _texts(org, book, day_from=days, day_to=days + datetime.timedelta(days=1))
    assert len(two) == 2
    assert len(_texts(org, book, day_from=days + datetime.timedelta(days=1))) == 2  # 九天前 and 昨天
    assert len(_texts(org, book, day_to=days)) == 1
    assert len(_texts(org, book)) == 3


def test_tab_and_api(client, as_user, org, book, days):
    client.force_login(org.rep_pd1)
    url = reverse("web:customer_detail", args=[book.pd1.pk])
    r = client.get(url, {"tab": "activity", "from": days.isoformat(), "to": days.isoformat()})
    html = r.content.decode()
    assert r.status_code == 200 and "十天前深夜电话" in html and "昨天拜访" not in html
    assert f'value="{days.isoformat()}"' in html
    assert client.get(url, {"tab": "activity", "from": "2026-02-31"}).status_code == 200  # malformed: ignored
    r = as_user(org.rep_pd1).get(f"/customers/{book.pd1.pk}/timeline?source=followups&day_from={days.isoformat()}"
                                 f"&day_to={days.isoformat()}")
    assert r.status_code == 200 and len(r.json()["items"]) == 1
