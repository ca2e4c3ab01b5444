"""China's administrative divisions (GB/T 2260): the one place that answers questions about region codes.

The ~3,200 rows of ``core.Region`` are read once per process into memory (one query) and
served from there, so a list page can label every row without a query per row.
``regions_cache_clear()`` drops the copy (``manage.py regions_load`` calls it; other processes
pick up a newly loaded file when they restart — regions change once a year). If the table is
empty (a test database flushed by a transactional test), the bundled data file is used.

Levels: 1 province (and municipality, autonomous region, SAR), 2 prefecture-level city,
3 county-level unit. The tree follows GB/T 2260, not the statistical pseudo-levels:

* a municipality's districts hang directly off it: 北京市 110000 → 东城区 110101 (no 110100);
* province-administered county-level units hang off the province: 湖北省 → 仙桃市 429004,
  河南省 → 济源市 419001, 海南省 → 五指山市 469001, 新疆 → 石河子市 659001;
* a city with no county level is a leaf: 东莞 441900, 中山 442000, 儋州 460400, 嘉峪关 620200;
* 台湾省 710000, 香港 810000, 澳门 820000 are province-level leaves.

Containment is by code: every region inside 330000 starts with "33", inside 330100 with
"3301" (``region_prefix``), which is what lets the customer list filter by a prefix.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PROVINCE, CITY, COUNTY = 1, 2, 3


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    level: int
    parent_code: str | None
    is_active: bool
    has_children: bool = False


@dataclass(frozen=True)
class _Tables:
    by_code: dict[str, RegionInfo]
    children: dict[str | None, tuple[str, ...]]  # active children, by code
    version: str  # changes whenever the data does (ETag of the picker endpoint)


_lock = threading.Lock()
_tables: _Tables | None = None


def _load() -> _Tables:
    from pharmcrm.core.models import Region

    rows = list(Region.objects.values_list("code", "name", "level", "parent_id", "is_active"))
    if not rows:
        from pharmcrm.core.regions_load import regions_read

        rows = [(r.code, r.name, r.level, r.parent_code, True) for r in regions_read()]
    rows.sort()
    children: dict[str | None, list[str]] = {}
    for code, _name, _level, parent, active in rows:
        if active:
            children.setdefault(parent, []).append(code)
    by_code = {
        code: RegionInfo(code, name, level, parent, active, bool(children.get(code)))
        for code, name, level, parent, active in rows
    }
    version = hashlib.sha1(repr(rows).encode()).hexdigest()[:16]
    return _Tables(by_code, {k: tuple(v) for k, v in children.items()}, version)


def _t() -> _Tables:
    global _tables
    t = _tables
    if t is None:
        with _lock:
            if _tables is None:
                _tables = _load()
            t = _tables
    return t


def regions_cache_clear() -> None:
    """Forget the in-memory copy; the next call reads the table again."""
    global _tables
    with _lock:
        _tables = None


def regions_version() -> str:
    return _t().version


# --- the public API --------------------------------------------------------------------------

def region_get(code: str | None) -> RegionInfo | None:
    """The region with this code (active or not), or None."""
    if not code:
        return None
    return _t().by_code.get(str(code).strip())


def region_children(parent_code: str | None = None, *, include_inactive: bool = False) -> list[RegionInfo]:
    """The regions directly under ``parent_code`` (provinces for None), by code.

    Under a province: its cities, then the county-level units it administers directly
    (a municipality's districts, 仙桃 ...). Inactive codes only with ``include_inactive``.
    """
    t = _t()
    parent = parent_code or None
    out = [t.by_code[c] for c in t.children.get(parent, ())]
    if include_inactive:
        out += [r for r in t.by_code.values() if r.parent_code == parent and not r.is_active]
        out.sort(key=lambda r: r.code)
    return sorted(out, key=lambda r: (r.level, r.code))


def region_path(code: str | None) -> list[RegionInfo]:
    """From the province down to the region itself; [] for an unknown code."""
    t = _t()
    out: list[RegionInfo] = []
    r = t.by_code.get(str(code).strip()) if code else None
    while r is not None:
        out.append(r)
        r = t.by_code.get(r.parent_code) if r.parent_code else None
    out.reverse()
    return out


def region_label(code: str | None, sep: str = " ") -> str:
    """"浙江省 杭州市 西湖区"; "北京市 东城区"; the bare code if it is unknown; "" for no code."""
    if not code:
        return ""
    path = region_path(code)
    return sep.join(r.name for r in path) if path else str(code)


def region_prefix(code: str) -> str:
    """The prefix every code inside ``code`` starts with: "33" for 330000, "3301" for 330100,
    the whole code for a county. Follows the GB/T 2260 structure, so it also works for codes
    that are not (or no longer) in the table."""
    code = str(code).strip()
    if len(code) != 6 or not code.isdigit():
        return code
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_contains(ancestor_code: str | None, code: str | None) -> bool:
    """Whether ``code`` lies inside ``ancestor_code`` (reflexive: a region contains itself).

    THE containment rule (customer filters, agency territories, wanted regions): a province
    contains its cities and counties, a city its counties, whatever the quirks above.
    """
    if not ancestor_code or not code:
        return False
    a, c = str(ancestor_code).strip(), str(code).strip()
    if len(a) != 6 or not a.isdigit() or len(c) != 6 or not c.isdigit():
        return False
    return c.startswith(region_prefix(a))


def region_validate(code: str | None, *, allow_inactive: bool = False) -> None:
    """Raise ``ValidationError`` (in the user's language) unless ``code`` is a known region.

    An inactive (abolished) code is refused unless ``allow_inactive`` (a record keeps the code
    it already had)."""
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise ValidationError(
            _("Enter a 6-digit administrative division code (e.g. 330106), or choose the region from the list."),
            code="invalid_region",
        )
    r = region_get(code)
    if r is None:
        raise ValidationError(_("Unknown administrative division code %(code)s.") % {"code": code},
                              code="unknown_region")
    if not r.is_active and not allow_inactive:
        raise ValidationError(
            _("%(label)s (%(code)s) no longer exists as an administrative division; choose its current name.")
            % {"label": region_label(code), "code": code},
            code="inactive_region",
        )


def region_search(q: str, *, limit: int = 20) -> list[RegionInfo]:
    """Active regions whose name (or full label, or code) contains ``q``; shortest names first."""
    q = (q or "").strip().replace(" ", "")
    if not q:
        return []
    t = _t()
    hits = []
    for r in t.by_code.values():
        if not r.is_active:
            continue
        if q in r.name or r.code.startswith(q) or (len(q) > 2 and q in region_label(r.code, sep="")):
            hits.append(r)
    hits.sort(key=lambda r: (not r.name.startswith(q), r.level, len(r.name), r.code))
    return hits[:limit]
