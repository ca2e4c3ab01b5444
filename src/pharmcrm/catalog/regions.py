"""The catalog's view of regions: validation, containment, labels.

Everything goes through ``pharmcrm.core.regions`` (GB/T 2260 data, quirks handled there)
when that module is installed. Until it lands, a fallback keeps prices working on the plain
6-digit code structure (province XX0000, city XXXX00, county XXXXXX).
REGIONS-FALLBACK: the ``_core()`` call sites below are the only places to touch once
``core.regions`` is available everywhere; the fallbacks can then be deleted.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CODE = re.compile(r"^\d{6}$")


def _core():
    try:
        from pharmcrm.core import regions
    except ImportError:  # REGIONS-FALLBACK: the regions module is not installed yet
        return None
    return regions


def fallback_prefix(code: str) -> str:
    """"33" for 330000, "3301" for 330100, "330106" for 330106 (trailing "00" pairs dropped)."""
    code = code or ""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def region_validate(code: str) -> None:
    """Raise ``ValidationError`` (Chinese message) unless ``code`` is a known region code."""
    regions = _core()
    if regions is not None and hasattr(regions, "region_validate"):
        regions.region_validate(code)
        return
    # REGIONS-FALLBACK: format only
    if not _CODE.match(code or ""):
        raise ValidationError(_("A region code is 6 digits, e.g. 330000 (province), 330100 (city) "
                                "or 330106 (county)."), code="region_format")


def region_prefix(code: str) -> str:
    regions = _core()
    if regions is not None and hasattr(regions, "region_prefix"):
        return regions.region_prefix(code)
    return fallback_prefix(code)  # REGIONS-FALLBACK


def region_contains(ancestor: str, code: str) -> bool:
    """True when region ``ancestor`` is ``code`` or contains it."""
    if not ancestor or not code:
        return False
    regions = _core()
    if regions is not None and hasattr(regions, "region_contains"):
        return bool(regions.region_contains(ancestor, code))
    return code.startswith(fallback_prefix(ancestor))  # REGIONS-FALLBACK


def region_label(code: str) -> str:
    """"浙江省 杭州市 西湖区" when the regions module knows the code, else the code itself."""
    if not code:
        return _("National")
    regions = _core()
    if regions is not None and hasattr(regions, "region_label"):
        try:
            return regions.region_label(code) or code
        except Exception:  # an unknown (e.g. abolished) code still shows as itself
            return code
    return code
