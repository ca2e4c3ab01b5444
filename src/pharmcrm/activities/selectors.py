"""The only readers of follow-ups. Every read starts from the visibility rule: a follow-up is
visible exactly when its customer is (``org.visibility.visible_customers``, ONE sub-select, as
contacts and qualifications do); missing and invisible are the same ``NotFound``.

Lists own their ``select_related``/``prefetch_related``: a page of follow-ups costs the same
number of queries whatever its length (author, customer; contacts, products, comments).
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.activities.models import FollowUp, FollowUpAttachment, FollowUpComment
from pharmcrm.activities.services import edit_deadline
from pharmcrm.core.errors import NotFound
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User

LAST_N = 10


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def visible_followups(actor: User) -> QuerySet:
    """Every follow-up of every customer ``actor`` may see. Start every follow-up read here."""
    return FollowUp.objects.filter(customer_id__in=visibility.visible_customers(actor).values("id"))


def _customer(actor: User, customer_id: int) -> Customer:
    customer = visibility.visible_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def with_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("author", "customer").prefetch_related(
        "contacts", "products", Prefetch("attachments", queryset=FollowUpAttachment.objects.order_by("id")),
        Prefetch("comments", queryset=FollowUpComment.objects.select_related("author").order_by("created_at", "id")),
    )


def followup_list(*, actor: User, customer_id: int | None = None, contact_id: int | None = None,
                  author_id: int | None = None, channel: str = "", day_from: datetime.date | None = None,
                  day_to: datetime.date | None = None) -> QuerySet:
    """Visible follow-ups, newest first; of one customer (``NotFound`` if it is invisible), of
    one contact (across the customers ``actor`` sees), by one author, by channel, on local days
    ``day_from`` .. ``day_to`` (inclusive, Asia/Shanghai)."""
    qs = visible_followups(actor)
    if day_from is not None:
        qs = qs.filter(occurred_at__gte=_midnight(day_from))
    if day_to is not None:
        qs = qs.filter(occurred_at__lt=_midnight(day_to + datetime.timedelta(days=1)))
    if customer_id is not None:
        _customer(actor, customer_id)
        qs = qs.filter(customer_id=customer_id)
    if contact_id is not None:
        qs = qs.filter(contacts=contact_id)
    if author_id is not None:
        qs = qs.filter(author_id=author_id)
    if channel:
        qs = qs.filter(channel=channel)
    return with_details(qs).order_by("-occurred_at", "-id")


def followups_last_ten(*, actor: User, customer_id: int) -> list[FollowUp]:
    """The last ten interactions with this customer (seed point 4), newest first, visible-only
    (``NotFound`` if the customer is invisible)."""
    return list(followup_list(actor=actor, customer_id=customer_id)[:LAST_N])


def followup_get(*, actor: User, followup_id: int) -> FollowUp:
    fu = with_details(visible_followups(actor)).filter(pk=followup_id).first()
    if fu is None:
        raise NotFound(_("Follow-up not found."))
    return fu


def attachment_get(*, actor: User, attachment_id: int, followup_id: int | None = None) -> FollowUpAttachment:
    """An attachment of a visible follow-up (of ``followup_id`` if given), or ``NotFound``
    (missing or invisible alike)."""
    qs = FollowUpAttachment.objects.filter(pk=attachment_id, follow_up__in=visible_followups(actor).values("id"))
    if followup_id is not None:
        qs = qs.filter(follow_up_id=followup_id)
    att = qs.first()
    if att is None:
        raise NotFound(_("File not found."))
    return att


def writable_customer_ids(actor: User, followups) -> set[int]:
    """Of the customers of ``followups``, those ``actor`` may write (one query)."""
    ids = {f.customer_id for f in followups}
    if not ids:
        return set()
    return set(visibility.writable_customers(actor).filter(pk__in=ids).values_list("id", flat=True))


def followup_permissions(*, actor: User, followup: FollowUp, can_write: bool | None = None) -> dict:
    """edit: the author, able to write the customer, within the edit window; comment: the author
    or anyone able to write the customer. ``can_write`` (if the caller knows it) saves a query."""
    if can_write is None:
        can_write = visibility.can_write(actor, followup.customer_id)
    deadline = edit_deadline(followup)
    mine = followup.author_id == actor.pk
    return {
        "edit": mine and can_write and timezone.now() <= deadline,
        "comment": mine or can_write,
        "edit_until": deadline,
    }
