"""Counting and paging that stay cheap on a million rows."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet


@dataclass(frozen=True)
class CappedCount:
    value: int
    exact: bool

    def __str__(self) -> str:
        return f"{self.value:,}" if self.exact else f"{self.value - 1:,}+"


def capped_count(qs: QuerySet, limit: int | None = None) -> CappedCount:
    """Exact below ``limit``; beyond, "10,000+" (counting a million rows is not cheap)."""
    limit = limit or settings.PHARMCRM["EXACT_COUNT_LIMIT"]
    n = qs.order_by()[: limit + 1].count()
    return CappedCount(n if n <= limit else limit + 1, n <= limit)
