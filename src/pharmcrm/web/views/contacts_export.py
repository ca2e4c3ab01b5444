"""Excel export of exactly the contacts a list shows (its filters and sort), capped.

The employers come from the list's prefetch (``seen_employments``): only customers the user
sees, so the file reveals nothing the screen does not.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pharmcrm.contacts.models import Gender
from pharmcrm.web.export import _excel_safe, _save, header_sheet

_COLUMNS = [
    (gettext_noop("ID"), 8),
    (gettext_noop("Name"), 10),
    (gettext_noop("Gender"), 6),
    (gettext_noop("Mobile"), 14),
    (gettext_noop("Office phone"), 18),
    (gettext_noop("WeChat"), 16),
    (gettext_noop("Email"), 24),
    (gettext_noop("Birthday"), 11),
    (gettext_noop("Works at (current)"), 40),
    (gettext_noop("Worked at (former)"), 40),
    (gettext_noop("Care notes"), 40),
    (gettext_noop("Notes"), 40),
    (gettext_noop("Created at"), 18),
    (gettext_noop("Last updated"), 18),
]


def _job(e) -> str:
    parts = [e.customer.name, e.title, e.role_text]
    text = " · ".join(p for p in parts if p)
    if e.end_date:
        text += f"（{e.start_date.isoformat() if e.start_date else '?'} – {e.end_date.isoformat()}）"
    return text


def contacts_xlsx(qs: QuerySet, *, max_rows: int) -> tuple[bytes, int, bool]:
    """(xlsx bytes, rows written, capped?) for the contacts of ``qs`` (from ``contact_list``)."""
    genders = {code: str(label) for code, label in Gender.choices}
    wb, ws = header_sheet(_("Contacts"), _COLUMNS)
    tz = timezone.get_current_timezone()
    n = 0
    for c in qs[: max_rows + 1].iterator(chunk_size=2000):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            return _save(wb), n, True
        jobs = c.seen_employments
        row = [
            c.pk, c.name, genders.get(c.gender, ""), c.mobile, c.phone, c.wechat, c.email, c.birthday_text,
            "；".join(_job(e) for e in jobs if e.end_date is None),
            "；".join(_job(e) for e in jobs if e.end_date is not None),
            c.care_notes, c.notes,
            timezone.localtime(c.created_at, tz).replace(tzinfo=None),
            timezone.localtime(c.updated_at, tz).replace(tzinfo=None),
        ]
        ws.append([_excel_safe(v) for v in row])
        n += 1
    return _save(wb), n, False
