"""The customer page's 动态 (activity) tab: the merged timeline of customers/timeline.py, with
a filter by area and page links (30 entries a page)."""

from __future__ import annotations

from urllib.parse import urlencode

from pharmcrm.customers.timeline import PAGE_SIZE, SOURCES, timeline_page
from pharmcrm.web.views.common import int_or_none

MAX_PAGE = 100


def activity_context(request, customer, perms) -> dict:
    src = request.GET.get("src", "")
    src = src if src in {s.key for s in SOURCES} else ""
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    result = timeline_page(actor=request.user, customer=customer, perms=perms, offset=(page - 1) * PAGE_SIZE,
                           limit=PAGE_SIZE, sources=[src] if src else None)

    def url(**kw) -> str:
        params = {"tab": "activity", "src": src, "page": page, **kw}
        return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None, 1)})

    return {
        "timeline": result.entries,
        "timeline_src": src,
        "timeline_filters": [("", "", url(src="", page=1), src == "")]
        + [(s.key, s.label, url(src=s.key, page=1), src == s.key) for s in SOURCES],
        "timeline_prev": url(page=page - 1) if page > 1 else None,
        "timeline_next": url(page=page + 1) if result.has_more and page < MAX_PAGE else None,
        "timeline_page": page,
    }
