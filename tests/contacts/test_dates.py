"""Yearly dates: windows over (month, day), New Year, 29 February; birthdays and care dates coming up."""

from __future__ import annotations

import calendar
import datetime

import pytest
from django.db.models import Q
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pharmcrm.contacts.dates import month_day_window, occurrence
from pharmcrm.contacts.models import CareDate, Contact
from pharmcrm.contacts.occasions import contact_birthdays
from tests.contacts.conftest import new_contact

D = datetime.date


def reference(month: int, day: int, start: datetime.date, days: int) -> datetime.date | None:
    """Walk the window day by day: the first day that *is* (month, day) — 29 Feb on 28 Feb in
    other years."""
    for i in range(days):
        d = start + datetime.timedelta(days=i)
        if (d.month, d.day) == (month, day):
            return d
        if (month, day) == (2, 29) and not calendar.isleap(d.year) and (d.month, d.day) == (2, 28):
            return d
    return None


def matches(q: Q, month: int, day: int) -> bool:
    """Evaluate the Q of ``month_day_window`` in Python (it only uses =, <, >, <=, >=, isnull)."""
    if not isinstance(q, Q):
        key, value = q
        field, _sep, op = key.partition("__")
        actual = {"month": month, "day": day}[field]
        return {"": actual == value, "gte": actual >= value, "lte": actual <= value, "gt": actual > value,
                "lt": actual < value, "isnull": (actual is None) == value}[op]
    results = [matches(child, month, day) for child in q.children]
    ok = any(results) if q.connector == Q.OR else all(results)
    return not ok if q.negated else ok


ALL_DAYS = [(m, d) for m in range(1, 13) for d in range(1, calendar.monthrange(2000, m)[1] + 1)]


@pytest.mark.parametrize("start,days,expect", [
    (D(2025, 12, 28), 7, {(12, 28), (12, 31), (1, 1), (1, 3)}),   # across New Year
    (D(2025, 2, 27), 2, {(2, 27), (2, 28), (2, 29)}),             # 2025 is not a leap year: 29 Feb on the 28th
    (D(2028, 2, 27), 2, {(2, 27), (2, 28)}),                      # 2028 is: the 29th is its own day
    (D(2028, 2, 29), 1, {(2, 29)}),
    (D(2025, 3, 1), 1, {(3, 1)}),
])
def test_windows(start, days, expect):
    q = month_day_window(start, days)
    got = {md for md in ALL_DAYS if matches(q, *md)}
    assert expect <= got
    assert got == {md for md in ALL_DAYS if reference(*md, start, days)}


def test_occurrences():
    assert occurrence(1, 2, D(2025, 12, 30), 7) == D(2026, 1, 2)
    assert occurrence(2, 29, D(2025, 2, 20), 14) == D(2025, 2, 28)
    assert occurrence(2, 29, D(2028, 2, 20), 14) == D(2028, 2, 29)
    assert occurrence(2, 29, D(2028, 3, 1), 7) is None
    assert occurrence(6, 1, D(2025, 3, 1), 7) is None
    assert occurrence(12, 31, D(2025, 12, 31), 1) == D(2025, 12, 31)


@given(start=st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31)), days=st.integers(1, 400),
       md=st.sampled_from(ALL_DAYS))
@hsettings(max_examples=400)
def test_window_and_occurrence_equal_the_day_by_day_reference(start, days, md):
    days_in = min(days, 366)
    assert occurrence(*md, start, days) == reference(*md, start, days_in)
    assert matches(month_day_window(start, days), *md) == (reference(*md, start, days_in) is not None)


@pytest.mark.django_db
def test_the_database_agrees(org, book):
    """One care date on every day of the year; the database filter picks the reference's days."""
    c = new_contact(org.rep_pd1, book.pd1)
    CareDate.objects.bulk_create([CareDate(contact=c, label="x", month=m, day=d) for m, d in ALL_DAYS])
    for start, days in [(D(2025, 12, 25), 14), (D(2025, 2, 26), 3), (D(2028, 2, 26), 3), (D(2026, 6, 1), 30),
                        (D(2026, 1, 1), 366)]:
        got = set(CareDate.objects.filter(month_day_window(start, days)).values_list("month", "day"))
        assert got == {md for md in ALL_DAYS if reference(*md, start, min(days, 366))}, (start, days)


@pytest.mark.django_db
def test_contact_birthdays(org, book):
    a = new_contact(org.rep_pd1, book.pd1, "甲", birth_year=1980, birth_month=1, birth_day=2)
    new_contact(org.rep_pd1, book.pd1b, "乙", birth_month=12, birth_day=30,
                care_dates=[{"label": "结婚纪念日", "month": 1, "day": 1, "year": 2010}])
    leap = new_contact(org.rep_pd1, book.pd1, "丙", birth_month=2, birth_day=29)
    new_contact(org.rep_pd2, book.pd2, "丁", birth_month=12, birth_day=31)  # 李娜's: 张伟 does not see it
    new_contact(org.rep_pd1, book.pd1, "戊", birth_month=6, birth_day=1)  # not in the window
    rows = contact_birthdays(actor=org.rep_pd1, start=D(2025, 12, 29), days=7)
    assert [(o.date, o.contact.name, o.kind, o.label, o.years, o.days_away) for o in rows] == [
        (D(2025, 12, 30), "乙", "birthday", "生日", None, 1),
        (D(2026, 1, 1), "乙", "care", "结婚纪念日", 16, 3),
        (D(2026, 1, 2), "甲", "birthday", "生日", 46, 4),
    ]
    assert rows[0].is_current and rows[0].contact.seen_employments[0].customer == book.pd1b
    assert [o.contact for o in contact_birthdays(actor=org.rep_pd1, start=D(2027, 2, 27), days=3)] == [leap]
    assert [o.date for o in contact_birthdays(actor=org.rep_pd1, start=D(2027, 2, 27), days=3)] == [D(2027, 2, 28)]
    assert contact_birthdays(actor=org.pd_head, start=D(2025, 12, 31), days=1)[0].contact.name == "丁"
    assert a in [o.contact for o in contact_birthdays(actor=org.admin, start=D(2026, 1, 1), days=2)]
    # current_only: someone who left is still shown unless asked not to
    from pharmcrm.contacts import services

    services.employment_end(actor=org.rep_pd1, contact_id=a.pk, employment_id=a.employments.get().pk)
    assert a in [o.contact for o in contact_birthdays(actor=org.rep_pd1, start=D(2026, 1, 1), days=2)]
    assert a not in [o.contact for o in contact_birthdays(actor=org.rep_pd1, start=D(2026, 1, 1), days=2,
                                                          current_only=True)]
    assert not Contact.objects.filter(name="丁", employments__customer=book.pd1).exists()


@pytest.mark.django_db
def test_contact_birthdays_query_count(org, book, django_assert_max_num_queries):
    for i in range(12):
        new_contact(org.rep_pd1, book.pd1, f"寿星{i}", birth_month=5, birth_day=1 + i % 5,
                    care_dates=[{"label": "孩子生日", "month": 5, "day": 3}])
    with django_assert_max_num_queries(8) as ctx:
        rows = contact_birthdays(actor=org.rep_pd1, start=D(2026, 5, 1), days=7)
        assert len(rows) == 24 and all(o.contact.seen_employments for o in rows)
    assert len(ctx.captured_queries) <= 8
