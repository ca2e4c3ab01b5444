"""The customers area's sources of the activity timeline (customers/timeline.py): the record
itself (created, edited, profile, recycle bin), ownership (transfers, the public pool), sharing,
and duplicates (conflicts raised and decided, customers merged into this one).

Each function reads newest-first with a constant number of queries and names another customer
only if ``user`` may see it (``visibility.visible_customers(include_deleted=True)``, as the
conflict pages do).
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.conflict_models import ConflictStatus, CustomerConflict
from pharmcrm.customers.models import Customer, CustomerShare, TransferItem
from pharmcrm.customers.pool_models import PoolEvent
from pharmcrm.customers.timeline import TimelineEntry
from pharmcrm.org import visibility

RECORD_ACTIONS = ("create", "update", "delete", "restore")
PROFILE_ACTIONS = ("profile_add", "profile_update", "profile_remove",
                   "address_default", "address_deactivate", "address_reactivate")
SHARE_ACTIONS = ("share", "share_update", "unshare")
EXEMPT_ACTIONS = ("pool_exempt", "pool_unexempt")


def _audit(customer, q: Q, limit: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(q, customer_id=customer.pk).select_related("actor")
                .order_by("-created_at", "-id")[:limit])


def _field_names(changes: dict) -> str:
    labels = []
    for name in changes or {}:
        if name == "search_text":
            continue
        try:
            labels.append(capfirst(str(Customer._meta.get_field(name).verbose_name)))
        except Exception:  # a key that is not a field (never shown raw)
            continue
    return "、".join(labels)


# --- the record -----------------------------------------------------------------------------

def record_entries(customer, user, perms, *, limit: int):
    own = Q(target_type="customer", target_id=customer.pk, action__in=RECORD_ACTIONS)
    for e in _audit(customer, own | Q(action__in=PROFILE_ACTIONS), limit):
        what = e.target_label
        if e.action == "create":
            yield TimelineEntry(e.created_at, "record.create", "plus-circle", _("Created the customer"), actor=e.actor)
        elif e.action == "update":
            yield TimelineEntry(e.created_at, "record.update", "pencil", _("Edited the customer"),
                                actor=e.actor, detail=_field_names(e.changes))
        elif e.action == "delete":
            yield TimelineEntry(e.created_at, "record.delete", "trash3", _("Moved to the recycle bin"), actor=e.actor)
        elif e.action == "restore":
            yield TimelineEntry(e.created_at, "record.restore", "arrow-counterclockwise",
                                _("Restored from the recycle bin"), actor=e.actor)
        else:  # the 360° profile: the label names the section (never another customer)
            text = {
                "profile_add": _("Added to the profile: %(what)s"),
                "profile_update": _("Edited in the profile: %(what)s"),
                "profile_remove": _("Removed from the profile: %(what)s"),
                "address_default": _("Set the default shipping address: %(what)s"),
                "address_deactivate": _("Deactivated a shipping address: %(what)s"),
                "address_reactivate": _("Reactivated a shipping address: %(what)s"),
            }[e.action] % {"what": what}
            yield TimelineEntry(e.created_at, f"record.{e.action}", "card-list", text, actor=e.actor)


# --- owner and pool -------------------------------------------------------------------------

def ownership_entries(customer, user, perms, *, limit: int):
    transfers = (TransferItem.objects.filter(customer_id=customer.pk)
                 .select_related("from_user", "to_user", "log__actor").order_by("-log__created_at", "-id")[:limit])
    for t in transfers:
        yield TimelineEntry(
            t.log.created_at, "ownership.transfer", "arrow-left-right",
            _("Transferred from %(old)s to %(new)s") % {"old": t.from_user.full_name, "new": t.to_user.full_name},
            actor=t.log.actor, detail=t.log.reason,
        )
    events = (PoolEvent.objects.filter(customer_id=customer.pk).exclude(kind=PoolEvent.Kind.WARNING)
              .select_related("from_user", "to_user", "actor", "department").order_by("-at", "-id")[:limit])
    for p in events:
        pool = p.department.name if p.department_id else _("the public pool")
        if p.kind == PoolEvent.Kind.RELEASE:
            text, icon = _("Released to the public pool (%(pool)s)") % {"pool": pool}, "box-arrow-up-right"
        elif p.kind == PoolEvent.Kind.AUTO_RECYCLE:
            text, icon = _("Returned to the public pool automatically (%(pool)s)") % {"pool": pool}, "recycle"
        elif p.kind == PoolEvent.Kind.CLAIM:
            text, icon = _("Claimed from the public pool by %(name)s") % {
                "name": p.to_user.full_name if p.to_user_id else "—"}, "box-arrow-in-down-right"
        else:
            text, icon = _("Assigned from the public pool to %(name)s") % {
                "name": p.to_user.full_name if p.to_user_id else "—"}, "box-arrow-in-down-right"
        yield TimelineEntry(p.at, f"pool.{p.kind}", icon, text, actor=p.actor, detail=p.reason)
    own = Q(target_type="customer", target_id=customer.pk, action__in=EXEMPT_ACTIONS)
    for e in _audit(customer, own, limit):
        if e.action == "pool_exempt":
            yield TimelineEntry(e.created_at, "pool.exempt", "shield-check",
                                _("Exempted from returning to the public pool"), actor=e.actor)
        else:
            yield TimelineEntry(e.created_at, "pool.unexempt", "shield",
                                _("Follows the public pool rules again"), actor=e.actor)


# --- sharing --------------------------------------------------------------------------------

def sharing_entries(customer, user, perms, *, limit: int):
    access = dict(CustomerShare.Access.choices)
    for e in _audit(customer, Q(action__in=SHARE_ACTIONS), limit):
        name = e.target_label  # the user or share group (people and groups are not secret)
        if e.action == "share":
            level = (e.changes.get("access") or [None, ""])[-1]
            text = _("Shared with %(name)s (%(access)s)") % {"name": name, "access": access.get(level, level)}
            yield TimelineEntry(e.created_at, "sharing.share", "share", text, actor=e.actor)
        elif e.action == "share_update":
            level = (e.changes.get("access") or [None, ""])[-1]
            text = _("Changed the access of %(name)s to %(access)s") % {"name": name, "access": access.get(level, level)}
            yield TimelineEntry(e.created_at, "sharing.update", "share", text, actor=e.actor)
        else:
            yield TimelineEntry(e.created_at, "sharing.unshare", "x-circle",
                                _("Stopped sharing with %(name)s") % {"name": name}, actor=e.actor)


# --- duplicates and merges ------------------------------------------------------------------

def duplicate_entries(customer, user, perms, *, limit: int):
    about = Q(customer_id=customer.pk) | Q(claimant_customer_id=customer.pk)
    base = CustomerConflict.objects.filter(about).select_related("claimant", "decided_by")
    raised = list(base.order_by("-created_at", "-id")[:limit])
    closed = list(base.exclude(status=ConflictStatus.OPEN).filter(decided_at__isnull=False)
                  .order_by("-decided_at", "-id")[:limit])
    merged = list(Customer.objects.filter(merged_into_id=customer.pk).select_related("deleted_by")
                  .order_by("-deleted_at", "-id")[:limit])
    others = {c.claimant_customer_id if c.customer_id == customer.pk else c.customer_id for c in raised + closed}
    others.discard(None)
    others |= {m.pk for m in merged}
    seen = set(visibility.visible_customers(user, include_deleted=True).filter(pk__in=others)
               .values_list("pk", flat=True)) if others else set()
    names = dict(Customer.objects.filter(pk__in=seen).values_list("pk", "name")) if seen else {}

    def link(c: CustomerConflict) -> str:
        # whoever sees the existing customer sees the conflict (conflicts.can_see_conflict)
        if c.customer_id == customer.pk or c.customer_id in seen or user.is_admin or user.pk == c.claimant_id:
            return reverse("web:conflict_detail", args=[c.pk])
        return ""

    for c in raised:
        if c.customer_id == customer.pk:
            other = names.get(c.claimant_customer_id)
            text = (_("%(name)s raised a duplicate conflict over this customer (their record “%(other)s”)")
                    % {"name": c.claimant.full_name, "other": other} if other else
                    _("%(name)s raised a duplicate conflict over this customer") % {"name": c.claimant.full_name})
        else:
            other = names.get(c.customer_id)
            text = (_("A duplicate conflict was raised: this record matches “%(other)s”") % {"other": other}
                    if other else _("A duplicate conflict was raised: this record matches an existing customer"))
        yield TimelineEntry(c.created_at, "duplicates.conflict_raise", "exclamation-diamond", text, link(c),
                            c.claimant)
    labels = dict(ConflictStatus.choices)
    for c in closed:
        if c.status == ConflictStatus.WITHDRAWN:
            text, actor = _("The duplicate conflict was withdrawn"), c.claimant
        else:
            text, actor = _("The duplicate conflict was decided: %(outcome)s") % {"outcome": labels[c.status]}, c.decided_by
        yield TimelineEntry(c.decided_at, f"duplicates.conflict_{c.status}", "check2-square", text, link(c), actor,
                            detail=c.decision_note if c.status != ConflictStatus.WITHDRAWN else "")
    for m in merged:
        other = names.get(m.pk)
        text = (_("Merged “%(other)s” into this customer") % {"other": other} if other
                else _("Merged another customer into this one"))
        yield TimelineEntry(m.deleted_at, "duplicates.merge", "union", text, actor=m.deleted_by)
