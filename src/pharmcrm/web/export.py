"""Excel export of exactly the rows a list shows (its filters and sort), capped."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from pharmcrm.core.regions import region_label
from pharmcrm.customers.models import CustomerGrade, CustomerSource, CustomerStatus, CustomerType

_COLUMNS = [
    # (label, values() key, width)
    (gettext_noop("ID"), "id", 8),
    (gettext_noop("Customer name"), "name", 36),
    (gettext_noop("Short name"), "short_name", 14),
    (gettext_noop("Type"), "type", 12),
    (gettext_noop("Status"), "status", 8),
    (gettext_noop("Grade"), "grade", 6),
    (gettext_noop("Source"), "source", 12),
    (gettext_noop("Unified social credit code"), "credit_code", 22),
    (gettext_noop("Phone"), "phone", 16),
    (gettext_noop("Region code"), "region_code", 10),
    (gettext_noop("Location"), "region_label", 24),  # 浙江省 杭州市 西湖区 (core.regions, from memory)
    (gettext_noop("Address"), "address", 40),
    (gettext_noop("Owner"), "owner__full_name", 10),
    (gettext_noop("Department"), "owner_department__name", 14),
    (gettext_noop("Created at"), "created_at", 18),
    (gettext_noop("Last updated"), "updated_at", 18),
]


def _excel_safe(value):
    """Text that Excel would run as a formula gets a leading apostrophe (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def customers_xlsx(qs: QuerySet, *, max_rows: int) -> tuple[bytes, int, bool]:
    """(xlsx bytes, rows written, capped?) for the customers of ``qs``, in its order."""
    labels = {
        "type": dict(CustomerType.choices), "status": dict(CustomerStatus.choices),
        "grade": dict(CustomerGrade.choices), "source": dict(CustomerSource.choices),
    }
    labels = {k: {code: str(label) for code, label in v.items()} for k, v in labels.items()}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Customers"))
    for i, (_label, _key, width) in enumerate(_COLUMNS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A2"
    header = []
    for label, _key, _w in _COLUMNS:
        cell = WriteOnlyCell(ws, value=_(label))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0FE")
        header.append(cell)
    ws.append(header)
    columns = [key for _l, key, _w in _COLUMNS]
    keys = [key for key in columns if key != "region_label"]
    n = 0
    tz = timezone.get_current_timezone()
    for row in qs.values(*keys)[: max_rows + 1].iterator(chunk_size=2000):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            return _save(wb), n, True
        out = []
        for key in columns:
            value = region_label(row["region_code"]) if key == "region_label" else row[key]
            if key in labels:
                value = labels[key].get(value, value)
            elif key in ("created_at", "updated_at") and value is not None:
                value = timezone.localtime(value, tz).replace(tzinfo=None)
            out.append(_excel_safe(value))
        ws.append(out)
        n += 1
    return _save(wb), n, False


def header_sheet(title: str, columns) -> tuple[Workbook, object]:
    """A write-only workbook with one sheet ``title``: the header row (bold, shaded, frozen) from
    ``columns`` = [(untranslated label, width), ...]. Every list export starts here."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for i, (_label, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    header = []
    for label, _w in columns:
        cell = WriteOnlyCell(ws, value=_(label) if isinstance(label, str) else str(label))  # noop or lazy
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0FE")
        header.append(cell)
    ws.append(header)
    return wb, ws


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
