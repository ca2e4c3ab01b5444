"""Merge one customer into another: everything of the source moves to the target.

``customer_merge(actor=, source_id=, target_id=)`` in one transaction:

1. Every row that points at the source moves to the target. The relations are *discovered*
   from ``Customer._meta.related_objects`` (every foreign key, one-to-one and many-to-many
   onto Customer, whatever app declares it) and ``Customer._meta.many_to_many``, so contacts'
   employments, profile rows, qualifications, agreements and, later, follow-ups and orders
   move without touching this module. Per relation:

   * default: one ``UPDATE ... SET fk = target WHERE fk = source``;
   * the foreign key takes part in a unique constraint: row by row, each in a savepoint; a row
     of a "one per customer" rule (the default shipping address, the main contact) moves with
     its flag cleared; a row that would still collide with one the target already has stays on
     the source (nothing is lost: the source remains in the database, merged and soft-deleted)
     and is counted as kept;
   * one-to-one (a profile row): the source's row moves if the target has none; otherwise the
     target's row keeps its values and takes the source's for its blank fields;
   * an override in ``HANDLERS`` (key ``"app_label.Model.field"``) replaces all of the above:
     shares keep the stronger access; transfer history and a conflict's "claimant's own record"
     stay with the source (they describe what happened to it); the qualification flag is
     recomputed from the moved documents. Another app may register its own override from its
     ``AppConfig.ready()``.

2. The target's blank fields are filled from the source (``last_followup_at``/``last_deal_at``
   take the later of the two); search text and duplicate keys are recomputed.
3. The source is soft-deleted with ``merged_into`` = target (it cannot be restored, and the
   duplicate check ignores it); customers merged into the source earlier now point at the target.
4. The source's audit events are re-attached to the target (``AuditEvent.customer_id``), so the
   target's history tab shows them; ``target_type``/``target_id`` still name the source, so the
   source's own history stays findable. A "merge" event is recorded on both.

The actor must be able to manage both customers (owner, a head above, an administrator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.models import AuditEvent
from pharmcrm.core.pinyin import search_key
from pharmcrm.customers import duplicates
from pharmcrm.customers.models import Customer, CustomerShare
from pharmcrm.org import visibility
from pharmcrm.org.models import User

# Customer fields never copied from the source (ownership, bookkeeping, derived values)
NOT_COPIED = {
    "id", "created_at", "updated_at", "owner", "owner_department", "created_by", "search_text", "name_key",
    "phone_key", "deleted_at", "deleted_by", "merged_into", "pool_department", "released_at", "owned_since",
    "pool_exempt", "next_followup_on",
}
LATEST_WINS = ("last_followup_at", "last_deal_at")


@dataclass(frozen=True)
class Relation:
    """``model.field`` points at Customer (for a many-to-many: its through table's column)."""

    model: type[models.Model]
    field: models.Field

    @property
    def label(self) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.object_name}.{self.field.name}"


@dataclass
class MergeResult:
    target: Customer
    source: Customer
    moved: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    filled: list[str] = field(default_factory=list)
    after: list[Callable[[], object]] = field(default_factory=list)  # run once every relation has moved


Handler = Callable[[Relation, Customer, Customer, MergeResult], None]


def relations() -> list[Relation]:
    """Every column in the project that points at a customer."""
    out: list[Relation] = []
    for rel in Customer._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            if through._meta.auto_created:  # an explicit through model is listed as its own foreign keys
                out.append(Relation(through, through._meta.get_field(rel.field.m2m_reverse_field_name())))
        else:
            out.append(Relation(rel.related_model, rel.field))
    for m2m in Customer._meta.many_to_many:
        through = m2m.remote_field.through
        if through._meta.auto_created:
            out.append(Relation(through, through._meta.get_field(m2m.m2m_field_name())))
    return sorted(set(out), key=lambda r: r.label)


def unique_with(relation: Relation) -> bool:
    """Does the foreign key take part in a unique rule (so moving a row may collide)?"""
    f, meta = relation.field, relation.model._meta
    if f.unique:
        return True
    if any(f.name in together for together in meta.unique_together):
        return True
    for c in meta.constraints:
        if isinstance(c, models.UniqueConstraint) and (f.name in (c.fields or ()) or c.expressions):
            return True
    return False


# --- strategies ------------------------------------------------------------------------------

def _rows(relation: Relation, source: Customer, target: Customer):
    qs = relation.model._base_manager.filter(**{relation.field.attname: source.pk})
    if relation.model is Customer:
        qs = qs.exclude(pk=target.pk)
    return qs


def move_all(relation: Relation, source: Customer, target: Customer, result: MergeResult) -> None:
    n = _rows(relation, source, target).update(**{relation.field.attname: target.pk})
    if n:
        result.moved[relation.label] = n


def flags_to_clear(relation: Relation) -> list[str]:
    """Boolean flags of "one per customer" rules (``UniqueConstraint(fields=[fk],
    condition=Q(is_default=True, ...))``): a row that collides moves with the flag cleared
    (the target keeps its own default address, main contact, ...)."""
    flags = []
    for c in relation.model._meta.constraints:
        if not isinstance(c, models.UniqueConstraint) or tuple(c.fields or ()) != (relation.field.name,):
            continue
        for child in getattr(c.condition, "children", []):
            if isinstance(child, tuple) and child[1] is True and "__" not in child[0]:
                f = relation.model._meta.get_field(child[0])
                if isinstance(f, models.BooleanField):
                    flags.append(f.attname)
    return flags


def _try_update(relation: Relation, pk, values: dict) -> bool:
    try:
        with transaction.atomic():
            relation.model._base_manager.filter(pk=pk).update(**values)
    except IntegrityError:
        return False
    return True


def move_each(relation: Relation, source: Customer, target: Customer, result: MergeResult) -> None:
    """Row by row in savepoints: a row that collides with a unique rule moves with its "one per
    customer" flag cleared if that helps, else stays on the source."""
    moved = kept = 0
    flags = flags_to_clear(relation)
    for pk in list(_rows(relation, source, target).values_list("pk", flat=True)):
        values = {relation.field.attname: target.pk}
        if _try_update(relation, pk, values) or (
            flags and _try_update(relation, pk, {**values, **dict.fromkeys(flags, False)})
        ):
            moved += 1
        else:
            kept += 1
    if moved:
        result.moved[relation.label] = moved
    if kept:
        result.kept[relation.label] = kept


def _blank(value) -> bool:
    return value is None or value == ""


def merge_one_to_one(relation: Relation, source: Customer, target: Customer, result: MergeResult) -> None:
    """Move the source's row if the target has none; else fill the target row's blanks from it."""
    manager = relation.model._base_manager
    theirs = manager.filter(**{relation.field.attname: source.pk}).first()
    if theirs is None:
        return
    ours = manager.filter(**{relation.field.attname: target.pk}).first()
    if ours is None:
        manager.filter(pk=theirs.pk).update(**{relation.field.attname: target.pk})
        result.moved[relation.label] = 1
        return
    filled = [
        f.attname for f in relation.model._meta.concrete_fields
        if not f.primary_key and f is not relation.field and getattr(f, "editable", True)
        and _blank(getattr(ours, f.attname)) and not _blank(getattr(theirs, f.attname))
    ]
    for name in filled:
        setattr(ours, name, getattr(theirs, name))
    if filled:
        ours.save(update_fields=filled)
    result.kept[relation.label] = 1


def keep_on_source(relation: Relation, source: Customer, target: Customer, result: MergeResult) -> None:
    """History that describes the source itself stays with it."""


_ACCESS_RANK = {CustomerShare.Access.READ: 1, CustomerShare.Access.WRITE: 2}


def merge_shares(relation: Relation, source: Customer, target: Customer, result: MergeResult) -> None:
    """A share moves unless the target has one for the same user/group: then the stronger access
    wins; a share with the target's owner is dropped (they see their customer anyway)."""
    existing = {(s.user_id, s.group_id): s for s in CustomerShare.objects.filter(customer=target)}
    moved = 0
    for share in CustomerShare.objects.filter(customer=source):
        mine = existing.get((share.user_id, share.group_id))
        if share.user_id is not None and share.user_id == target.owner_id:
            share.delete()
        elif mine is None:
            share.customer = target
            share.save(update_fields=["customer"])
            moved += 1
        else:
            if _ACCESS_RANK[share.access] > _ACCESS_RANK[mine.access]:
                mine.access = share.access
                mine.save(update_fields=["access"])
            share.delete()
            moved += 1
    if moved:
        result.moved[relation.label] = moved


def refresh_qualification_state(relation: Relation, source: Customer, target: Customer, result: MergeResult) -> None:
    """The stored "qualifications complete" flag is derived from the documents: recompute the
    target's once the documents have moved (the source's row stays with the source)."""
    from pharmcrm.qualifications.services import state_refresh

    result.after.append(lambda: state_refresh(customer=target))


# Overrides by "app_label.Model.field". Another app may add its own from its AppConfig.ready().
HANDLERS: dict[str, Handler] = {
    "customers.CustomerShare.customer": merge_shares,
    "customers.TransferItem.customer": keep_on_source,
    "customers.CustomerConflict.claimant_customer": keep_on_source,
    "qualifications.CustomerQualificationState.customer": refresh_qualification_state,
}


def strategy(relation: Relation) -> Handler:
    if relation.label in HANDLERS:
        return HANDLERS[relation.label]
    if relation.field.one_to_one:
        return merge_one_to_one
    return move_each if unique_with(relation) else move_all


# --- the service -----------------------------------------------------------------------------

def _fill_blanks(source: Customer, target: Customer) -> list[str]:
    filled = []
    for f in Customer._meta.concrete_fields:
        if f.name in NOT_COPIED or not f.editable:
            continue
        ours, theirs = getattr(target, f.attname), getattr(source, f.attname)
        if f.name in LATEST_WINS:
            if theirs is not None and (ours is None or theirs > ours):
                setattr(target, f.attname, theirs)
                filled.append(f.name)
        elif _blank(ours) and not _blank(theirs) and not (f.attname == "parent_chain_id" and theirs == target.pk):
            setattr(target, f.attname, theirs)
            filled.append(f.name)
    return filled


def _manageable(actor: User, customer_id: int) -> None:
    if not visibility.visible_customers(actor).filter(pk=customer_id).exists():
        raise NotFound(_("Customer not found."))
    if not visibility.can_manage(actor, customer_id):
        raise PermissionDenied(_("Only the owner, their heads or an administrator may merge customers."))


@transaction.atomic
def customer_merge(*, actor: User, source_id: int, target_id: int) -> MergeResult:
    """Merge ``source`` into ``target`` (see the module docstring)."""
    if source_id == target_id:
        msg = _("Choose two different customers.")
        raise ApplicationError(msg, code="same_customer", fields={"target_id": [msg]})
    _manageable(actor, source_id)
    _manageable(actor, target_id)
    locked = {c.pk: c for c in Customer.objects.select_for_update(of=("self",))
              .filter(pk__in=sorted((source_id, target_id)), deleted_at__isnull=True).order_by("pk")}
    if len(locked) != 2:
        raise NotFound(_("Customer not found."))
    source, target = locked[source_id], locked[target_id]
    result = MergeResult(target=target, source=source)
    for relation in relations():
        strategy(relation)(relation, source, target, result)
    for step in result.after:
        step()
    if getattr(target, "parent_chain_id", None) == source.pk:
        target.parent_chain_id = None  # the target was a store of the source
    result.filled = _fill_blanks(source, target)
    target.search_text = search_key(target.name, target.short_name, target.credit_code, target.phone)
    duplicates.set_keys(target)
    target.save()
    source.deleted_at = timezone.now()
    source.deleted_by = actor
    source.merged_into = target
    source.save(update_fields=["deleted_at", "deleted_by", "merged_into", "updated_at"])
    AuditEvent.objects.filter(customer_id=source.pk).update(customer_id=target.pk)
    changes = {"merged_from": [None, source.name]}
    if result.moved:
        changes["moved_records"] = [None, _describe_counts(result.moved)]
    if result.kept:
        changes["kept_on_source"] = [None, _describe_counts(result.kept)]
    if result.filled:
        changes["filled_fields"] = [None, ", ".join(str(Customer._meta.get_field(f).verbose_name) for f in result.filled)]
    audit_record(actor=actor, action="merge", target=target, customer_id=target.pk, changes=changes)
    audit_record(actor=actor, action="merged_into", target=source, customer_id=target.pk,
                 changes={"merged_into": [None, target.name]})
    return result


def _describe_counts(counts: dict[str, int]) -> str:
    """"共享 2, 转移记录 1" from {"customers.CustomerShare.customer": 2, ...} (for the history tab)."""
    parts = []
    for label, n in sorted(counts.items()):
        app_label, model_name, _field = label.split(".")
        model = next((r.model for r in relations() if r.label == label), None)
        name = str(model._meta.verbose_name_plural) if model is not None else model_name
        parts.append(f"{name} {n}")
    return ", ".join(parts)
