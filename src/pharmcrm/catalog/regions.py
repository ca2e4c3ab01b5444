"""The catalog's view of regions: one thin layer over ``pharmcrm.core.regions`` (GB/T 2260
data, quirks handled there), so prices use THE containment rule of the whole application."""

from __future__ import annotations

from django.utils.translation import gettext as _

from pharmcrm.core import regions as core_regions


def region_validate(code: str) -> None:
    """Raise ``ValidationError`` (Chinese message) unless ``code`` is a current region code."""
    core_regions.region_validate(code)


def region_prefix(code: str) -> str:
    """"33" for 330000, "3301" for 330100, the whole code for a county."""
    return core_regions.region_prefix(code)


def region_contains(ancestor: str, code: str) -> bool:
    """True when region ``ancestor`` is ``code`` or contains it."""
    return core_regions.region_contains(ancestor, code)


def region_label(code: str) -> str:
    """"浙江省 杭州市 西湖区"; "全国" (national) for no code."""
    if not code:
        return _("National")
    return core_regions.region_label(code)
