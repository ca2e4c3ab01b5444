"""The only writers of customers, shares and transfers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_bulk, audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.pinyin import search_key
from pharmcrm.core.regions import region_validate
from pharmcrm.core.validators import normalise_credit_code
from pharmcrm.customers import duplicates, profile_services
from pharmcrm.customers.models import Customer, CustomerShare, TransferItem, TransferLog
from pharmcrm.org import visibility
from pharmcrm.org.models import ShareGroup, User

EDITABLE_FIELDS = [
    "type", "name", "short_name", "credit_code", "region_code", "address", "phone",
    "status", "grade", "source", "notes",
]
# hospital grade/beds/ownership and a store's head office (by id: the chain may be invisible to a reader)
AUDIT_FIELDS = [*EDITABLE_FIELDS, *profile_services.HOSPITAL_FIELDS, "parent_chain_id", "owner", "owner_department"]

# Event hooks (notifications register here from their AppConfig.ready(); this module imports
# nothing of theirs). Called after commit only, never inside the transaction:
#   share_listeners:    fn(actor, share)              a new share (of a user or a share group)
#   transfer_listeners: fn(actor, log, {to_user_id: [customer_id, ...]})   one call per transfer
share_listeners: list[Callable[..., Any]] = []
transfer_listeners: list[Callable[..., Any]] = []


def _after_commit(listeners: list[Callable[..., Any]], *args: Any) -> None:
    # one robust callback per listener: a failing one is logged, the change and the others stand
    # (a function, not functools.partial: Django logs a robust failure with func.__qualname__)
    for listener in list(listeners):
        def call(listener=listener) -> None:
            listener(*args)

        transaction.on_commit(call, robust=True)


def _full_clean(customer: Customer, *, region_before: str | None = None, constraints: bool = True) -> None:
    """``constraints=False`` (the import, which sets none of the constrained fields) skips Django's
    check constraints validation: one query per constraint and row."""
    try:
        customer.full_clean(exclude=["owner", "owner_department", "created_by", "deleted_by", "search_text"],
                            validate_constraints=constraints)
    except ValidationError as exc:
        fields = exc.message_dict
    else:
        fields = {}
    # a new region code must be a current one; a record keeps the (perhaps since abolished) code it has
    if customer.region_code and customer.region_code != region_before and "region_code" not in fields:
        try:
            region_validate(customer.region_code)
        except ValidationError as exc:
            fields["region_code"] = exc.messages
    # Django does not validate a TextField's max_length (only forms do); the service must
    for name in EDITABLE_FIELDS:
        f = Customer._meta.get_field(name)
        value = getattr(customer, name)
        if f.max_length and isinstance(value, str) and len(value) > f.max_length and name not in fields:
            fields[name] = [_("At most %(n)d characters.") % {"n": f.max_length}]
    if fields:
        first = next(iter(fields.values()))[0]
        raise ApplicationError(first, code="invalid", fields=fields)


def _apply(customer: Customer, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    wrong = sorted(f for f, v in data.items() if v is not None and not isinstance(v, str))
    if wrong:  # every editable field is text; a number or a list here is a caller's bug, not a 500
        raise ApplicationError(_("Enter text."), code="invalid", fields={f: [_("Enter text.")] for f in wrong})
    for field, value in data.items():
        setattr(customer, field, (value or "").strip())
    customer.credit_code = normalise_credit_code(customer.credit_code)
    customer.search_text = search_key(customer.name, customer.short_name, customer.credit_code, customer.phone)
    duplicates.set_keys(customer)


def _check_owner(actor: User, owner_id: int | None) -> User:
    if owner_id is None or owner_id == actor.pk:
        return actor
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    if owner is None or not visibility.users_in_scope(actor).filter(pk=owner_id).exists():
        msg = _("You can only assign customers to active users in your own team.")
        raise ApplicationError(msg, code="invalid_owner", fields={"owner_id": [msg]})
    return owner


@transaction.atomic
def customer_create(*, actor: User, data: dict[str, Any], owner_id: int | None = None) -> Customer:
    owner = _check_owner(actor, owner_id)
    customer = Customer(owner=owner, owner_department_id=owner.department_id, created_by=actor)
    data, hospital = profile_services.hospital_fields_split(data)  # 360° profile: hospitals and clinics
    _apply(customer, data)
    profile_services.hospital_fields_apply(customer, hospital)
    _full_clean(customer)
    duplicates.duplicate_check_customer(actor=actor, customer=customer)  # 查重: blocks a duplicate
    customer.save()
    audit_record(actor=actor, action="create", target=customer, customer_id=customer.pk,
                 changes={k: [None, v] for k, v in snapshot(customer, AUDIT_FIELDS).items() if v not in ("", None)})
    return customer


def _locked(qs, customer_id: int) -> Customer:
    customer = qs.select_for_update(of=("self",)).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def _get_for_write(actor: User, customer_id: int) -> Customer:
    if not visibility.can_see(actor, customer_id):
        raise NotFound(_("Customer not found."))
    if not visibility.can_write(actor, customer_id):
        raise PermissionDenied(_("You may view this customer but not change it."))
    return _locked(Customer.objects.filter(deleted_at__isnull=True), customer_id)


def _get_for_manage(actor: User, customer_id: int, *, deleted: bool = False) -> Customer:
    seen = visibility.visible_customers(actor, include_deleted=True).filter(pk=customer_id)
    seen = seen.filter(deleted_at__isnull=not deleted)
    if not seen.exists():
        raise NotFound(_("Customer not found."))
    if not visibility.can_manage(actor, customer_id, include_deleted=True):
        raise PermissionDenied(_("Only the owner, their heads or an administrator may do this."))
    return _locked(Customer.objects.filter(deleted_at__isnull=not deleted), customer_id)


@transaction.atomic
def customer_update(*, actor: User, customer_id: int, data: dict[str, Any]) -> Customer:
    customer = _get_for_write(actor, customer_id)
    before = snapshot(customer, AUDIT_FIELDS)
    keys_before = (customer.credit_code, customer.name_key, customer.phone_key)
    data, hospital = profile_services.hospital_fields_split(data)  # 360° profile: hospitals and clinics
    _apply(customer, data)
    profile_services.hospital_fields_apply(customer, hospital)
    _full_clean(customer, region_before=before["region_code"])
    changed_keys = [c for c, old, new in zip(duplicates.CRITERIA, keys_before,
                                             (customer.credit_code, customer.name_key, customer.phone_key),
                                             strict=True) if old != new]
    if changed_keys:  # 查重 on what changed only (an old duplicate does not block editing the address)
        duplicates.duplicate_check_customer(actor=actor, customer=customer, criteria=changed_keys)
    changes = diff(before, snapshot(customer, AUDIT_FIELDS))
    if changes:
        customer.save()
        audit_record(actor=actor, action="update", target=customer, customer_id=customer.pk, changes=changes)
    return customer


@transaction.atomic
def customer_delete(*, actor: User, customer_id: int) -> Customer:
    """Soft delete: the customer goes to the recycle bin with everything hanging off it."""
    customer = _get_for_manage(actor, customer_id)
    customer.deleted_at = timezone.now()
    customer.deleted_by = actor
    customer.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(actor=actor, action="delete", target=customer, customer_id=customer.pk)
    return customer


@transaction.atomic
def customer_restore(*, actor: User, customer_id: int) -> Customer:
    customer = _get_for_manage(actor, customer_id, deleted=True)
    if customer.merged_into_id:  # customers.merge: everything of it lives on in the other customer
        raise ApplicationError(_("This customer was merged into another one and cannot be restored."), code="merged")
    customer.deleted_at = None
    customer.deleted_by = None
    customer.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(actor=actor, action="restore", target=customer, customer_id=customer.pk)
    return customer


# --- sharing -------------------------------------------------------------------------------

@transaction.atomic
def share_create(
    *, actor: User, customer_id: int, user_id: int | None = None, group_id: int | None = None,
    access: str = CustomerShare.Access.READ,
) -> CustomerShare:
    customer = _get_for_manage(actor, customer_id)
    if customer.owner_id is None:  # the public pool: its sales users see it; claim or assign to own it
        raise ApplicationError(_("A customer in the public pool cannot be shared."), code="in_pool")
    if (user_id is None) == (group_id is None):
        msg = _("Choose either a user or a share group.")
        raise ApplicationError(msg, code="share_target", fields={"user_id": [msg]})
    if access not in CustomerShare.Access.values:
        msg = _("Access must be read-only or read-write.")
        raise ApplicationError(msg, code="invalid_access", fields={"access": [msg]})
    target: User | ShareGroup | None
    if user_id is not None:
        target = User.objects.filter(pk=user_id, is_active=True).first()
        if target is None:
            msg = _("The user does not exist or is deactivated.")
            raise ApplicationError(msg, code="invalid_user", fields={"user_id": [msg]})
        if target.pk == customer.owner_id:
            msg = _("The owner already sees this customer.")
            raise ApplicationError(msg, code="share_owner", fields={"user_id": [msg]})
        existing = CustomerShare.objects.filter(customer=customer, user=target).first()
    else:
        target = ShareGroup.objects.filter(pk=group_id).first()
        if target is None:
            msg = _("The share group does not exist.")
            raise ApplicationError(msg, code="invalid_group", fields={"group_id": [msg]})
        existing = CustomerShare.objects.filter(customer=customer, group=target).first()
    if existing:
        if existing.access != access:
            old = existing.access
            existing.access = access
            existing.save(update_fields=["access"])
            audit_record(actor=actor, action="share_update", target=existing, customer_id=customer.pk,
                         label=str(target), changes={"access": [old, access]})
        return existing
    share = CustomerShare.objects.create(
        customer=customer, user=target if user_id else None, group=target if group_id else None,
        access=access, created_by=actor,
    )
    audit_record(actor=actor, action="share", target=share, customer_id=customer.pk, label=str(target),
                 changes={"shared_with": [None, str(target)], "access": [None, access]})
    _after_commit(share_listeners, actor, share)
    return share


@transaction.atomic
def share_delete(*, actor: User, customer_id: int, share_id: int) -> None:
    customer = _get_for_manage(actor, customer_id)
    share = CustomerShare.objects.select_related("user", "group").filter(pk=share_id, customer=customer).first()
    if share is None:
        raise NotFound(_("Share not found."))
    target = share.user or share.group
    audit_record(actor=actor, action="unshare", target=share, customer_id=customer.pk, label=str(target),
                 changes={"shared_with": [str(target), None]})
    share.delete()


# --- transfer ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TransferAssignment:
    customer_ids: list[int]
    to_user_id: int


def _check_successor(actor: User, user_id: int) -> User:
    successor = User.objects.filter(pk=user_id).first()
    if successor is None or not successor.is_active:
        msg = _("The successor must be an active user.")
        raise ApplicationError(msg, code="invalid_successor", fields={"to_user_id": [msg]})
    if not visibility.users_in_scope(actor).filter(pk=user_id).exists():
        msg = _("You can only transfer customers to users in your own team.")
        raise ApplicationError(msg, code="invalid_successor", fields={"to_user_id": [msg]})
    return successor


@transaction.atomic
def customer_transfer(
    *, actor: User, assignments: Iterable[TransferAssignment], keep_shares: bool = True, reason: str = "",
) -> TransferLog:
    """Move customers (and so everything hanging off them) to successors, in one logged action.

    Only heads (for customers owned in their subtree) and administrators transfer.
    """
    return _transfer(actor=actor, assignments=assignments, keep_shares=keep_shares, reason=reason)


def _transfer(
    *, actor: User, assignments: Iterable[TransferAssignment], keep_shares: bool, reason: str,
    include_deleted: bool = False, tell_listeners: bool = True,
) -> TransferLog:
    if not (actor.is_admin or actor.is_head):
        raise PermissionDenied(_("Only department heads and administrators may transfer customers."))
    assignments = [a for a in assignments if a.customer_ids]
    all_ids = [cid for a in assignments for cid in a.customer_ids]
    if not all_ids:
        raise ApplicationError(_("Choose at least one customer to transfer."), code="empty",
                               fields={"customer_ids": [_("Choose at least one customer to transfer.")]})
    if len(set(all_ids)) != len(all_ids):
        raise ApplicationError(_("A customer can only go to one successor."), code="duplicate_customer")
    if len(reason) > 300:
        raise ApplicationError(_("At most %(n)d characters.") % {"n": 300}, code="too_long",
                               fields={"reason": [_("At most %(n)d characters.") % {"n": 300}]})
    successors = {a.to_user_id: _check_successor(actor, a.to_user_id) for a in assignments}
    manageable = visibility.transferable_customers(actor, include_deleted=include_deleted)
    customers = {
        c.pk: c
        for c in Customer.objects.select_for_update(of=("self",))
        .filter(pk__in=manageable.filter(pk__in=all_ids).values("pk"))
        .select_related("owner")
    }
    missing = [cid for cid in all_ids if cid not in customers]
    if missing:
        raise NotFound(_("Customer not found."))
    log = TransferLog.objects.create(actor=actor, reason=reason, keep_shares=keep_shares,
                                     customer_count=len(all_ids))
    items, events = [], []
    received: dict[int, list[int]] = {}
    now = timezone.now()
    for a in assignments:
        to = successors[a.to_user_id]
        for cid in a.customer_ids:
            c = customers[cid]
            if c.owner_id == to.pk:
                continue
            items.append(TransferItem(log=log, customer_id=cid, from_user_id=c.owner_id, to_user_id=to.pk))
            received.setdefault(to.pk, []).append(cid)
            events.append((c, {"owner": [str(c.owner), str(to)]}, cid))
        ids = [cid for cid in a.customer_ids if customers[cid].owner_id != to.pk]
        Customer.objects.filter(pk__in=ids).update(owner=to, owner_department_id=to.department_id, updated_at=now,
                                                   owned_since=now)  # the pool's clocks restart
        # the successor no longer needs a share of what they now own
        CustomerShare.objects.filter(customer_id__in=ids, user=to).delete()
    if not keep_shares:
        for item in items:
            CustomerShare.objects.filter(customer_id=item.customer_id, created_by_id=item.from_user_id).delete()
    TransferItem.objects.bulk_create(items, batch_size=500)
    audit_bulk(actor=actor, action="transfer", targets=events)
    log.customer_count = len(items)
    log.save(update_fields=["customer_count"])
    if received and tell_listeners:  # (a conflict decision tells the claimant itself, once)
        _after_commit(transfer_listeners, actor, log, received)
    return log


@transaction.atomic
def customer_transfer_all(
    *, actor: User, from_user_id: int, to_user_id: int, keep_shares: bool = True, reason: str = ""
) -> TransferLog | None:
    """All of one user's customers (won and potential, deleted ones too) to one successor."""
    if from_user_id == to_user_id:
        msg = _("The successor must be someone else.")
        raise ApplicationError(msg, code="invalid_successor", fields={"to_user_id": [msg]})
    if not visibility.users_in_scope(actor).filter(pk=from_user_id).exists():
        raise NotFound(_("User not found."))
    # recycle-bin customers follow too (and are logged), so nothing stays with a departed owner
    ids = list(Customer.objects.filter(owner_id=from_user_id).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return None
    _check_successor(actor, to_user_id)
    return _transfer(actor=actor, assignments=[TransferAssignment(ids, to_user_id)], keep_shares=keep_shares,
                     reason=reason, include_deleted=True)


def customers_follow_owner_department(*, owner: User) -> int:
    """Keep the denormalised ``owner_department`` in step when a user changes department."""
    return Customer.objects.filter(owner=owner).exclude(owner_department_id=owner.department_id).update(
        owner_department_id=owner.department_id, updated_at=F("updated_at")
    )
