"""Checks of the 360° profile's identifiers: taxpayer ID, bank account, phone, region code.

Each returns the normalised value or raises ``django.core.exceptions.ValidationError`` with a
Chinese message (through gettext) that says how to fix the input.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pharmcrm.core.validators import normalise_credit_code, validate_credit_code

TAXPAYER_ID_LENGTHS = (15, 17, 18, 20)
_TAXPAYER_CHARS = re.compile(r"^[0-9A-Z]+$")
_SEPARATORS = re.compile(r"[\s\-]+")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# 021-50001234, 0755-8888888, 010 12345678-123, 02150001234; 400/800 service numbers
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_SERVICE = re.compile(r"^[48]00-?\d{3}-?\d{4}$")


def normalise_taxpayer_id(value: str) -> str:
    return normalise_credit_code(_SEPARATORS.sub("", value or ""))


def validate_taxpayer_id(value: str) -> str:
    """纳税人识别号: 15 (old tax registration), 17, 18 (the unified social credit code, whose check
    character must be right) or 20 characters, digits and capital letters."""
    code = normalise_taxpayer_id(value)
    if len(code) not in TAXPAYER_ID_LENGTHS:
        raise ValidationError(
            _("A taxpayer ID has 15, 17, 18 or 20 characters (you entered %(n)d).") % {"n": len(code)},
            code="taxpayer_id_length",
        )
    if not _TAXPAYER_CHARS.match(code):
        raise ValidationError(_("A taxpayer ID contains only digits and capital letters."), code="taxpayer_id_chars")
    if len(code) == 18:
        validate_credit_code(code)
    return code


def validate_bank_account(value: str) -> str:
    """Bank account numbers vary by bank: 8 to 32 digits, spaces and hyphens allowed (and dropped)."""
    digits = _SEPARATORS.sub("", value or "")
    if not digits.isdigit() or not 8 <= len(digits) <= 32:
        raise ValidationError(_("Enter the account number: 8 to 32 digits."), code="bank_account")
    return digits


def validate_phone(value: str) -> str:
    """A mobile number (13812345678), a landline with area code (021-50001234, extension allowed)
    or a 400/800 number. Spaces are dropped; +86 is accepted in front of a mobile number."""
    phone = re.sub(r"\s+", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:].lstrip("-")
    phone = phone.replace("（", "(").replace("）", ")")
    if re.match(r"^\(0\d{2,3}\)", phone):
        phone = phone[1:].replace(")", "-", 1)
    if _MOBILE.match(phone) or _LANDLINE.match(phone) or _SERVICE.match(phone):
        return phone
    raise ValidationError(
        _("Enter a mobile number (11 digits) or a landline with its area code, e.g. 021-50001234."),
        code="phone",
    )


def validate_region_code(value: str) -> str:
    """A GB/T 2260 region code.

    REGIONS SWITCH: when ``pharmcrm.core.regions`` (the regions engineer's data and API) is
    present, the code must exist in the region data (``region_validate``); until then any
    6-digit code is accepted. Nothing else needs to change when it lands.
    """
    code = (value or "").strip()
    try:
        from pharmcrm.core.regions import region_validate
    except ImportError:  # regions not landed yet: the 6-digit fallback
        region_validate = None
    if region_validate is not None:
        region_validate(code)
        return code
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError(_("Enter a 6-digit administrative region code, e.g. 310115."), code="region_code")
    return code


def region_labels(codes) -> dict[str, str]:
    """{code: "浙江省 杭州市 西湖区"} for display (the code itself until the regions data lands)."""
    codes = {c for c in codes if c}
    try:
        from pharmcrm.core.regions import region_label
    except ImportError:
        return {c: c for c in codes}
    out = {}
    for c in codes:
        try:
            out[c] = region_label(c) or c
        except Exception:  # an unknown or retired code still displays
            out[c] = c
    return out
