"""Reading an uploaded Excel workbook safely, for the imports.

``read_sheet`` refuses, with a clear message and before anything is imported: a file that is
not an .xlsx workbook (checked by content, not by name), one over the size limit, an empty
sheet, a header row that does not match the template (unknown, missing or repeated columns),
too many rows, and any formula (a formula's value is whatever Excel last computed — or nothing,
if the file was written by a program — so we never guess it). Cell values come back as
Python values (str, int, Decimal-safe float, datetime) for the caller to convert per column.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pharmcrm.core.errors import ApplicationError


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # English msgid; the template writes the translated label
    required: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 14
    help: str = ""


@dataclass
class Sheet:
    columns: list[Column]  # in the order of the file
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)  # (Excel row number, values)


def _norm_header(text: object) -> str:
    return re.sub(r"[\s*＊:：()（）]", "", str(text or "")).lower()


def _bad_file(message: str) -> ApplicationError:
    return ApplicationError(message, code="bad_file", fields={"file": [message]})


def _open(data: bytes, *, max_bytes: int):
    if not data:
        raise _bad_file(_("The file is empty."))
    if len(data) > max_bytes:
        raise _bad_file(_("The file is larger than %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)})
    if not data.startswith(b"PK\x03\x04"):
        raise _bad_file(_("This is not an Excel workbook (.xlsx). Save the file as “Excel Workbook (*.xlsx)” "
                          "and upload it again."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            total = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        raise _bad_file(_("The file is damaged or not an .xlsx workbook.")) from None
    if "xl/workbook.xml" not in names:
        raise _bad_file(_("This is not an Excel workbook (.xlsx). Save the file as “Excel Workbook (*.xlsx)” "
                          "and upload it again."))
    if total > max_bytes * 20:  # a zip bomb: refuse before openpyxl inflates it
        raise _bad_file(_("The workbook is too large once unpacked."))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on damaged files
        raise _bad_file(_("The file is damaged or not an .xlsx workbook.")) from None


def _match_columns(header: Iterable[object], columns: list[Column]) -> list[Column | None]:
    lookup: dict[str, Column] = {}
    for col in columns:
        for name in (col.key, col.label, _(col.label), *col.aliases):
            lookup[_norm_header(name)] = col
    matched: list[Column | None] = []
    unknown, seen, repeated = [], set(), []
    for i, cell in enumerate(header):
        if cell in (None, ""):
            matched.append(None)
            continue
        col = lookup.get(_norm_header(cell))
        if col is None:
            unknown.append(f"{get_column_letter(i + 1)}「{cell}」")
        elif col.key in seen:
            repeated.append(_(col.label))
        else:
            seen.add(col.key)
        matched.append(col if col and col.key not in repeated else None)
    problems = []
    if unknown:
        problems.append(_("unknown columns: %(c)s") % {"c": "、".join(unknown)})
    if repeated:
        problems.append(_("repeated columns: %(c)s") % {"c": "、".join(repeated)})
    missing = [_(c.label) for c in columns if c.required and c.key not in seen]
    if missing:
        problems.append(_("missing required columns: %(c)s") % {"c": "、".join(missing)})
    if problems:
        raise _bad_file(_("The header row does not match the template (%(p)s). Download the template and "
                          "keep its first row.") % {"p": "; ".join(problems)})
    return matched


def read_sheet(data: bytes, *, columns: list[Column], max_bytes: int, max_rows: int) -> Sheet:
    wb = _open(data, max_bytes=max_bytes)
    try:
        ws = wb.worksheets[0]
        rows: Iterator = ws.iter_rows()
        header = next(rows, None)
        if header is None or all(c.value in (None, "") for c in header):
            raise _bad_file(_("The first sheet is empty: the first row must be the template's header."))
        matched = _match_columns([c.value for c in header], columns)
        sheet = Sheet(columns=[c for c in matched if c is not None])
        for cells in rows:
            values: dict[str, object] = {}
            row_no = None
            for i, cell in enumerate(cells):
                if i >= len(matched) or matched[i] is None:
                    continue
                value = cell.value
                if getattr(cell, "data_type", None) == "f":
                    raise _bad_file(_("Cell %(cell)s holds a formula. Formulas are not imported: copy the column "
                                      "and paste it as values, then upload again.") % {"cell": cell.coordinate})
                if isinstance(value, str):
                    value = value.strip()
                if value not in (None, ""):
                    values[matched[i].key] = value
                row_no = getattr(cell, "row", row_no)
            if not values:
                continue  # blank rows are skipped
            if len(sheet.rows) >= max_rows:
                raise _bad_file(_("The workbook has more than %(n)s rows; split it into several files.")
                                % {"n": f"{max_rows:,}"})
            sheet.rows.append((row_no or len(sheet.rows) + 2, values))
        if not sheet.rows:
            raise _bad_file(_("The workbook has a header but no rows to import."))
        return sheet
    finally:
        wb.close()


# --- converting cells --------------------------------------------------------------------------

def as_text(value: object) -> str:
    """Text of a cell; a whole number typed into a cell (a phone number, a code) loses no digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        try:
            return format(Decimal(repr(value)).normalize(), "f")
        except InvalidOperation:
            return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def as_date(value: object) -> datetime.date:
    """A real date cell, or text written as 2026-01-31 / 2026/1/31 / 2026年1月31日.

    Raises ``ValueError`` with a message saying how to write it."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = as_text(value)
    m = _DATE_TEXT.match(text)
    if m:
        try:
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ValueError(_("“%(v)s” is not a date: use a date cell or write it as 2026-01-31.") % {"v": text})
