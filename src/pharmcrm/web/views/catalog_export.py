"""Excel export of the product list: exactly the filtered rows, with today's national prices
(the floor price only for those who may see it)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from pharmcrm.catalog import selectors
from pharmcrm.catalog.models import PriceKind, Product
from pharmcrm.web.export import _excel_safe, _save

FIELDS = ["id", "generic_name", "trade_name", "dosage_form", "spec", "packing_unit", "case_quantity",
          "manufacturer", "mah", "approval_number", "therapeutic_area", "insurance_class", "rx_class", "storage",
          "tax_rate", "status", "notes"]
WIDTHS = {"generic_name": 24, "trade_name": 14, "spec": 16, "manufacturer": 30, "mah": 30, "approval_number": 20,
          "notes": 30}
PRICE_ORDER = [PriceKind.AGENCY, PriceKind.SUPPLY, PriceKind.RETAIL, PriceKind.FLOOR]
CHUNK = 500


def products_xlsx(user, qs: QuerySet, *, max_rows: int) -> tuple[bytes, int, bool]:
    """(xlsx bytes, rows written, capped?) for the products of ``qs`` in its order."""
    kinds = [k for k in PRICE_ORDER if k in selectors.visible_price_kinds(user)]
    fields = [Product._meta.get_field(f) for f in FIELDS]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Products"))
    columns = [str(f.verbose_name) if f.name != "id" else "ID" for f in fields]
    columns += [_("%(kind)s (national, today)") % {"kind": PriceKind(k).label} for k in kinds]
    for i in range(len(columns)):
        ws.column_dimensions[get_column_letter(i + 1)].width = WIDTHS.get(FIELDS[i] if i < len(FIELDS) else "", 12)
    ws.freeze_panes = "A2"
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F0FE")
        header.append(cell)
    ws.append(header)
    choices = {f.name: {k: str(v) for k, v in f.flatchoices} for f in fields if f.choices}
    rows = list(qs[: max_rows + 1])
    capped = len(rows) > max_rows
    rows = rows[:max_rows]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start: start + CHUNK]
        prices = selectors.current_prices(actor=user, product_ids=[p.pk for p in chunk])
        for p in chunk:
            out = []
            for f in fields:
                value = getattr(p, f.name)
                if f.name in choices:
                    value = choices[f.name].get(value, value)
                out.append(_excel_safe(value))
            for k in kinds:
                price = prices.get(p.pk, {}).get(k)
                out.append(price.price if price else None)
            ws.append(out)
    if capped:
        ws.append([])
        ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                   % {"n": f"{max_rows:,}"}])
    return _save(wb), len(rows), capped
