"""Territory items and the one containment rule agreements use (built on ``core.regions``).

A territory is a set of items: regions (administrative codes) and named hospitals.

* region R covers region S when S's code starts with R's prefix (``region_prefix``: "33" for
  330000, "3301" for 330100, the whole code for a county). Two regions OVERLAP when either
  covers the other (浙江省 and 杭州市西湖区 overlap, both ways; 杭州市 and 宁波市 do not).
* a hospital is a point: two hospital items overlap when they name the same customer.
* a region and a hospital overlap when the hospital's customer region lies inside the region
  (a hospital whose region is blank, or only known as a wider region than R, is not inside R).
"""

from __future__ import annotations

from dataclasses import dataclass

from pharmcrm.core import regions

REGION = "region"
HOSPITAL = "hospital"


def prefix(code: str) -> str:
    return regions.region_prefix(code)


def label(code: str) -> str:
    return regions.region_label(code) or code


@dataclass(frozen=True)
class Item:
    """One territory entry. ``where`` is the region prefix (region) or the hospital's region code
    (hospital; "" when unknown). ``key`` is the region code or the hospital customer id."""

    kind: str
    key: str | int
    where: str
    label: str = ""

    @classmethod
    def region(cls, code: str, label_: str = "") -> Item:
        return cls(REGION, code, prefix(code), label_)

    @classmethod
    def hospital(cls, hospital_id: int, region_code: str, label_: str = "") -> Item:
        return cls(HOSPITAL, hospital_id, (region_code or "").strip(), label_)


def items_overlap(a: Item, b: Item) -> bool:
    if a.kind == REGION and b.kind == REGION:
        return a.where.startswith(b.where) or b.where.startswith(a.where)
    if a.kind == HOSPITAL and b.kind == HOSPITAL:
        return a.key == b.key
    region, hospital = (a, b) if a.kind == REGION else (b, a)
    return bool(hospital.where) and hospital.where.startswith(region.where)


def region_prefixes_covering(code_prefix: str) -> list[str]:
    """Every prefix that covers ``code_prefix`` (itself included): the candidates for a
    ``region_prefix IN (...)`` lookup of "regions that contain this one"."""
    return [code_prefix[:n] for n in range(2, len(code_prefix) + 1)]
