"""The daily job's tender step: deadline reminders.

For every offset N in ``PHARMCRM["TENDER_REMINDER_DAYS"]`` (default 7, 3, 1) and each deadline
of an open tender (registration deadline, document deadline, bid opening), a deadline whose
Asia/Shanghai calendar date is ``day + N`` notifies the tender's owner and the tender
specialists, once (key ``tender-deadline:<tender>:<deadline>:<local date>:<N>``: a second run
notifies nobody; a moved deadline reminds again for its new date)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from pharmcrm.core.daily import daily_step
from pharmcrm.notifications.services import notify
from pharmcrm.tenders.models import DEADLINES, OPEN_STATUSES, Tender
from pharmcrm.tenders.services import specialists, tender_url

SHANGHAI = ZoneInfo("Asia/Shanghai")
# which deadlines still matter in which states
ACTIVE_FOR = {
    "registration_deadline": ("tracking",),
    "document_deadline": ("tracking", "registered", "preparing"),
    "bid_opening_at": tuple(OPEN_STATUSES),
}


def reminder_days() -> list[int]:
    return sorted({int(d) for d in settings.PHARMCRM.get("TENDER_REMINDER_DAYS", [7, 3, 1]) if int(d) >= 0},
                  reverse=True)


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of ``day`` in Asia/Shanghai, as aware datetimes."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=SHANGHAI)
    return start, start + datetime.timedelta(days=1)


def deadline_remind(*, day: datetime.date) -> int:
    """Send the reminders due on ``day`` (a Shanghai date); returns the number of (tender,
    deadline, offset) reminders considered."""
    spec = specialists()
    count = 0
    for offset in reminder_days():
        start, end = local_day_bounds(day + datetime.timedelta(days=offset))
        for field, _label in DEADLINES:
            rows = (Tender.objects.filter(status__in=ACTIVE_FOR[field], **{f"{field}__gte": start,
                                                                            f"{field}__lt": end})
                    .select_related("owner").order_by("id"))
            for t in rows:
                when = getattr(t, field)
                local = when.astimezone(SHANGHAI).date().isoformat()
                count += 1
                notify(recipients=sorted({t.owner_id, *spec}), kind="tender_deadline", link=tender_url(t),
                       key=f"tender-deadline:{t.pk}:{field}:{local}:{offset}",
                       params={"number": t.number, "name": t.name, "deadline": field, "days": offset,
                               "at": when.isoformat()})
    return count


@daily_step("tenders", order=45, label=gettext_lazy("Tenders: deadline reminders to owners and tender specialists"))
def tenders_step(day: datetime.date) -> str:
    return gettext("%(n)d tender deadline reminder(s)") % {"n": deadline_remind(day=day)}
