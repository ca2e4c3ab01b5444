"""Excel export of exactly the agreements the list shows (its filters and sort), capped."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from pharmcrm.agency.territory import label as region_label
from pharmcrm.web.export import _excel_safe, _save, header_sheet

_COLUMNS = [
    (gettext_noop("Agreement number"), 16),
    (gettext_noop("Agent"), 30),
    (gettext_noop("Status"), 8),
    (gettext_noop("Exclusive"), 6),
    (pgettext_lazy("agreement", "Start date"), 12),
    (pgettext_lazy("agreement", "End date"), 12),
    (gettext_noop("Signed on"), 12),
    (gettext_noop("Products (agency price / supply price)"), 50),
    (gettext_noop("Regions"), 36),
    (gettext_noop("Named hospitals"), 36),
    (gettext_noop("Monthly target (¥)"), 14),
    (gettext_noop("Yearly target (¥)"), 14),
    (gettext_noop("Deposit (¥)"), 12),
    (gettext_noop("Deposit status"), 10),
    (gettext_noop("Rebate terms"), 36),
    (gettext_noop("Owner"), 10),
    (gettext_noop("Terminated on"), 12),
    (gettext_noop("Termination reason"), 24),
]


def _row(a) -> list:
    lines = "；".join(
        f"{ln.product} ¥{ln.agency_price:f}" + (f" / ¥{ln.supply_price:f}" if ln.supply_price is not None else "")
        for ln in a.lines.all()
    )
    return [
        a.number, a.agent.name, a.get_status_display(), _("Yes") if a.exclusive else _("No"),
        a.start_date, a.end_date, a.signed_date, lines,
        "、".join(region_label(r.region_code) for r in a.regions.all()),
        "、".join(h.hospital.name for h in a.hospitals.all()),
        a.monthly_target, a.yearly_target, a.deposit_amount, a.get_deposit_status_display(), a.rebate_terms,
        a.agent.owner.full_name if a.agent.owner_id else "", a.terminated_on, a.termination_reason,
    ]


def agreements_xlsx(qs: QuerySet, *, max_rows: int) -> tuple[bytes, int, bool]:
    """(xlsx bytes, rows written, capped?) for the agreements of ``qs`` (with details), in its order."""
    wb, ws = header_sheet(_("Agency agreements"), _COLUMNS)
    n = 0
    for a in qs[: max_rows + 1]:
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            return _save(wb), n, True
        ws.append([_excel_safe(v) for v in _row(a)])
        n += 1
    return _save(wb), n, False
