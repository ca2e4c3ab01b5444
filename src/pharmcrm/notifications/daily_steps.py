"""The daily job's reminders (``manage.py crm_daily``), one notification per person and day:

* ``followups_due`` — the owner's customers whose follow-up plan is due today or overdue;
* ``contact_occasions`` — contacts at the owner's customers whose birthday or care date is today
  (29 February remembered on 28 February in other years);

and the retry sweep of deliveries outside the app (email, group robots). Idempotent: a
reminder's key names the day, so a second run for the same day notifies nobody.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pharmcrm.contacts.dates import month_day_window
from pharmcrm.contacts.models import CareDate, Employment
from pharmcrm.core.daily import daily_step
from pharmcrm.customers.models import Customer
from pharmcrm.notifications import delivery
from pharmcrm.notifications.services import notify

FOLLOWUPS_DUE = "followups_due"
CONTACT_OCCASIONS = "contact_occasions"


def followups_due_reminders(day: datetime.date) -> int:
    """Notify each owner with plans due on ``day`` or overdue; returns how many owners."""
    rows = (Customer.objects.filter(deleted_at__isnull=True, owner__isnull=False, next_followup_on__lte=day)
            .values("owner_id")
            .annotate(overdue=Count("owner_id", filter=Q(next_followup_on__lt=day)),
                      today=Count("owner_id", filter=Q(next_followup_on=day)))
            .order_by("owner_id"))
    n = 0
    for r in rows:
        notify(recipients=[r["owner_id"]], kind=FOLLOWUPS_DUE, link="/",
               params={"today": r["today"], "overdue": r["overdue"], "day": day.isoformat()},
               key=f"followups-due:{day.isoformat()}")
        n += 1
    return n


def occasion_reminders(day: datetime.date) -> int:
    """Notify each owner whose customers' current contacts have a birthday or care date on ``day``."""
    born = Q(month_day_window(day, 1, month="contact__birth_month", day="contact__birth_day"))
    cared = CareDate.objects.filter(month_day_window(day, 1)).values("contact_id")
    employments = (Employment.objects.filter(born | Q(contact_id__in=cared), end_date__isnull=True,
                                             contact__deleted_at__isnull=True, customer__deleted_at__isnull=True,
                                             customer__owner__isnull=False)
                   .values_list("customer__owner_id", "contact_id", "contact__name").order_by("contact_id"))
    per_owner: dict[int, dict[int, str]] = defaultdict(dict)
    for owner_id, contact_id, name in employments:
        per_owner[owner_id][contact_id] = name
    for owner_id, contacts in per_owner.items():
        params = {"count": len(contacts), "day": day.isoformat()}
        if len(contacts) == 1:
            params["contact"] = next(iter(contacts.values()))
        notify(recipients=[owner_id], kind=CONTACT_OCCASIONS, link="/", params=params,
               key=f"contact-occasions:{day.isoformat()}")
    return len(per_owner)


@daily_step("reminders", order=90, label=_("Reminders: follow-ups due, contacts' birthdays and care dates"))
def reminders_step(day: datetime.date) -> str:
    return gettext("%(f)d follow-up reminders, %(o)d birthday/care date reminders") % {
        "f": followups_due_reminders(day), "o": occasion_reminders(day)}


@daily_step("deliveries", order=99, label=_("Notifications by email and group robots: retry what failed"))
def deliveries_step(day: datetime.date) -> str:
    if not delivery.enabled():
        return gettext("no channel configured")
    counts = delivery.deliver_due(limit=10_000)
    return gettext("%(sent)d sent, %(retry)d to retry, %(failed)d failed") % counts
