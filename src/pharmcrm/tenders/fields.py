"""Input checking shared by the tender and listing services: one ``ApplicationError`` with
every field's message; never rounds (too many decimals is an error)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.regions import PROVINCE, region_get

MAX_PRICE = Decimal("99999999")  # 12 digits, 4 decimals
MAX_MONEY = Decimal("999999999999")  # 14 digits, 2 decimals
MAX_QUANTITY = Decimal("99999999999")  # 14 digits, 3 decimals


def invalid(fields: dict[str, list[str]]) -> ApplicationError:
    first = next(iter(fields.values()))[0]
    return ApplicationError(first, code="invalid", fields=fields)


def to_id(value) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value >= 2**63:
        return None
    return value


def text(data: dict, name: str, fields: dict, *, limit: int, required_msg: str | None = None) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        fields[name] = [_("Enter text.")]
        return None
    value = (value or "").strip()
    if "\x00" in value:
        fields[name] = [_("Enter text.")]
        return None
    if len(value) > limit:
        fields[name] = [_("At most %(n)d characters.") % {"n": limit}]
        return None
    if not value and required_msg:
        fields[name] = [required_msg]
        return None
    return value


def note(value, *, name: str = "note", limit: int = 2000, required_msg: str | None = None) -> str:
    fields: dict[str, list[str]] = {}
    out = text({name: value}, name, fields, limit=limit, required_msg=required_msg)
    if fields:
        raise invalid(fields)
    return out


def decimal(data: dict, name: str, fields: dict, *, places: int, maximum: Decimal, positive: bool = True,
            required: bool = False) -> tuple[bool, Decimal | None]:
    """(ok, value): ``None`` or "" clears unless ``required``."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            fields[name] = [_("Enter a number.")]
            return False, None
        return True, None
    if isinstance(value, bool | float):
        fields[name] = [_("Enter a number.")]
        return False, None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        fields[name] = [_("Enter a number.")]
        return False, None
    if not d.is_finite():
        fields[name] = [_("Enter a number.")]
        return False, None
    if d.as_tuple().exponent < -places and d.normalize().as_tuple().exponent < -places:
        fields[name] = [_("At most %(n)d decimal places.") % {"n": places}]
        return False, None
    if (positive and d <= 0) or d < 0:
        fields[name] = [_("Must be greater than zero.") if positive else _("Must not be negative.")]
        return False, None
    if d > maximum:
        fields[name] = [_("The number is too large.")]
        return False, None
    return True, d


def date(data: dict, name: str, fields: dict) -> tuple[bool, datetime.date | None]:
    value = data.get(name)
    if value in (None, ""):
        return True, None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return True, value
    try:
        parsed = parse_date(value.strip()) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        fields[name] = [_("Enter a date such as 2026-12-01.")]
        return False, None
    return True, parsed


def moment(data: dict, name: str, fields: dict) -> tuple[bool, datetime.datetime | None]:
    """A date-time; naive values (and forms' ``2026-12-01T09:30``) are Asia/Shanghai local time;
    a bare date means 09:00 local."""
    value = data.get(name)
    if value in (None, ""):
        return True, None
    if isinstance(value, str):
        raw = value.strip()
        try:
            day = parse_date(raw) if len(raw) <= 10 else None
            value = datetime.datetime.combine(day, datetime.time(9)) if day else parse_datetime(raw)
        except ValueError:
            value = None
    elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time(9))
    if not isinstance(value, datetime.datetime):
        fields[name] = [_("Enter a date and time such as 2026-12-01 09:30.")]
        return False, None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return True, value


def province(data: dict, name: str, fields: dict, *, required: bool = True) -> str | None:
    code = data.get(name)
    code = code.strip() if isinstance(code, str) else code
    if not code:
        if required:
            fields[name] = [_("Choose the province.")]
        return None if required else ""
    info = region_get(code) if isinstance(code, str) else None
    if info is None or info.level != PROVINCE:
        fields[name] = [_("Choose a province (a code such as 310000).")]
        return None
    return code
