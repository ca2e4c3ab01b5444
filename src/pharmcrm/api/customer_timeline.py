"""The customer's activity timeline and key figures (customers/timeline.py, customers/key_figures.py):
``GET /customers/{customer_id}/timeline`` and ``GET /customers/{customer_id}/figures``.
A customer the caller cannot see is a 404; entries name only what the caller may see."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from pharmcrm.api.common import Id, UserRef
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers.key_figures import figures_for
from pharmcrm.customers.selectors import customer_get, customer_permissions
from pharmcrm.customers.timeline import MAX_OFFSET, PAGE_SIZE, source_keys, timeline_page

router = Router(tags=["customers"])


class TimelineQuery(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=100, description="entries per page, 1..100")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"entries to skip, 0..{MAX_OFFSET}")
    source: str = Field("", description="only one area: " + ", ".join(source_keys()) + " (empty: all)")
    day_from: date | None = Field(None, description="only entries on or after this local day (Asia/Shanghai)")
    day_to: date | None = Field(None, description="only entries on or before this local day (Asia/Shanghai)")


class TimelineEntryOut(Schema):
    at: datetime
    kind: str = Field(description='"<source>.<event>", e.g. "pool.claim"')
    icon: str = Field(description="a Bootstrap Icons name")
    text: str
    detail: str
    link: str = Field(description="a web page about the entry, or empty")
    all_day: bool = Field(description="only the day is known; at is local midnight of that day")
    actor: UserRef | None


class TimelinePageOut(Schema):
    items: list[TimelineEntryOut]
    offset: int
    limit: int
    has_more: bool


class FigureOut(Schema):
    key: str
    label: str
    available: bool = Field(description="false: no value (yet); text is the placeholder")
    value: Any = Field(None, description="the plain value (number, ISO date, status key) or null")
    text: str
    hint: str
    tone: str = Field(description='"good", "warn", "bad" or empty')


def _customer(request, customer_id: int):
    customer = customer_get(actor=request.auth, customer_id=customer_id)
    return customer, customer_permissions(actor=request.auth, customer=customer)


@router.get("/{customer_id}/timeline", response=TimelinePageOut,
            summary="The customer's activity timeline, newest first (paginated, filter by source)")
def customer_timeline(request, customer_id: Id, query: Query[TimelineQuery]):
    customer, perms = _customer(request, customer_id)
    source = query.source.strip()
    if source and source not in source_keys():
        msg = _("Unknown source; one of: %(keys)s") % {"keys": ", ".join(source_keys())}
        raise ApplicationError(msg, code="invalid", fields={"source": [msg]})
    page = timeline_page(actor=request.auth, customer=customer, perms=perms, offset=query.offset,
                         limit=query.limit, sources=[source] if source else None, day_from=query.day_from,
                         day_to=query.day_to)
    return {"items": page.entries, "offset": page.offset, "limit": page.limit, "has_more": page.has_more}


@router.get("/{customer_id}/figures", response=list[FigureOut],
            summary="The key figures of the customer's header (value class, sales, contacts, qualifications, ...)")
def customer_figures(request, customer_id: Id):
    customer, perms = _customer(request, customer_id)
    return [
        {"key": f.key, "label": f.label, "available": f.value is not None,
         "value": f.value.value if f.value else None,
         "text": f.value.text if f.value else f.empty,
         "hint": (f.value.hint if f.value else f.empty_hint) or "",
         "tone": f.value.tone if f.value else ""}
        for f in figures_for(customer=customer, perms=perms, user=request.auth)
    ]
