"""The contacts area's source of the customer timeline (customers/timeline.py): people who
joined or left the customer (their employments' start and end). Where someone moved to or
from is not said: the other company may be invisible to the reader."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.contacts.models import Employment
from pharmcrm.customers.timeline import TimelineEntry, at_day

CAP = 1000  # employments of one customer read at most (a customer has tens)


def _when(day, stamp) -> tuple:
    """(when, all_day): the date an employment started or ended; the exact time if it was recorded that day."""
    if day is None or timezone.localdate(stamp) == day:
        return stamp, False
    return at_day(day), True


def contact_entries(customer, user, perms, *, limit: int):
    today = timezone.localdate()
    rows = (Employment.objects.filter(customer_id=customer.pk, contact__deleted_at__isnull=True)
            .select_related("contact", "created_by").order_by("-id")[:CAP])
    for e in rows:
        link = reverse("web:contact_detail", args=[e.contact_id])
        role = e.title or e.role_text
        if e.start_date is None or e.start_date <= today:
            at, all_day = _when(e.start_date, e.created_at)
            yield TimelineEntry(at, "contacts.join", "person-plus",
                                _("%(name)s joined (%(role)s)") % {"name": e.contact.name, "role": role},
                                link, e.created_by, all_day=all_day)
        if e.end_date is not None and e.end_date <= today:
            at, all_day = _when(e.end_date, e.updated_at)
            yield TimelineEntry(at, "contacts.leave", "person-dash",
                                _("%(name)s left (%(role)s)") % {"name": e.contact.name, "role": role}, link,
                                all_day=all_day)
