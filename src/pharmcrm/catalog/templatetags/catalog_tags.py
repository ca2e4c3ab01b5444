"""Presentation helpers of the catalog pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def price(value) -> str:
    """¥ amounts: thousands separators, 2 decimals, up to 4 when the price has them
    (12.5000 -> "12.50", 0.3125 -> "0.3125", 1234.5 -> "1,234.50")."""
    if value in (None, ""):
        return "—"
    d = Decimal(value)
    places = 2
    for n in (3, 4):
        if d != d.quantize(Decimal(1).scaleb(-(n - 1))):
            places = n
    return f"¥{d:,.{places}f}"
