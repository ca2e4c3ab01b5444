"""Validators and normalisers for product master data.

批准文号 (drug approval number): ``国药准字`` + one letter + 8 digits.
H = chemical drug (化学药品), Z = traditional Chinese medicine (中药), S = biological product
(生物制品), J = imported drug packaged in China (进口分包装药品). Example: 国药准字H20103026.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

APPROVAL_PREFIX = "国药准字"
APPROVAL_LETTERS = "HZSJ"
APPROVAL_RE = re.compile(r"^国药准字[HZSJ]\d{8}$")
_SPACES = re.compile(r"\s+")
_TIMES = re.compile(r"\s*[xX*]\s*(?=\d)")


def normalise_approval_number(value: str | None) -> str:
    """Full-width -> half-width, no spaces, capital letter; a bare "H20103026" gets the prefix."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", value or "")).upper()
    if text and text[0] in APPROVAL_LETTERS and text[1:].isdigit():
        text = APPROVAL_PREFIX + text
    return text


def validate_approval_number(value: str | None) -> None:
    code = normalise_approval_number(value)
    if APPROVAL_RE.match(code):
        return
    if not code.startswith(APPROVAL_PREFIX):
        raise ValidationError(
            _("The approval number must start with 国药准字, e.g. 国药准字H20103026."),
            code="approval_prefix",
        )
    rest = code[len(APPROVAL_PREFIX):]
    if not rest or rest[0] not in APPROVAL_LETTERS:
        raise ValidationError(
            _("After 国药准字 comes one letter: H (chemical), Z (Chinese medicine), S (biological) "
              "or J (imported, packaged in China)."),
            code="approval_letter",
        )
    raise ValidationError(
        _("After 国药准字%(letter)s come exactly 8 digits (you entered “%(rest)s”)."),
        code="approval_digits", params={"letter": rest[0], "rest": rest[1:]},
    )


def normalise_spec(value: str | None) -> str:
    """Trim, full-width -> half-width (keeping ×), and write the pack multiplier as ×:
    "0.25g x 24片" and "0.25g＊24片" both become "0.25g×24片"."""
    text = unicodedata.normalize("NFKC", (value or "").strip())
    text = _SPACES.sub(" ", text)
    return _TIMES.sub("×", text).strip()
