"""The agency area's source of the customer timeline (customers/timeline.py): the agent's
agreements created, put in force, terminated or expired. Agreements are visible to whoever
sees their agent (agency.selectors.visible_agreements)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from pharmcrm.agency.models import AgencyAgreement, AgreementStatus
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.timeline import TimelineEntry

CAP = 1000  # agreements of one agent read at most


def agreement_entries(customer, user, perms, *, limit: int):
    rows = list(AgencyAgreement.objects.filter(agent_id=customer.pk)
                .select_related("created_by", "activated_by").order_by("-id")[:CAP])
    ended = [a.pk for a in rows if a.status == AgreementStatus.TERMINATED]
    # who terminated: the agreement keeps no such field, its audit event does (one query)
    terminators = {e.target_id: e.actor for e in AuditEvent.objects.filter(
        action="agreement_terminate", target_type=AgencyAgreement._meta.model_name, target_id__in=ended,
    ).select_related("actor").order_by("created_at")} if ended else {}
    for a in rows:
        link = reverse("web:agreement_detail", args=[a.pk])
        yield TimelineEntry(a.created_at, "agreements.create", "file-earmark-plus",
                            _("Created agency agreement %(number)s") % {"number": a.number}, link, a.created_by)
        if a.activated_at:
            yield TimelineEntry(a.activated_at, "agreements.activate", "file-earmark-check",
                                _("Agency agreement %(number)s put in force") % {"number": a.number}, link,
                                a.activated_by)
        if a.ended_at and a.status == AgreementStatus.TERMINATED:
            yield TimelineEntry(a.ended_at, "agreements.terminate", "file-earmark-x",
                                _("Agency agreement %(number)s terminated") % {"number": a.number}, link,
                                terminators.get(a.pk), detail=a.termination_reason)
        elif a.ended_at and a.status == AgreementStatus.EXPIRED:
            yield TimelineEntry(a.ended_at, "agreements.expire", "hourglass-bottom",
                                _("Agency agreement %(number)s expired") % {"number": a.number}, link)
