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
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

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


def _check(data: bytes, *, max_bytes: int) -> None:
    """Refuse what is not an .xlsx workbook, or too big, or a zip bomb, before parsing anything."""
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
    if total > max_bytes * 20:  # a zip bomb: refuse before anything inflates it
        raise _bad_file(_("The workbook is too large once unpacked."))


def _open(data: bytes, *, max_bytes: int):
    _check(data, max_bytes=max_bytes)
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
    """The first worksheet's rows as {column key: value} (blank rows skipped), or ``ApplicationError``
    (code "bad_file").

    The rows are read by ``_FastSheet`` (a streaming parse of the sheet's XML: openpyxl's cell
    objects cost ~0.2 ms per row, 20 s for 100,000 rows); a workbook it does not understand goes
    through openpyxl instead, with the same checks and the same values."""
    _check(data, max_bytes=max_bytes)
    try:
        fast = _FastSheet(data)
    except _Unsupported:
        fast = None
    if fast is not None:
        try:
            return fast.read(columns=columns, max_rows=max_rows)
        except _Unsupported:
            pass
    return _read_sheet_openpyxl(data, columns=columns, max_bytes=max_bytes, max_rows=max_rows)


def _rows_to_sheet(header: list[object], rows: Iterable[tuple[int, list[tuple[object, str, bool]]]],
                   columns: list[Column], max_rows: int) -> Sheet:
    """Shared by both readers: ``rows`` yields (row number, [(value, coordinate, is formula)] by column)."""
    if not header or all(v in (None, "") for v in header):
        raise _bad_file(_("The first sheet is empty: the first row must be the template's header."))
    matched = _match_columns(header, columns)
    sheet = Sheet(columns=[c for c in matched if c is not None])
    width = len(matched)
    for row_no, cells in rows:
        values: dict[str, object] = {}
        for i, (value, coordinate, formula) in enumerate(cells[:width]):
            col = matched[i]
            if col is None:
                continue
            if formula:
                raise _bad_file(_("Cell %(cell)s holds a formula. Formulas are not imported: copy the column "
                                  "and paste it as values, then upload again.") % {"cell": coordinate})
            if isinstance(value, str):
                value = value.strip()
            if value is not None and value != "":
                values[col.key] = value
        if not values:
            continue  # blank rows are skipped
        if len(sheet.rows) >= max_rows:
            raise _bad_file(_("The workbook has more than %(n)s rows; split it into several files.")
                            % {"n": f"{max_rows:,}"})
        sheet.rows.append((row_no, values))
    if not sheet.rows:
        raise _bad_file(_("The workbook has a header but no rows to import."))
    return sheet


class _Unsupported(Exception):
    """The fast reader does not understand this workbook: openpyxl reads it."""


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_WORKSHEET_REL = "/worksheet"
_COORD = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _text_of(node: ET.Element) -> str:
    """A shared or inline string: the plain ``<t>`` and the rich-text runs' ``<t>``, never the
    phonetic ``<rPh>`` (as openpyxl's ``Text.content``)."""
    parts = []
    for child in node:
        if child.tag == _NS + "t":
            parts.append(child.text or "")
        elif child.tag == _NS + "r":
            t = child.find(_NS + "t")
            if t is not None:
                parts.append(t.text or "")
    return "".join(parts)


class _FastSheet:
    """A streaming reader of the first worksheet with the values openpyxl gives (read-only mode,
    ``data_only=False``): shared and inline strings, numbers (int or float), booleans, dates by
    the cell's number format (1900 or 1904 epoch), ISO dates, error values as text; a cell with a
    ``<f>`` is a formula. Anything else raises ``_Unsupported``."""

    def __init__(self, data: bytes):
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            names = set(self.zf.namelist())
            book = ET.fromstring(self.zf.read("xl/workbook.xml"))
            rels = ET.fromstring(self.zf.read("xl/_rels/workbook.xml.rels"))
        except Exception:
            raise _Unsupported from None
        targets = {}
        for rel in rels.iter(_PKG_REL):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id")] = (rel.get("Type", ""), path)
        self.sheet_path = None
        for sheet in book.iter(_NS + "sheet"):
            kind, path = targets.get(sheet.get(_REL_NS + "id"), ("", ""))
            if kind.endswith(_WORKSHEET_REL):
                self.sheet_path = path
                break
        if self.sheet_path not in names:
            raise _Unsupported
        pr = book.find(_NS + "workbookPr")
        self.epoch = CALENDAR_MAC_1904 if pr is not None and pr.get("date1904") in ("1", "true") else WINDOWS_EPOCH
        self.date_formats: set[int] = set()
        self.timedelta_formats: set[int] = set()
        if "xl/styles.xml" in names:
            try:
                from openpyxl.styles.stylesheet import Stylesheet

                styles = Stylesheet.from_tree(ET.fromstring(self.zf.read("xl/styles.xml")))
                if styles.cell_styles:
                    self.date_formats = set(styles.date_formats)
                    self.timedelta_formats = set(styles.timedelta_formats)
            except Exception:
                raise _Unsupported from None
        self.strings: list[str] = []
        shared = [p for k, p in targets.values() if k.endswith("/sharedStrings")]
        path = shared[0] if shared else ("xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else None)
        if path:
            try:
                with self.zf.open(path) as f:
                    for _event, node in ET.iterparse(f):
                        if node.tag == _NS + "si":
                            self.strings.append(_text_of(node).replace("x005F_", ""))
                            node.clear()
            except Exception:
                raise _Unsupported from None

    def _value(self, c: ET.Element) -> tuple[object, bool]:
        t = c.get("t", "n")
        if c.find(_NS + "f") is not None:
            return None, True
        if t == "inlineStr":
            node = c.find(_NS + "is")
            return (_text_of(node) if node is not None else None), False
        v = c.findtext(_NS + "v") or None
        if v is None:
            return None, False
        if t == "n":
            number = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
            style = int(c.get("s") or 0)
            if style in self.date_formats:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.timedelta_formats), False
                except (OverflowError, ValueError):
                    return "#VALUE!", False
            return number, False
        if t == "s":
            return self.strings[int(v)], False
        if t == "str" or t == "e":
            return v, False
        if t == "b":
            return bool(int(v)), False
        if t == "d":
            return from_ISO8601(v), False
        raise _Unsupported

    def _rows(self) -> Iterator[tuple[int, list[tuple[object, str, bool]]]]:
        row_tag, cell_tag = _NS + "row", _NS + "c"
        counter = 0
        with self.zf.open(self.sheet_path) as f:
            for _event, node in ET.iterparse(f):
                if node.tag != row_tag:
                    continue
                counter = int(node.get("r") or counter + 1)
                cells: list[tuple[object, str, bool]] = []
                col = 0
                for c in node.iter(cell_tag):
                    ref = c.get("r")
                    if ref:
                        m = _COORD.match(ref)
                        if m is None:
                            raise _Unsupported
                        col = column_index_from_string(m[1])
                    else:
                        col += 1
                    if col > len(cells):
                        cells.extend([(None, "", False)] * (col - len(cells)))
                    value, formula = self._value(c)
                    cells[col - 1] = (value, ref or f"{get_column_letter(col)}{counter}", formula)
                node.clear()
                yield counter, cells

    def read(self, *, columns: list[Column], max_rows: int) -> Sheet:
        try:
            rows = self._rows()
            first = next(rows, None)
            header: list[object] = []
            pending = []
            if first is not None:
                if first[0] == 1:
                    header = [v for v, _c, _f in first[1]]
                else:
                    pending = [first]  # no row 1: the header is empty

            def data_rows():
                yield from pending
                yield from rows
            return _rows_to_sheet(header, data_rows(), columns, max_rows)
        except ApplicationError:
            raise
        except Exception:
            raise _Unsupported from None


def _read_sheet_openpyxl(data: bytes, *, columns: list[Column], max_bytes: int, max_rows: int) -> Sheet:
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
