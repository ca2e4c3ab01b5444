"""Loading the administrative divisions into ``core.Region`` (migration 0004, ``manage.py regions_load``).

``regions_read(path)`` parses and checks a regions file (code,name,level,parent_code);
``regions_sync(model, rows)`` upserts it in bulk: new codes are added, changed names, levels
or parents are updated, codes missing from the file are made inactive (never deleted: data
refers to them), inactive codes that come back are reactivated. It takes the model class so
the data migration can pass its historical model. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

DATA_FILE = Path(__file__).resolve().parent / "data" / "regions.csv"
HEADER = ["code", "name", "level", "parent_code"]


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: int
    parent_code: str | None


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (code, old name, new name)
    moved: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (code, old parent, new)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.renamed or self.moved or self.deactivated or self.reactivated)

    def summary(self) -> str:
        return (f"added {len(self.added)}, renamed {len(self.renamed)}, moved {len(self.moved)}, "
                f"deactivated {len(self.deactivated)}, reactivated {len(self.reactivated)}, "
                f"unchanged {self.unchanged}")


class RegionFileError(ValueError):
    pass


def regions_read(path: Path | str = DATA_FILE) -> list[RegionRow]:
    """The rows of a regions file, parents before children; ``RegionFileError`` if it is malformed."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != HEADER:
            raise RegionFileError(f"{path}: the first line must be {','.join(HEADER)}, not {header}")
        rows: dict[str, RegionRow] = {}
        for n, rec in enumerate(reader, start=2):
            if not rec:
                continue
            if len(rec) != 4:
                raise RegionFileError(f"{path}:{n}: 4 columns expected")
            code, name, level, parent = (v.strip() for v in rec)
            if len(code) != 6 or not code.isdigit() or not name or level not in ("1", "2", "3"):
                raise RegionFileError(f"{path}:{n}: bad row {rec}")
            if code in rows:
                raise RegionFileError(f"{path}:{n}: duplicate code {code}")
            if (level == "1") != (parent == ""):
                raise RegionFileError(f"{path}:{n}: a province has no parent, everything else has one")
            rows[code] = RegionRow(code, name[:50], int(level), parent or None)
    for r in rows.values():
        if r.parent_code is not None:
            parent = rows.get(r.parent_code)
            if parent is None or parent.level >= r.level:
                raise RegionFileError(f"{path}: {r.code}'s parent {r.parent_code} is missing or not above it")
    return sorted(rows.values(), key=lambda r: (r.level, r.code))


def regions_sync(model, rows: list[RegionRow]) -> LoadReport:
    """Upsert ``rows`` into ``model`` (``core.Region`` or its historical version) in bulk."""
    report = LoadReport()
    now = timezone.now()
    existing = {r.code: r for r in model.objects.all()}
    seen = set()
    create, update = [], []
    for row in sorted(rows, key=lambda r: (r.level, r.code)):
        seen.add(row.code)
        obj = existing.get(row.code)
        if obj is None:
            create.append(model(code=row.code, name=row.name, level=row.level, parent_id=row.parent_code,
                                is_active=True, updated_at=now))
            report.added.append(row.code)
            continue
        dirty = False
        if obj.name != row.name:
            report.renamed.append((row.code, obj.name, row.name))
            obj.name, dirty = row.name, True
        if obj.parent_id != row.parent_code or obj.level != row.level:
            report.moved.append((row.code, obj.parent_id, row.parent_code))
            obj.parent_id, obj.level, dirty = row.parent_code, row.level, True
        if not obj.is_active:
            report.reactivated.append(row.code)
            obj.is_active, dirty = True, True
        if dirty:
            obj.updated_at = now
            update.append(obj)
        else:
            report.unchanged += 1
    for code, obj in existing.items():
        if code not in seen and obj.is_active:
            obj.is_active, obj.updated_at = False, now
            update.append(obj)
            report.deactivated.append(code)
    if create:
        model.objects.bulk_create(create, batch_size=500)
    if update:
        model.objects.bulk_update(update, ["name", "level", "parent", "is_active", "updated_at"], batch_size=500)
    return report
