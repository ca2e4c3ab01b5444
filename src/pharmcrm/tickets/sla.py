"""Service level: how long a ticket may stay open, by type and priority.

``settings.PHARMCRM["TICKET_SLA_HOURS"]`` is ``{type: {priority: hours}}``; a type or priority it
does not name falls back to ``DEFAULT_SLA_HOURS`` (so a company may override only a few cells).
The clock runs in calendar hours (a service desk for hospitals and pharmacies works weekends).
"""

from __future__ import annotations

import datetime

from django.conf import settings

DEFAULT_SLA_HOURS: dict[str, dict[str, int]] = {
    "quality": {"urgent": 4, "high": 12, "normal": 24, "low": 48},
    "complaint": {"urgent": 4, "high": 12, "normal": 24, "low": 48},
    "return": {"urgent": 8, "high": 24, "normal": 48, "low": 72},
    "consultation": {"urgent": 8, "high": 24, "normal": 48, "low": 72},
    "other": {"urgent": 8, "high": 24, "normal": 48, "low": 72},
}
FALLBACK_HOURS = 48


def sla_table() -> dict[str, dict[str, int]]:
    """The effective table: the defaults overlaid with the configured cells."""
    configured = (getattr(settings, "PHARMCRM", {}) or {}).get("TICKET_SLA_HOURS") or {}
    table = {t: dict(row) for t, row in DEFAULT_SLA_HOURS.items()}
    for ticket_type, row in configured.items():
        table.setdefault(ticket_type, {}).update(row or {})
    return table


def sla_hours(ticket_type: str, priority: str) -> float:
    hours = sla_table().get(ticket_type, {}).get(priority)
    if hours is None:
        hours = DEFAULT_SLA_HOURS.get(ticket_type, {}).get(priority, FALLBACK_HOURS)
    hours = float(hours)
    if hours <= 0:
        raise ValueError(f"TICKET_SLA_HOURS[{ticket_type!r}][{priority!r}] must be positive")
    return hours


def due_at(ticket_type: str, priority: str, start: datetime.datetime) -> datetime.datetime:
    """When a ticket of ``ticket_type`` and ``priority`` opened at ``start`` is due."""
    return start + datetime.timedelta(hours=sla_hours(ticket_type, priority))
