"""core.xlsx: the streaming reader gives exactly the values openpyxl gives, and the same refusals."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook

from pharmcrm.core import xlsx
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.xlsx import Column

COLUMNS = [Column("name", "Name", required=True, aliases=("名称",)), Column("when", "When"), Column("n", "Number"),
           Column("flag", "Flag")]
LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_rows": 1000}


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _both(data: bytes):
    fast = xlsx._FastSheet(data).read(columns=COLUMNS, max_rows=LIMITS["max_rows"])
    slow = xlsx._read_sheet_openpyxl(data, columns=COLUMNS, **LIMITS)
    return fast, slow


@pytest.mark.parametrize("write_only", [False, True])
@pytest.mark.parametrize("epoch_1904", [False, True])
def test_fast_reader_matches_openpyxl(write_only, epoch_1904):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    if epoch_1904:
        wb.epoch = datetime.datetime(1904, 1, 1)  # openpyxl writes date1904
    ws.append(["名称 *", "When", "Number", "Flag", "ignored column"][:4])
    ws.append(["  国药控股（上海）有限公司 ", datetime.date(2026, 1, 31), 13800000000, True])
    ws.append([None, None, None, None])  # blank: skipped
    ws.append(["B", "2026-01-31", 1.5, False])
    ws.append(["C", datetime.datetime(2026, 2, 1, 8, 30), 91330106, None])
    ws.append(["", None, 0, None])
    ws.append(["E" * 300, None, -2.25e-3, None])
    ws.append(["_x005F_x", "#N/A", None, "是"])
    data = _save(wb)
    fast, slow = _both(data)
    assert [c.key for c in fast.columns] == [c.key for c in slow.columns]
    assert fast.rows == slow.rows
    assert fast.rows[0] == (2, {"name": "国药控股（上海）有限公司", "when": datetime.datetime(2026, 1, 31),
                                "n": 13800000000, "flag": True})
    assert [r for r, _v in fast.rows] == [2, 4, 5, 6, 7, 8]


def test_shared_strings_rich_text_and_gaps():
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "Name", "When"
    ws["A3"] = "after a gap"
    ws["D3"] = "outside the header"
    ws["B5"] = "only a date text"
    fast, slow = _both(_save(wb))
    assert fast.rows == slow.rows == [(3, {"name": "after a gap"}), (5, {"when": "only a date text"})]


def test_formulas_are_refused_with_the_cell():
    wb = Workbook()
    ws = wb.active
    ws.append(["Name", "Number"])
    ws.append(["A", 1])
    ws.append(["B", "=A2+1"])
    data = _save(wb)
    for read in (lambda: xlsx._FastSheet(data).read(columns=COLUMNS, max_rows=10),
                 lambda: xlsx._read_sheet_openpyxl(data, columns=COLUMNS, **LIMITS),
                 lambda: xlsx.read_sheet(data, columns=COLUMNS, **LIMITS)):
        with pytest.raises(ApplicationError) as exc:
            read()
        assert "C3" not in exc.value.message and "B3" in exc.value.message


def test_row_cap_and_empty_header():
    wb = Workbook()
    ws = wb.active
    ws.append(["Name"])
    for i in range(5):
        ws.append([f"n{i}"])
    data = _save(wb)
    with pytest.raises(ApplicationError) as exc:
        xlsx.read_sheet(data, columns=COLUMNS, max_bytes=LIMITS["max_bytes"], max_rows=4)
    assert exc.value.code == "bad_file" and "4" in exc.value.message
    assert len(xlsx.read_sheet(data, columns=COLUMNS, max_bytes=LIMITS["max_bytes"], max_rows=5).rows) == 5
    wb = Workbook()
    wb.active["A2"] = "no header"
    data = _save(wb)
    with pytest.raises(ApplicationError) as fast:
        xlsx.read_sheet(data, columns=COLUMNS, **LIMITS)
    with pytest.raises(ApplicationError) as slow:
        xlsx._read_sheet_openpyxl(data, columns=COLUMNS, **LIMITS)
    assert fast.value.message == slow.value.message


def test_a_workbook_the_fast_reader_does_not_understand_goes_through_openpyxl(monkeypatch):
    wb = Workbook()
    wb.active.append(["Name"])
    wb.active.append(["A"])
    data = _save(wb)

    def refuse(self, *args, **kwargs):
        raise xlsx._Unsupported

    monkeypatch.setattr(xlsx._FastSheet, "read", refuse)
    assert xlsx.read_sheet(data, columns=COLUMNS, **LIMITS).rows == [(2, {"name": "A"})]


def test_an_ordinary_workbook_does_not_need_openpyxl(monkeypatch):
    wb = Workbook()
    wb.active.append(["Name"])
    wb.active.append(["A"])

    def slow(*args, **kwargs):
        raise AssertionError("the fast reader should have read it")

    monkeypatch.setattr(xlsx, "_read_sheet_openpyxl", slow)
    assert xlsx.read_sheet(_save(wb), columns=COLUMNS, **LIMITS).rows == [(2, {"name": "A"})]
