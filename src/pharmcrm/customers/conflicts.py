"""撞单申诉: the only writers of duplicate conflicts (raise, withdraw, decide).

A rep blocked by the duplicate check (customers.duplicates) may claim the existing customer.
The conflict is decided by the *lowest common head*: ``arbiter_department_for`` picks the
deepest department that is an ancestor-or-self of both the claimant's and the owner's
departments and has an active head other than the claimant and the owner; any head of that
department or of a department above it decides, and so do administrators (who alone decide
when there is no such department). The claimant and the owner never decide their own conflict.

Decisions: *keep* (nothing moves), *transfer* (the existing customer goes to the claimant
through the transfer service, logged like any transfer; a record of the claimant's own is then
merged into it so one record remains), *merge* (the claimant's own record is merged into the
existing customer, which stays with its owner).

Notifications arrive with issue 4: ``on_conflict_event`` is called after commit on every
raise, withdrawal and decision; register a listener with ``conflict_listeners.append(fn)``
(``fn(event: str, conflict: CustomerConflict)``, event in "raised", "withdrawn", "decided").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers import duplicates
from pharmcrm.customers.conflict_models import ConflictDecision, ConflictStatus, CustomerConflict
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import Department, DepartmentClosure, DepartmentHead, User

REASON_MAX = 2000
DATA_FIELDS = ("type", "name", "short_name", "credit_code", "region_code", "address", "phone",
               "status", "grade", "source", "notes")

conflict_listeners: list[Callable[[str, CustomerConflict], Any]] = []


def on_conflict_event(event: str, conflict: CustomerConflict) -> None:
    """The notification hook (issue 4): called after commit, never inside the transaction."""
    for listener in list(conflict_listeners):
        listener(event, conflict)


def _notify(event: str, conflict: CustomerConflict) -> None:
    conflict_badge_forget()  # now, and again once committed (a page read in between keeps no old count)
    transaction.on_commit(conflict_badge_forget)
    transaction.on_commit(lambda: on_conflict_event(event, conflict))


BADGE_GENERATION_KEY = "conflict-badge-generation"


def conflict_badge_forget() -> None:
    """Drop every kept badge count (``conflict_selectors.conflict_badge``)."""
    try:
        cache.incr(BADGE_GENERATION_KEY)
    except ValueError:  # not set yet (or evicted)
        cache.set(BADGE_GENERATION_KEY, 1, None)


# --- who arbitrates ------------------------------------------------------------------------

def arbiter_department_for(
    *, claimant_department_id: int | None, owner_department_id: int | None, exclude_user_ids: set[int],
) -> Department | None:
    """The deepest common ancestor-or-self of the two departments with an active head not in
    ``exclude_user_ids``; None (administrators) when there is none. One query."""
    if claimant_department_id is None or owner_department_id is None:
        return None
    heads = DepartmentHead.objects.filter(department_id=OuterRef("ancestor_id"), user__is_active=True).exclude(
        user_id__in=exclude_user_ids
    )
    row = (
        DepartmentClosure.objects.filter(
            descendant_id=claimant_department_id,
            ancestor_id__in=DepartmentClosure.objects.filter(descendant_id=owner_department_id).values("ancestor_id"),
        )
        .filter(Exists(heads))
        .order_by("depth")
        .select_related("ancestor")
        .first()
    )
    return row.ancestor if row else None


def can_decide(user: User, conflict: CustomerConflict) -> bool:
    """Administrators, and heads of the arbitrating department or of one above it; never the
    claimant or the customer's owner."""
    if not user.is_active or user.pk == conflict.claimant_id:
        return False
    if user.pk == conflict.customer.owner_id:
        return False
    if user.is_admin:
        return True
    if conflict.arbiter_department_id is None or not user.headed_department_ids:
        return False
    return DepartmentClosure.objects.filter(
        ancestor_id__in=user.headed_department_ids, descendant_id=conflict.arbiter_department_id
    ).exists()


# --- raise / withdraw ----------------------------------------------------------------------

def _clean_data(data: dict[str, Any]) -> dict[str, str]:
    out = {}
    for name in DATA_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()[: Customer._meta.get_field(name).max_length or 5000]
    return out


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        msg = _("Say why this customer should be yours (e.g. when you first visited it).")
        raise ApplicationError(msg, code="required", fields={"reason": [msg]})
    if len(reason) > REASON_MAX:
        msg = _("At most %(n)d characters.") % {"n": REASON_MAX}
        raise ApplicationError(msg, code="too_long", fields={"reason": [msg]})
    return reason


@transaction.atomic
def conflict_raise(
    *, actor: User, ref: str, data: dict[str, Any], reason: str, claimant_customer_id: int | None = None,
) -> CustomerConflict:
    """Claim the existing customer behind the duplicate match ``ref`` (``DuplicateMatch.ref``)
    that ``data`` (what the claimant entered) matches. ``claimant_customer_id``: the claimant's
    own record of the same customer, if they have one (they must manage it)."""
    reason = _check_reason(reason)
    data = _clean_data(data)
    claimant_customer = None
    if claimant_customer_id is not None:
        if not visibility.can_manage(actor, claimant_customer_id):
            raise NotFound(_("Customer not found."))
        claimant_customer = Customer.objects.get(pk=claimant_customer_id)
    found = duplicates.match_by_ref(
        actor=actor, ref=ref or "", name=data.get("name", ""), credit_code=data.get("credit_code", ""),
        phone=data.get("phone", ""), exclude_id=claimant_customer_id,
    )
    if found is None:
        msg = _("This customer no longer matches what you entered. Check for duplicates again.")
        raise ApplicationError(msg, code="no_match", fields={"ref": [msg]})
    customer, match = found
    if customer.owner_id is None:
        raise ApplicationError(_("This customer is in the public pool: claim it there instead."), code="in_pool")
    if customer.owner_id == actor.pk:
        raise ApplicationError(_("You already own this customer."), code="own_customer")
    customer = Customer.objects.select_for_update(of=("self",)).select_related("owner").get(pk=customer.pk)
    if CustomerConflict.objects.filter(customer=customer, claimant=actor, status=ConflictStatus.OPEN).exists():
        raise ApplicationError(_("You have already raised a conflict about this customer; it is awaiting a decision."),
                               code="already_raised")
    arbiter = arbiter_department_for(
        claimant_department_id=actor.department_id, owner_department_id=customer.owner_department_id,
        exclude_user_ids={actor.pk, customer.owner_id},
    )
    conflict = CustomerConflict.objects.create(
        customer=customer, owner=customer.owner, claimant=actor, claimant_customer=claimant_customer,
        data=data, matched_on=list(match.matched_on), reason=reason, arbiter_department=arbiter,
    )
    changes = {"claimant": [None, str(actor)], "matched_on": [None, matched_label(match.matched_on)],
               "reason": [None, reason]}
    audit_record(actor=actor, action="conflict_raise", target=conflict, customer_id=customer.pk, changes=changes)
    if claimant_customer is not None:
        audit_record(actor=actor, action="conflict_raise", target=conflict, customer_id=claimant_customer.pk,
                     changes=changes)
    _notify("raised", conflict)
    return conflict


def matched_label(matched_on) -> str:
    """"信用代码、名称" (for the history tab; stored in the actor's language)."""
    labels = {"credit_code": _("credit code"), "name": _("name"), "phone": _("phone")}
    return "、".join(str(labels.get(c, c)) for c in matched_on)


def _status_change(status: str) -> dict:
    return {"conflict_status": [str(ConflictStatus.OPEN.label), str(ConflictStatus(status).label)]}


def _locked(conflict_id: int) -> CustomerConflict:
    conflict = (
        CustomerConflict.objects.select_for_update(of=("self",))
        .select_related("customer", "claimant", "claimant_customer", "arbiter_department")
        .filter(pk=conflict_id)
        .first()
    )
    if conflict is None:
        raise NotFound(_("Conflict not found."))
    return conflict


def _audit_both(actor: User, action: str, conflict: CustomerConflict, changes: dict) -> None:
    audit_record(actor=actor, action=action, target=conflict, customer_id=conflict.customer_id, changes=changes)
    if conflict.claimant_customer_id:
        audit_record(actor=actor, action=action, target=conflict, customer_id=conflict.claimant_customer_id,
                     changes=changes)


@transaction.atomic
def conflict_withdraw(*, actor: User, conflict_id: int) -> CustomerConflict:
    conflict = _locked(conflict_id)
    if conflict.claimant_id != actor.pk:
        if can_see_conflict(actor, conflict):
            raise PermissionDenied(_("Only the claimant may withdraw a conflict."))
        raise NotFound(_("Conflict not found."))
    if not conflict.is_open:
        raise ApplicationError(_("This conflict has already been closed."), code="closed")
    conflict.status = ConflictStatus.WITHDRAWN
    conflict.decided_at = timezone.now()
    conflict.save(update_fields=["status", "decided_at", "updated_at"])
    _audit_both(actor, "conflict_withdraw", conflict, _status_change(ConflictStatus.WITHDRAWN))
    _notify("withdrawn", conflict)
    return conflict


# --- decide ----------------------------------------------------------------------------------

def can_see_conflict(user: User, conflict: CustomerConflict) -> bool:
    """The claimant, the deciders, administrators, and whoever sees the existing customer."""
    if not user.is_active:
        return False
    if user.is_admin or user.pk in (conflict.claimant_id, conflict.customer.owner_id):
        return True
    if can_decide(user, conflict):
        return True
    return visibility.visible_customers(user, include_deleted=True).filter(pk=conflict.customer_id).exists()


@transaction.atomic
def conflict_decide(*, actor: User, conflict_id: int, decision: str, note: str = "") -> CustomerConflict:
    conflict = _locked(conflict_id)
    if not can_see_conflict(actor, conflict):
        raise NotFound(_("Conflict not found."))
    if not can_decide(actor, conflict):
        raise PermissionDenied(_("Only the heads above both people, or an administrator, may decide this conflict."))
    if not conflict.is_open:
        raise ApplicationError(_("This conflict has already been closed."), code="closed")
    if decision not in ConflictDecision.values:
        msg = _("Choose keep, transfer or merge.")
        raise ApplicationError(msg, code="invalid_decision", fields={"decision": [msg]})
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        msg = _("At most %(n)d characters.") % {"n": REASON_MAX}
        raise ApplicationError(msg, code="too_long", fields={"note": [msg]})
    own = conflict.claimant_customer
    own_alive = own is not None and own.deleted_at is None and own.merged_into_id is None
    if decision == ConflictDecision.MERGE and not own_alive:
        msg = _("The claimant has no record of their own to merge; keep or transfer instead.")
        raise ApplicationError(msg, code="nothing_to_merge", fields={"decision": [msg]})
    from pharmcrm.customers import merge, services  # services imports duplicates; merge imports services

    label = _("Duplicate conflict #%(n)d") % {"n": conflict.pk}
    if decision == ConflictDecision.TRANSFER:
        if not visibility.transferable_customers(actor, include_deleted=True).filter(pk=conflict.customer_id).exists():
            raise ApplicationError(_("The customer is no longer owned in your teams; an administrator must decide."),
                                   code="out_of_scope")
        services._transfer(
            actor=actor, keep_shares=True, reason=label, include_deleted=True, tell_listeners=False,
            assignments=[services.TransferAssignment([conflict.customer_id], conflict.claimant_id)],
        )
        if own_alive:
            merge.customer_merge(actor=actor, source_id=own.pk, target_id=conflict.customer_id)
        status = ConflictStatus.TRANSFERRED
    elif decision == ConflictDecision.MERGE:
        merge.customer_merge(actor=actor, source_id=own.pk, target_id=conflict.customer_id)
        status = ConflictStatus.MERGED
    else:
        status = ConflictStatus.KEPT
    conflict.status = status
    conflict.decided_by = actor
    conflict.decided_at = timezone.now()
    conflict.decision_note = note
    conflict.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    changes = _status_change(status)
    if note:
        changes["decision_note"] = [None, note]
    _audit_both(actor, "conflict_decide", conflict, changes)
    _notify("decided", conflict)
    return conflict
