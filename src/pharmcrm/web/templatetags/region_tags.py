"""``{{ code|region_label }}`` → "浙江省 杭州市 西湖区" (from core.regions' in-memory copy: no query)."""

from django import template

from pharmcrm.core import regions

register = template.Library()


@register.filter
def region_label(code: str, sep: str = " ") -> str:
    return regions.region_label(code, sep=sep)
