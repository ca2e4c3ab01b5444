"""The regions API: China's administrative divisions (read-only, for every signed-in user).

``GET /regions`` lists the provinces, ``GET /regions?parent=330000`` the regions under one
(cities, then the county-level units a province administers directly), ``?q=西湖`` searches;
``GET /regions/{code}`` returns one with its path. Served from ``core.regions``' in-memory copy.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router

from pharmcrm.api.region_schemas import RegionDetailOut, RegionOut, RegionQuery
from pharmcrm.core import regions as R
from pharmcrm.core.errors import NotFound

router = Router(tags=["regions"])


def _out(r: R.RegionInfo) -> dict:
    return {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code,
            "is_active": r.is_active, "leaf": not r.has_children, "label": R.region_label(r.code)}


@router.get("", response=list[RegionOut], summary="Provinces, the regions under one (?parent=), or a search (?q=)")
def region_list(request, query: Query[RegionQuery]):
    if query.q.strip():
        return [_out(r) for r in R.region_search(query.q, limit=20)]
    parent = query.parent.strip() or None
    if parent is not None and R.region_get(parent) is None:
        raise NotFound(_("Unknown region."))
    return [_out(r) for r in R.region_children(parent, include_inactive=query.include_inactive)]


@router.get("/{code}", response=RegionDetailOut, summary="One region with its path")
def region_detail(request, code: str):
    r = R.region_get(code)
    if r is None:
        raise NotFound(_("Unknown region."))
    return {**_out(r), "path": [_out(p) for p in R.region_path(code)]}
