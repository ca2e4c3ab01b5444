"""Yearly dates (birthdays, care dates) stored as month + day: windows and occurrences.

A window of ``days`` days from ``start`` is a range over (month, day) — two ranges when it
crosses New Year. Someone born on 29 February is remembered on 28 February in other years.
"""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Q

MAX_DAYS = 366


def _range(month: str, day: str, lo: tuple[int, int], hi: tuple[int, int]) -> Q:
    (m1, d1), (m2, d2) = lo, hi
    if m1 == m2:
        return Q(**{month: m1, f"{day}__gte": d1, f"{day}__lte": d2})
    q = Q(**{month: m1, f"{day}__gte": d1}) | Q(**{month: m2, f"{day}__lte": d2})
    if m2 - m1 > 1:
        q |= Q(**{f"{month}__gt": m1, f"{month}__lt": m2})
    return q


def window_end(start: datetime.date, days: int) -> datetime.date:
    return start + datetime.timedelta(days=max(1, min(days, MAX_DAYS)) - 1)


def month_day_window(start: datetime.date, days: int, *, month: str = "month", day: str = "day") -> Q:
    """A filter on the ``month``/``day`` fields for the yearly dates that fall in the
    ``days`` days from ``start`` (both ends included)."""
    end = window_end(start, days)
    if (end - start).days >= 365:  # 366 days hold every (month, day), 29 Feb at least as 28 Feb
        return Q(**{f"{month}__isnull": False})
    if start.year == end.year:
        q = _range(month, day, (start.month, start.day), (end.month, end.day))
    else:
        q = _range(month, day, (start.month, start.day), (12, 31)) | _range(month, day, (1, 1), (end.month, end.day))
    for year in {start.year, end.year}:
        feb28 = datetime.date(year, 2, 28)
        if not calendar.isleap(year) and start <= feb28 <= end:
            q |= Q(**{month: 2, day: 29})
    return q


def occurrence(month: int, day: int, start: datetime.date, days: int) -> datetime.date | None:
    """The date in the window on which the yearly date (month, day) falls, or None."""
    end = window_end(start, days)
    for year in range(start.year, end.year + 1):
        if month == 2 and day == 29 and not calendar.isleap(year):
            when = datetime.date(year, 2, 28)
        else:
            try:
                when = datetime.date(year, month, day)
            except ValueError:
                continue
        if start <= when <= end:
            return when
    return None
