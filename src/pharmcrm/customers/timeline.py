"""The customer's activity timeline (动态, issue 3 item 10): one newest-first list of what
happened to a customer across the areas, built from the records each area already keeps.

Each area registers a *source* in ``SOURCES``: a key (also the filter value), a label and a
function ``entries(customer, user, perms, *, limit) -> iterable[TimelineEntry]`` given as a
dotted path "module:function" (so this module imports no other area). The customer has already
been visibility-checked; a source must not reveal anything else ``user`` may not see (e.g. the
name of another customer they cannot see). ``limit`` is the number of newest entries the page
needs: a source returns at least its newest ``limit`` entries (more is allowed) with a constant
number of queries. Later issues (follow-ups, visits, orders, tenders) add a source here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.registry import resolve

PAGE_SIZE = 30
MAX_OFFSET = 3000  # deeper than anyone scrolls; keeps each source's query bounded


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime  # aware; a date-only event is placed at local midnight of that day
    kind: str  # "<source>.<event>", e.g. "pool.claim"
    icon: str  # a Bootstrap Icons name without "bi-", e.g. "person-plus"
    text: str  # one translated sentence
    link: str = ""  # a page the user may open, or ""
    actor: Any = None  # the User who did it, None for the system / unknown
    detail: str = ""  # an optional second line (a reason, the changed fields)
    all_day: bool = False  # only the day is known (a start date, an expiry): shown without a time


@dataclass(frozen=True)
class TimelineSource:
    key: str
    label: str
    entries: str  # dotted path "module:function"

    def load(self, customer, user, perms, *, limit: int) -> list[TimelineEntry]:
        return list(resolve(self.entries)(customer, user, perms, limit=limit))


SOURCES: list[TimelineSource] = [
    TimelineSource("record", _("Customer record"), "pharmcrm.customers.timeline_sources:record_entries"),
    TimelineSource("ownership", _("Owner and pool"), "pharmcrm.customers.timeline_sources:ownership_entries"),
    TimelineSource("sharing", _("Sharing"), "pharmcrm.customers.timeline_sources:sharing_entries"),
    TimelineSource("followups", _("Follow-ups"), "pharmcrm.activities.timeline:followup_entries"),
    TimelineSource("contacts", _("Contacts"), "pharmcrm.contacts.timeline:contact_entries"),
    TimelineSource("qualifications", _("Qualifications"), "pharmcrm.qualifications.timeline:qualification_entries"),
    TimelineSource("agreements", _("Agency agreements"), "pharmcrm.agency.timeline:agreement_entries"),
    TimelineSource("duplicates", _("Duplicates and merges"), "pharmcrm.customers.timeline_sources:duplicate_entries"),
]


def source_keys() -> list[str]:
    return [s.key for s in SOURCES]


def at_day(day: datetime.date) -> datetime.datetime:
    """A date-only event (a contact's start date, a document's expiry) as local midnight
    (its entry says ``all_day=True``)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    offset: int
    limit: int
    has_more: bool
    sources: list[TimelineSource] = field(default_factory=list)  # the ones that were read


def timeline_page(*, actor, customer, perms, offset: int = 0, limit: int = PAGE_SIZE,
                  sources: Iterable[str] | None = None, day_from: datetime.date | None = None,
                  day_to: datetime.date | None = None) -> TimelinePage:
    """Entries ``offset .. offset+limit`` of the customer's merged timeline, newest first.

    ``customer`` was loaded through a selector (visibility-checked) and ``perms`` is
    ``customer_permissions`` for it. ``sources``: only these source keys (None or empty: all).
    A constant number of queries: each source is asked once for its newest ``offset+limit+1``.
    ``day_from`` / ``day_to``: only entries on those local days (inclusive); with an end day each
    source is read ``MAX_OFFSET`` entries deeper (the newer entries come first), a bounded depth.
    """
    offset = max(0, min(int(offset), MAX_OFFSET))
    limit = max(1, int(limit))
    wanted = set(sources or ()) & set(source_keys())
    chosen = [s for s in SOURCES if not wanted or s.key in wanted]
    need = offset + limit + 1
    now = timezone.now()
    start = at_day(day_from) if day_from else None
    if day_to:
        now = min(now, at_day(day_to + datetime.timedelta(days=1)) - datetime.timedelta(microseconds=1))
        need += MAX_OFFSET
    entries: list[TimelineEntry] = []
    for source in chosen:
        entries.extend(e for e in source.load(customer, actor, perms, limit=need)
                       if e.at <= now and (start is None or e.at >= start))
    entries.sort(key=lambda e: (e.at, e.kind), reverse=True)
    window = entries[offset:offset + limit + 1]
    return TimelinePage(entries=window[:limit], offset=offset, limit=limit, has_more=len(window) > limit,
                        sources=chosen)
