"""The only writers of follow-ups and their comments.

Rights (``selectors.followup_permissions`` answers the same questions for the UI):
* to log a follow-up you must be able to WRITE its customer (owner, heads above, read-write
  shares, administrators; ``org.visibility``); a read-only share is refused (403);
* to edit one you must be its author, still able to write the customer, and within
  ``FOLLOWUP_EDIT_HOURS`` (a setting, default 24) of its creation; afterwards only comments;
* to comment you must be its author or able to write the customer;
* nothing is deleted.
A follow-up or customer the actor cannot see is ``NotFound`` (404), like everywhere else.

Logging a follow-up moves the customer's follow-up clock (``Customer.last_followup_at``, the
public pool's rule, customers/pool.py) forward to ``occurred_at`` if that is later: one
conditional UPDATE, so two reps logging at once cannot move it back.

The customer's follow-up plan (``Customer.next_followup_on``, My Desktop) is the next date of
its latest follow-up (by ``occurred_at``, then id): ``refresh_plan`` sets it after every create
and update (a newer follow-up supersedes the plan — that is how a plan completes; a backdated
one does not) and after a merge (``customers.merge.HANDLERS``, registered in ``apps.py``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from pharmcrm.activities.models import Channel, FollowUp, FollowUpAttachment, FollowUpComment
from pharmcrm.catalog.models import Product
from pharmcrm.contacts.models import Employment
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.qualifications import uploads

TEXT_FIELDS = ["content", "materials_sent", "price_quoted", "result", "next_plan"]
FIELDS = ["occurred_at", "channel", *TEXT_FIELDS, "next_date", "contact_ids", "product_ids"]
AUDIT_FIELDS = ["occurred_at", "channel", *TEXT_FIELDS, "next_date"]
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)  # clocks of phones and servers differ a little
EARLIEST = datetime.date(2000, 1, 1)
MAX_CONTACTS = 20
MAX_PRODUCTS = 50


def edit_hours() -> int:
    """How long the author may edit a follow-up (settings.FOLLOWUP_EDIT_HOURS, default 24)."""
    return int(getattr(settings, "FOLLOWUP_EDIT_HOURS", 24))


def edit_deadline(followup: FollowUp) -> datetime.datetime:
    return followup.created_at + datetime.timedelta(hours=edit_hours())


def _invalid(fields: dict[str, list[str]]) -> ApplicationError:
    first = next(iter(fields.values()))[0]
    return ApplicationError(first, code="invalid", fields=fields)


def _ids(value, field: str, fields: dict, cap: int) -> list[int] | None:
    if value is None:
        return []
    if not isinstance(value, list | tuple | set) or not all(
            isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in value):
        fields[field] = [_("Enter a list of ids.")]
        return None
    out = list(dict.fromkeys(value))
    if len(out) > cap:
        fields[field] = [_("At most %(n)d.") % {"n": cap}]
        return None
    return out


def _as_datetime(value, fields: dict) -> datetime.datetime | None:
    if isinstance(value, str):
        value = parse_datetime(value.strip()) if value.strip() else None
        if value is None:
            fields["occurred_at"] = [_("Enter a date and time such as 2026-03-01 14:30.")]
            return None
    if not isinstance(value, datetime.datetime):
        fields["occurred_at"] = [_("Enter a date and time such as 2026-03-01 14:30.")]
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _as_date(value, fields: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            parsed = parse_date(value.strip())
        except ValueError:
            parsed = None
        if parsed:
            return parsed
    fields["next_date"] = [_("Enter a date such as 2026-03-01.")]
    return None


def _apply(fu: FollowUp, data: dict[str, Any], *, creating: bool) -> tuple[list[int] | None, list[int] | None]:
    """Check and set the fields; return (contact ids, product ids), None where not given.
    Raises one ``ApplicationError`` with every field's message."""
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    fields: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if value is not None and not isinstance(value, str):
            fields[name] = [_("Enter text.")]
            continue
        value = (value or "").strip()
        limit = FollowUp._meta.get_field(name).max_length
        if limit and len(value) > limit:
            fields[name] = [_("At most %(n)d characters.") % {"n": limit}]
        setattr(fu, name, value)
    if not fu.content and "content" not in fields:
        fields["content"] = [_("Say what was discussed.")]
    if "channel" in data:
        if data["channel"] not in Channel.values:
            fields["channel"] = [_("Choose how you were in touch: visit, phone, WeChat, email, meeting, "
                                   "exhibition or other.")]
        else:
            fu.channel = data["channel"]
    if "occurred_at" in data or creating:
        raw = data.get("occurred_at")
        when = timezone.now() if raw in (None, "") else _as_datetime(raw, fields)
        if when is not None:
            if when > timezone.now() + FUTURE_TOLERANCE:
                fields["occurred_at"] = [_("The time of the follow-up cannot be in the future; plan the next "
                                           "one with the next follow-up date.")]
            elif timezone.localdate(when) < EARLIEST:
                fields["occurred_at"] = [_("The time of the follow-up cannot be before %(d)s.")
                                         % {"d": EARLIEST.isoformat()}]
            fu.occurred_at = when
    if "next_date" in data:
        fu.next_date = _as_date(data["next_date"], fields)
    if (fu.next_date and fu.occurred_at and "occurred_at" not in fields and "next_date" not in fields
            and fu.next_date < timezone.localdate(fu.occurred_at)):
        fields["next_date"] = [_("The next follow-up date cannot be before this follow-up (%(d)s).")
                               % {"d": timezone.localdate(fu.occurred_at).isoformat()}]
    if fu.next_plan and not fu.next_date and "next_date" not in fields:
        fields["next_date"] = [_("Enter the date of the next follow-up for this plan.")]
    contact_ids = _ids(data["contact_ids"], "contact_ids", fields, MAX_CONTACTS) if "contact_ids" in data else None
    product_ids = _ids(data["product_ids"], "product_ids", fields, MAX_PRODUCTS) if "product_ids" in data else None
    if contact_ids:
        employed = set(Employment.objects.filter(customer_id=fu.customer_id, contact_id__in=contact_ids,
                                                 contact__deleted_at__isnull=True)
                       .values_list("contact_id", flat=True))
        if set(contact_ids) - employed:
            fields["contact_ids"] = [_("Choose contacts who work (or worked) at this customer.")]
    if product_ids:
        known = set(Product.objects.filter(pk__in=product_ids).values_list("id", flat=True))
        if set(product_ids) - known:
            fields["product_ids"] = [_("Choose products from the catalogue.")]
    if fields:
        raise _invalid(fields)
    return contact_ids, product_ids


def _customer_for_write(actor: User, customer_id: int) -> Customer:
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        raise ApplicationError(_("Choose a customer."), code="invalid", fields={"customer_id": [_("Choose a customer.")]})
    customer = visibility.writable_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        if not visibility.can_see(actor, customer_id):
            raise NotFound(_("Customer not found."))
        raise PermissionDenied(_("You may view this customer but not log follow-ups for it; ask its owner to "
                                 "share it with you read-write."))
    return customer


def _move_clock(customer_id: int, when: datetime.datetime) -> None:
    """last_followup_at := max(last_followup_at, when) — conditional, so it never moves back."""
    Customer.objects.filter(Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=when),
                            pk=customer_id).update(last_followup_at=when)


def refresh_plan(customer_id: int) -> datetime.date | None:
    """next_followup_on := the plan date of the customer's latest follow-up: its
    ``rescheduled_to`` if the plan was moved on the calendar (``plan_reschedule``), else its
    ``next_date`` (None without one). Locks the customer row first, so two writers serialise
    (and a customer edit holding the lock cannot write back an older value)."""
    list(Customer._base_manager.select_for_update().filter(pk=customer_id).values_list("pk", flat=True))
    row = (FollowUp.objects.filter(customer_id=customer_id).order_by("-occurred_at", "-id")
           .values_list("rescheduled_to", "next_date").first())
    latest = (row[0] or row[1]) if row else None
    Customer._base_manager.filter(pk=customer_id).update(next_followup_on=latest)
    return latest


_refresh_plan = refresh_plan


def _audit_values(fu: FollowUp, contact_names: list[str], product_names: list[str]) -> dict[str, Any]:
    values = snapshot(fu, AUDIT_FIELDS)
    values["contacts"] = contact_names
    values["products"] = product_names
    return values


def _names(fu: FollowUp) -> tuple[list[str], list[str]]:
    return ([c.name for c in fu.contacts.order_by("id")], [str(p) for p in fu.products.order_by("id")])


def _checked(fu: FollowUp, data: dict[str, Any], files, *, creating: bool):
    """The fields and the files checked together: every problem of both in one error."""
    errors: list[ApplicationError] = []
    ids = checked = None
    try:
        ids = _apply(fu, data, creating=creating)
    except ApplicationError as exc:
        errors.append(exc)
    try:
        checked = uploads.check_files(files, field="files", required=False)
    except ApplicationError as exc:
        errors.append(exc)
    if errors:
        fields: dict[str, list[str]] = {}
        for exc in errors:
            for name, messages in exc.fields.items():
                fields.setdefault(name, []).extend(messages)
        raise ApplicationError(errors[0].message, code=errors[0].code, fields=fields)
    if checked and fu.pk and fu.attachments.count() + len(checked) > uploads.MAX_FILES_PER_DOCUMENT:
        msg = _("At most %(n)d files per follow-up.") % {"n": uploads.MAX_FILES_PER_DOCUMENT}
        raise ApplicationError(msg, code="too_many_files", fields={"files": [msg]})
    return ids, checked


def _attach(actor: User, fu: FollowUp, checked: list, stored: list[str]) -> list[str]:
    rows = []
    for f in checked:
        name = uploads.store(f, folder="followups")
        stored.append(name)
        rows.append(FollowUpAttachment(follow_up=fu, file=name, original_name=f.original_name,
                                       content_type=f.content_type, size=f.size, sha256=f.sha256,
                                       uploaded_by=actor))
    FollowUpAttachment.objects.bulk_create(rows)
    return [f.original_name for f in checked]



@uploads.discard_on_failure
def followup_create(*, actor: User, customer_id: int, data: dict[str, Any], files=None,
                    stored: list[str]) -> FollowUp:
    """Log a follow-up with a customer ``actor`` may write; moves its pool clock forward.
    ``files``: optional attachments (PDF, JPEG, PNG, WebP; size-limited; checked by content)."""
    customer = _customer_for_write(actor, customer_id)
    fu = FollowUp(customer=customer, author=actor)
    (contact_ids, product_ids), checked = _checked(fu, data, files, creating=True)
    fu.save()
    if contact_ids:
        fu.contacts.set(contact_ids)
    if product_ids:
        fu.products.set(product_ids)
    _move_clock(customer.pk, fu.occurred_at)
    customer.next_followup_on = _refresh_plan(customer.pk)
    values = _audit_values(fu, *_names(fu))
    if checked:
        values["attachments"] = _attach(actor, fu, checked, stored)
    audit_record(actor=actor, action="followup_create", target=fu, customer_id=customer.pk,
                 changes={k: [None, v] for k, v in values.items() if v not in ("", None, [])})
    return fu


def _followup_for_change(actor: User, followup_id: int) -> FollowUp:
    fu = (FollowUp.objects.select_for_update(of=("self",)).select_related("customer")
          .filter(pk=followup_id, customer_id__in=visibility.visible_customers(actor).values("id")).first())
    if fu is None:
        raise NotFound(_("Follow-up not found."))
    return fu


@uploads.discard_on_failure
def followup_update(*, actor: User, followup_id: int, data: dict[str, Any], files=None,
                    stored: list[str]) -> FollowUp:
    """The author corrects their follow-up within the edit window (``files`` are added to its
    attachments); afterwards a comment adds to it."""
    fu = _followup_for_change(actor, followup_id)
    if fu.author_id != actor.pk:
        raise PermissionDenied(_("Only the author may edit a follow-up. Add a comment instead."))
    if not visibility.can_write(actor, fu.customer_id):
        raise PermissionDenied(_("You may no longer change this customer's records. Add a comment instead."))
    if timezone.now() > edit_deadline(fu):
        raise ApplicationError(
            _("A follow-up can be edited only within %(h)d hours of logging it, so that the record can be "
              "trusted. Add a comment to correct or complete it.") % {"h": edit_hours()},
            code="edit_window_closed")
    before = _audit_values(fu, *_names(fu))
    planned_before = fu.next_date
    (contact_ids, product_ids), checked = _checked(fu, data, files, creating=False)
    if fu.next_date != planned_before and fu.rescheduled_to is not None:
        # the author set a new next date: it replaces a move made on the calendar meanwhile
        fu.rescheduled_to = fu.rescheduled_at = fu.rescheduled_by = None
    fu.save()
    if contact_ids is not None:
        fu.contacts.set(contact_ids)
    if product_ids is not None:
        fu.products.set(product_ids)
    _move_clock(fu.customer_id, fu.occurred_at)
    fu.customer.next_followup_on = _refresh_plan(fu.customer_id)
    changes = diff(before, _audit_values(fu, *_names(fu)))
    if checked:
        changes["attachments"] = [None, _attach(actor, fu, checked, stored)]
    if changes:
        audit_record(actor=actor, action="followup_update", target=fu, customer_id=fu.customer_id, changes=changes)
    return fu


@transaction.atomic
def followup_comment_add(*, actor: User, followup_id: int, text: str) -> FollowUpComment:
    """An addition to a follow-up, by its author or anyone who may write its customer."""
    fu = _followup_for_change(actor, followup_id)
    if fu.author_id != actor.pk and not visibility.can_write(actor, fu.customer_id):
        raise PermissionDenied(_("Only the author or someone who may change this customer may comment."))
    text = (text or "").strip() if isinstance(text, str) or text is None else None
    if text is None:
        raise _invalid({"text": [_("Enter text.")]})
    if not text:
        raise _invalid({"text": [_("Write the comment.")]})
    limit = FollowUpComment._meta.get_field("text").max_length
    if len(text) > limit:
        raise _invalid({"text": [_("At most %(n)d characters.") % {"n": limit}]})
    comment = FollowUpComment.objects.create(follow_up=fu, author=actor, text=text)
    audit_record(actor=actor, action="followup_comment", target=fu, customer_id=fu.customer_id,
                 changes={"comment": [None, text]})
    return comment


@transaction.atomic
def plan_reschedule(*, actor: User, customer_id: int, new_date: datetime.date | str) -> FollowUp:
    """Move the customer's follow-up plan to ``new_date`` (the calendar's drag and drop).

    The plan is the latest follow-up's next date; the move is stored beside it
    (``rescheduled_to``, ``rescheduled_at``, ``rescheduled_by``) without touching the record's
    content (so the edit window does not matter), and ``refresh_plan`` takes it from there. A
    newer follow-up supersedes it as it supersedes any plan. Only users who may write the
    customer (404 if they cannot see it, 403 for a read-only share); ``new_date`` is a local
    day, today or later. Moving to the same day changes nothing. Audited
    (``followup_reschedule``, old and new date)."""
    customer = _customer_for_write(actor, customer_id)
    fields: dict[str, list[str]] = {}
    day = None
    if isinstance(new_date, datetime.datetime):
        day = timezone.localdate(new_date) if timezone.is_aware(new_date) else new_date.date()
    elif isinstance(new_date, datetime.date):
        day = new_date
    elif isinstance(new_date, str) and new_date.strip():
        try:
            day = parse_date(new_date.strip())
        except ValueError:
            day = None
    if day is None:
        fields["new_date"] = [_("Enter a date such as 2026-03-01.")]
    elif day < timezone.localdate():
        fields["new_date"] = [_("A plan can be moved to today or a later day, not into the past.")]
    if fields:
        raise _invalid(fields)
    # the customer row first (as refresh_plan does), then its latest follow-up
    list(Customer._base_manager.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True))
    fu = (FollowUp.objects.select_for_update(of=("self",)).filter(customer_id=customer.pk)
          .order_by("-occurred_at", "-id").first())
    if fu is None or fu.plan_date is None:
        raise ApplicationError(_("This customer has no planned follow-up to move; log a follow-up with a next "
                                 "date first."), code="no_plan")
    old = fu.plan_date
    if day == old:
        return fu
    fu.rescheduled_to = day
    fu.rescheduled_at = timezone.now()
    fu.rescheduled_by = actor
    fu.save(update_fields=["rescheduled_to", "rescheduled_at", "rescheduled_by"])
    refresh_plan(customer.pk)
    audit_record(actor=actor, action="followup_reschedule", target=fu, customer_id=customer.pk,
                 changes={"next_date": [old.isoformat(), day.isoformat()]})
    return fu
