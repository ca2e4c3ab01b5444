"""The follow-ups' place in the other areas' lists:

* ``followup_entries`` — a source of the customer timeline (customers/timeline.py ``SOURCES``):
  each follow-up logged, and each comment added to one;
* ``followup_interactions`` — a source of a contact's interactions (contacts/interactions.py),
  registered by ``register()`` from ``ActivitiesConfig.ready``: the follow-ups the contact took
  part in, across companies, only at customers the reader sees.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from pharmcrm.activities.models import FollowUp, FollowUpComment
from pharmcrm.customers.timeline import TimelineEntry

DETAIL_CHARS = 140


def followup_url(followup) -> str:
    return reverse("web:customer_detail", args=[followup.customer_id]) + f"?tab=followups#followup-{followup.pk}"


def followup_entries(customer, user, perms, *, limit: int):
    rows = (FollowUp.objects.filter(customer_id=customer.pk).select_related("author")
            .order_by("-occurred_at", "-id")[:limit])
    for fu in rows:
        yield TimelineEntry(fu.occurred_at, "followups.log", fu.icon,
                            _("Follow-up (%(channel)s)") % {"channel": fu.get_channel_display()},
                            followup_url(fu), fu.author, detail=Truncator(fu.content).chars(DETAIL_CHARS))
    comments = (FollowUpComment.objects.filter(follow_up__customer_id=customer.pk)
                .select_related("author", "follow_up").order_by("-created_at", "-id")[:limit])
    for c in comments:
        yield TimelineEntry(c.created_at, "followups.comment", "chat-left-text",
                            _("Commented on a follow-up"),
                            followup_url(c.follow_up), c.author, detail=Truncator(c.text).chars(DETAIL_CHARS))


def followup_interactions(*, actor, contact, visible_customer_ids: QuerySet, limit: int):
    from pharmcrm.contacts.interactions import Interaction

    rows = (FollowUp.objects.filter(contacts=contact, customer_id__in=visible_customer_ids)
            .select_related("author", "customer").order_by("-occurred_at", "-id")[:limit])
    return [
        Interaction(when=fu.occurred_at, kind="follow_up",
                    title=_("Follow-up (%(channel)s)") % {"channel": fu.get_channel_display()},
                    customer_id=fu.customer_id, customer_name=fu.customer.name,
                    actor_name=fu.author.full_name or fu.author.username, text=fu.content, url=followup_url(fu))
        for fu in rows
    ]


def register() -> None:
    from pharmcrm.contacts.interactions import register_source

    register_source("pharmcrm.activities.timeline:followup_interactions")
