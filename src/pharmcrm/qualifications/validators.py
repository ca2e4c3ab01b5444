"""The resident identity card number of the PRC (GB 11643-1999): 18 characters, the last a
check character computed over the first 17 (ISO 7064 MOD 11-2), with a birth date inside."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def validate_id_number(value: str) -> None:
    code = normalise_id_number(value)
    if len(code) != 18:
        raise ValidationError(_("The ID card number must be 18 characters (you entered %(n)d)."),
                              code="id_length", params={"n": len(code)})
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise ValidationError(_("The ID card number is 17 digits followed by a digit or X."), code="id_chars")
    try:
        born = datetime.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        born = None
    if born is None or not (datetime.date(1900, 1, 1) <= born <= timezone.localdate()):
        raise ValidationError(_("The ID card number contains no valid date of birth; please check it."),
                              code="id_birth")
    if id_check_char(code[:17]) != code[17]:
        raise ValidationError(_("The ID card number's check character is wrong; please check the number."),
                              code="id_check")


def mask_id_number(value: str) -> str:
    """``310104********123X``: the region and the last four, for readers who may not write."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
