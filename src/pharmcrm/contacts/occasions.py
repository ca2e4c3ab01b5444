"""Birthdays and care dates coming up (My Desktop's 生日/关怀 card, reminders).

``contact_birthdays(actor=u, start=today, days=7)`` lists, in date order, every birthday and
care date of the contacts ``u`` sees that falls in the window — across New Year, and with
29 February remembered on 28 February in other years. Constant query count (4).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from pharmcrm.contacts.dates import MAX_DAYS, month_day_window, occurrence
from pharmcrm.contacts.models import CareDate, Contact
from pharmcrm.contacts.selectors import visible_contacts, with_employments
from pharmcrm.org.models import User

BIRTHDAY = "birthday"
CARE = "care"


@dataclass(frozen=True)
class Occasion:
    date: datetime.date
    kind: str  # "birthday" | "care"
    label: str  # "生日" or the care date's label ("结婚纪念日")
    contact: Contact  # with ``seen_employments`` (visible, current first)
    years: int | None  # the age they turn, or the years since the care date's year; None if unknown
    days_away: int  # 0 = on ``start``

    @property
    def is_current(self) -> bool:
        """Still works at a customer the user sees (rather than only formerly)."""
        return any(e.end_date is None for e in self.contact.seen_employments)


def contact_birthdays(*, actor: User, start: datetime.date, days: int = 7,
                      current_only: bool = False) -> list[Occasion]:
    """Birthdays and care dates in the ``days`` days from ``start`` (both included) of the
    contacts ``actor`` sees; ``current_only`` keeps contacts who still work at a visible
    customer."""
    days = max(1, min(days, MAX_DAYS))
    seen = visible_contacts(actor)
    born = list(seen.filter(month_day_window(start, days, month="birth_month", day="birth_day"))
                .values_list("id", "birth_month", "birth_day", "birth_year"))
    cared = list(CareDate.objects.filter(month_day_window(start, days), contact_id__in=seen.values("id"))
                 .values_list("contact_id", "month", "day", "year", "label"))
    ids = {row[0] for row in born} | {row[0] for row in cared}
    if not ids:
        return []
    contacts = {c.pk: c for c in with_employments(Contact.objects.filter(pk__in=ids), actor)}
    out: list[Occasion] = []

    def add(contact_id, month, day, year, kind, label):
        when = occurrence(month, day, start, days)
        contact = contacts.get(contact_id)
        if when is None or contact is None:
            return
        if current_only and not any(e.end_date is None for e in contact.seen_employments):
            return
        years = when.year - year if year and year <= when.year else None
        out.append(Occasion(when, kind, label, contact, years, (when - start).days))

    for cid, month, day, year in born:
        add(cid, month, day, year, BIRTHDAY, _("Birthday"))
    for cid, month, day, year, label in cared:
        add(cid, month, day, year, CARE, label)
    out.sort(key=lambda o: (o.date, o.kind != BIRTHDAY, o.contact.name_pinyin, o.contact.pk, o.label))
    return out
