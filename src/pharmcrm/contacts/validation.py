"""Normalising and checking what people type about a contact: phones, WeChat, email, dates.

Every check returns a Chinese message (gettext) the UI shows under the field and the API
returns in ``fields``; none raises on its own, so a service can collect all of them at once.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_PREFIX = re.compile(r"^(?:\+?86|0086)(?=1\d{10}$)")
_PHONE = re.compile(r"^\+?[0-9()\- ]{5,20}(?:(?:转|ext\.?|x|#)\s*\d{1,6})?$", re.IGNORECASE)
_WECHAT = re.compile(r"^[A-Za-z0-9_\-]{5,30}$")
_SEPARATORS = re.compile(r"[\s\-]")

MIN_YEAR = 1900


def _half_width(value: str) -> str:
    """Full-width digits and punctuation (１３８, －) to half width, trimmed."""
    return unicodedata.normalize("NFKC", value or "").strip()


def normalise_mobile(value: str) -> str:
    """"138 0013 8000", "+86 138-0013-8000" -> "13800138000" (anything else is left to the check)."""
    v = _SEPARATORS.sub("", _half_width(value))
    return _MOBILE_PREFIX.sub("", v)


def mobile_error(value: str) -> str | None:
    if value and not _MOBILE.match(value):
        return _("Enter an 11-digit mobile number starting with 1, e.g. 13812345678.")
    return None


def normalise_phone(value: str) -> str:
    return re.sub(r"\s+", " ", _half_width(value))


def phone_error(value: str) -> str | None:
    if value and (not _PHONE.match(value) or sum(c.isdigit() for c in value) < 5):
        return _("Enter a phone number, e.g. 021-50001234 or 021-50001234转8001.")
    return None


def wechat_error(value: str) -> str | None:
    if value and not _WECHAT.match(value):
        return _("A WeChat ID has 5 to 30 letters, digits, underscores or hyphens (a mobile number works too).")
    return None


def normalise_email(value: str) -> str:
    return _half_width(value).lower()


def email_error(value: str) -> str | None:
    if not value:
        return None
    try:
        validate_email(value)
    except ValidationError:
        return _("Enter a valid email address, e.g. wang@example.com.")
    return None


def today() -> datetime.date:
    return timezone.localdate()


def month_day_error(month: int | None, day: int | None, year: int | None = None) -> str | None:
    """None if (year,) month, day is a real calendar date; 2月29日 needs a leap year (or no year)."""
    if month is None and day is None:
        return None
    if month is None or day is None:
        return _("Enter both the month and the day.")
    if not 1 <= month <= 12:
        return _("The month must be between 1 and 12.")
    leap_year = year if year and calendar.isleap(year) else 2000
    if not 1 <= day <= calendar.monthrange(year or leap_year, month)[1]:
        if month == 2 and day == 29 and year:
            return _("%(year)d is not a leap year: February has no 29th.") % {"year": year}
        return _("This date does not exist (e.g. April has no 31st).")
    return None


def birthday_errors(year: int | None, month: int | None, day: int | None) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    this_year = today().year
    if year is not None and not MIN_YEAR <= year <= this_year:
        fields["birth_year"] = [_("The year of birth must be between %(lo)d and %(hi)d.")
                                % {"lo": MIN_YEAR, "hi": this_year}]
    if year is not None and month is None:
        fields["birth_month"] = [_("Enter the birthday's month and day as well, or leave the year empty.")]
    msg = month_day_error(month, day, year if "birth_year" not in fields else None)
    if msg:
        fields["birth_day" if month and 1 <= month <= 12 else "birth_month"] = [msg]
    elif year and month and datetime.date(year, month, day) > today():
        fields["birth_year"] = [_("The birthday cannot be in the future.")]
    return fields


_BIRTHDAY_FORMATS = [
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?:--)?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?$"),
]


def parse_birthday(text: str) -> tuple[int | None, int | None, int | None]:
    """"1975-03-08", "1975/3/8", "1975年3月8日", "19750308" -> (1975, 3, 8);
    "03-08", "3/8", "3月8日", "--03-08" -> (None, 3, 8); "" -> (None, None, None).
    Raises ``ValueError`` (with a Chinese message) for anything else."""
    value = re.sub(r"\s+", "", _half_width(text))
    if not value:
        return None, None, None
    for pattern in _BIRTHDAY_FORMATS:
        m = pattern.match(value)
        if m:
            parts = m.groupdict()
            year = int(parts["y"]) if parts.get("y") else None
            return year, int(parts["m"]), int(parts["d"])
    raise ValueError(_("Enter the birthday as 1975-03-08, or 03-08 if you do not know the year."))
