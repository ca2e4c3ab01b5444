"""The customer page's 动态 (activity) tab: the merged timeline of customers/timeline.py, with
a filter by area and page links (30 entries a page)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.dateparse import parse_date

from pharmcrm.customers.timeline import PAGE_SIZE, SOURCES, timeline_page
from pharmcrm.web.views.common import int_or_none

MAX_PAGE = 100


def activity_context(request, customer, perms) -> dict:
    src = request.GET.get("src", "")
    src = src if src in {s.key for s in SOURCES} else ""
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    day_from, day_to = _day(request.GET.get("from")), _day(request.GET.get("to"))
    result = timeline_page(actor=request.user, customer=customer, perms=perms, offset=(page - 1) * PAGE_SIZE,
                           limit=PAGE_SIZE, sources=[src] if src else None, day_from=day_from, day_to=day_to)
    dates = {"from": day_from.isoformat() if day_from else "", "to": day_to.isoformat() if day_to else ""}

    def url(**kw) -> str:
        params = {"tab": "activity", "src": src, **dates, "page": page, **kw}
        return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None, 1)})

    return {
        "timeline": result.entries,
        "timeline_src": src,
        "timeline_filters": [("", "", url(src="", page=1), src == "")]
        + [(s.key, s.label, url(src=s.key, page=1), src == s.key) for s in SOURCES],
        "timeline_prev": url(page=page - 1) if page > 1 else None,
        "timeline_next": url(page=page + 1) if result.has_more and page < MAX_PAGE else None,
        "timeline_page": page,
        "timeline_from": dates["from"], "timeline_to": dates["to"],
    }


def _day(value):
    """A local day from the URL (the date-range filter), or None for anything malformed."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None
