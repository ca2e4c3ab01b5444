"""Excel export of the expiring-qualifications list (exactly the filtered rows, capped)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pharmcrm.qualifications import rules
from pharmcrm.qualifications.models import QualificationType, ValidityStatus
from pharmcrm.web.export import _excel_safe, _save, header_sheet

_COLUMNS = [
    (gettext_noop("Customer"), 36),
    (gettext_noop("Document type"), 22),
    (gettext_noop("Document number"), 24),
    (gettext_noop("Issuing authority"), 28),
    (gettext_noop("Valid to"), 12),
    (gettext_noop("Days left"), 10),
    (gettext_noop("Status"), 10),
    (gettext_noop("Owner"), 10),
]


def expiring_xlsx(qs: QuerySet, *, max_rows: int) -> tuple[bytes, int, bool]:
    """(xlsx bytes, rows written, capped?) for the documents of ``qs`` (with ``customer__owner``)."""
    types = {code: str(label) for code, label in QualificationType.choices}
    statuses = {code: str(label) for code, label in ValidityStatus.choices}
    wb, ws = header_sheet(_("Expiring qualifications"), _COLUMNS)
    today = rules.today()
    n = 0
    for doc in qs[: max_rows + 1].iterator(chunk_size=2000):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            return _save(wb), n, True
        label = doc.title if doc.type == QualificationType.OTHER and doc.title else types.get(doc.type, doc.type)
        ws.append([_excel_safe(v) for v in (
            doc.customer.name, label, doc.number, doc.issuing_authority, doc.valid_to,
            rules.days_left(doc, on=today), statuses[rules.document_status(doc, on=today)],
            doc.customer.owner.full_name,
        )])
        n += 1
    return _save(wb), n, False
