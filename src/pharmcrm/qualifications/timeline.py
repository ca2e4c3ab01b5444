"""The qualifications area's source of the customer timeline (customers/timeline.py): documents
uploaded (or renewed), voided, and expired (the day after their last valid day, unless they
were replaced or voided before)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.customers.timeline import TimelineEntry, at_day
from pharmcrm.qualifications.models import QualificationDocument

CAP = 1000  # documents of one customer read at most (a customer has a handful)


def qualification_entries(customer, user, perms, *, limit: int):
    today = timezone.localdate()
    docs = list(QualificationDocument.objects.filter(customer_id=customer.pk)
                .select_related("uploaded_by", "voided_by").order_by("-id")[:CAP])
    renewals = {d.replaced_by_id for d in docs if d.replaced_by_id}
    for d in docs:
        link = reverse("web:qualification_detail", args=[d.pk])
        if d.pk in renewals:
            text = _("Renewed qualification document: %(doc)s") % {"doc": d}
        else:
            text = _("Uploaded qualification document: %(doc)s") % {"doc": d}
        yield TimelineEntry(d.created_at, "qualifications.upload", "file-earmark-arrow-up", text, link, d.uploaded_by)
        if d.voided_at:
            yield TimelineEntry(d.voided_at, "qualifications.void", "file-earmark-x",
                                _("Voided qualification document: %(doc)s") % {"doc": d}, link, d.voided_by,
                                detail=d.void_reason)
        if d.no_expiry or d.valid_to is None or d.valid_to >= today:
            continue
        ended = [timezone.localdate(t) for t in (d.replaced_at, d.voided_at) if t]
        if any(day <= d.valid_to for day in ended):
            continue  # replaced or voided while still valid: it never expired
        yield TimelineEntry(at_day(d.valid_to + datetime.timedelta(days=1)), "qualifications.expire",
                            "hourglass-bottom", _("Qualification document expired: %(doc)s") % {"doc": d}, link,
                            all_day=True)
