"""The only writers of the public pool (公海): release, claim, assign, exempt, recycle, rules.

Decisions (see also docs/pool.md):
* A customer in the pool has no owner, no owner department, and a ``pool_department``: by
  default the previous owner's own department; the rules' ``pool_level`` can send released
  customers up to the department on a given tree level (e.g. 2 = the regional division).
* Releasing (by hand or automatically) withdraws every share of the customer: shares are the
  previous owner's arrangement, and a pool customer is read by the pool's sales users and
  changed only by the pool's heads. Its exemption flag is cleared too.
* Claiming (a sales rep or a head who sees the pool) enforces the daily limit X, the total Y,
  the previous owner's reclaim ban of Z days and the duplicate check
  (``customers.duplicates.duplicate_check_claim``); only one of several simultaneous claims of
  the same customer wins (a conditional UPDATE ... WHERE owner IS NULL).
* Assigning (heads of the pool's department or above, administrators) enforces the total Y
  of the new owner only: a head's decision overrides the daily limit and the reclaim ban.
* The clocks restart when somebody new gets the customer (``owned_since``).
Every change is in the customer's audit history and in ``PoolEvent``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pharmcrm.core.audit import audit_bulk, audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers import pool
from pharmcrm.customers.models import Customer, CustomerShare, PoolEvent, PoolPolicy
from pharmcrm.org import visibility
from pharmcrm.org.models import Department, Role, User
from pharmcrm.org.services import require_admin

REASON_MAX = 300
CHUNK = 500


# --- helpers -------------------------------------------------------------------------------

def may_claim(user: User) -> bool:
    """Sales reps and heads take customers from the pool (sales admins and others only look)."""
    return user.is_active and (user.has_role(Role.SALES_REP) or user.is_head)


def _day(moment: datetime.datetime | datetime.date) -> str:
    day = moment if isinstance(moment, datetime.date) and not isinstance(moment, datetime.datetime) \
        else pool.local_day(moment)
    return date_format(day, "Y-m-d")


def _check_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        msg = _("Say why the customer goes back to the pool.")
        raise ApplicationError(msg, code="required", fields={"reason": [msg]})
    if len(reason) > REASON_MAX:
        msg = _("At most %(n)d characters.") % {"n": REASON_MAX}
        raise ApplicationError(msg, code="too_long", fields={"reason": [msg]})
    return reason


def _visible_or_404(actor: User, customer_id: int) -> Customer:
    customer = (visibility.visible_customers(actor).filter(pk=customer_id)
                .select_related("owner", "owner_department", "pool_department").first())
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def _not_in_pool() -> ApplicationError:
    return ApplicationError(_("This customer is not in the public pool (any more)."), code="not_in_pool")


def _check_owned_limit(policy: PoolPolicy, user: User, *, field: str, yourself: bool) -> None:
    owned = Customer.objects.filter(owner_id=user.pk, deleted_at__isnull=True).count()
    if owned >= policy.max_owned:
        if yourself:
            msg = _("You already own %(n)d customers, the most anyone may own (%(max)d). Release or hand over "
                    "some before claiming more.") % {"n": owned, "max": policy.max_owned}
        else:
            msg = _("%(name)s already owns %(n)d customers, the most anyone may own (%(max)d).") % {
                "name": user.full_name, "n": owned, "max": policy.max_owned}
        raise ApplicationError(msg, code="owned_limit", fields={field: [msg]} if field else None)


def claims_today(user: User, day: datetime.date | None = None) -> int:
    day = day or pool.today()
    start = pool.local_midnight(day)
    return PoolEvent.objects.filter(
        to_user_id=user.pk, kind=PoolEvent.Kind.CLAIM, at__gte=start,
        at__lt=pool.local_midnight(day + datetime.timedelta(days=1)),
    ).count()


def last_release(customer_id: int) -> PoolEvent | None:
    return (PoolEvent.objects.filter(customer_id=customer_id,
                                     kind__in=[PoolEvent.Kind.RELEASE, PoolEvent.Kind.AUTO_RECYCLE])
            .order_by("-at", "-id").first())


def _duplicate_check(actor: User, customer: Customer) -> None:
    """The duplicate check of claims lives with the duplicate check (customers.duplicates)."""
    try:
        from pharmcrm.customers.duplicates import duplicate_check_claim
    except ImportError:  # pragma: no cover - the duplicate check is not installed
        return
    duplicate_check_claim(actor=actor, customer=customer)


def _pool_department(owner_department_id: int | None, actor: User | None, level: int) -> int:
    dept = owner_department_id or (actor.department_id if actor else None)
    if dept is None:
        msg = _("The owner belongs to no department, so there is no pool to release the customer to. "
                "Put the owner in a department first (Settings → Users).")
        raise ApplicationError(msg, code="no_pool")
    return pool.pool_departments_for({dept}, level)[dept]


def _to_pool(ids: list[int], pool_department_id: int, now: datetime.datetime) -> int:
    """Move customers (locked by the caller, all owned) into one pool; drop their shares."""
    CustomerShare.objects.filter(customer_id__in=ids).delete()
    return Customer.objects.filter(pk__in=ids, owner__isnull=False).update(
        owner=None, owner_department=None, pool_department_id=pool_department_id, released_at=now,
        pool_exempt=False, updated_at=now,
    )


# --- release -------------------------------------------------------------------------------

@transaction.atomic
def customer_release(*, actor: User, customer_id: int, reason: str) -> Customer:
    """The owner, a head above the owner or an administrator returns a customer to the pool."""
    customer = _visible_or_404(actor, customer_id)
    if customer.owner_id is None:
        raise ApplicationError(_("This customer is already in the public pool."), code="in_pool")
    if not visibility.manageable_customers(actor, pool=False).filter(pk=customer_id).exists():
        raise PermissionDenied(_("Only the owner, their heads or an administrator may release a customer "
                                 "to the pool."))
    reason = _check_reason(reason, required=True)
    locked = Customer.objects.select_for_update(of=("self",)).filter(
        pk=customer_id, deleted_at__isnull=True, owner__isnull=False).select_related("owner").first()
    if locked is None:  # released or deleted meanwhile
        raise ApplicationError(_("This customer is already in the public pool."), code="in_pool")
    policy = pool.policy_get()
    dept_id = _pool_department(locked.owner_department_id, actor, policy.pool_level)
    shares = CustomerShare.objects.filter(customer_id=customer_id).count()
    now = timezone.now()
    _to_pool([customer_id], dept_id, now)
    event = PoolEvent.objects.create(customer_id=customer_id, kind=PoolEvent.Kind.RELEASE,
                                     from_user_id=locked.owner_id, actor=actor, department_id=dept_id,
                                     reason=reason, at=now)
    dept = Department.objects.get(pk=dept_id)
    label = reason
    if shares:
        label += _("; %(n)d share(s) withdrawn") % {"n": shares}
    audit_record(actor=actor, action="pool_release", target=event, customer_id=customer_id, label=label,
                 changes={"owner": [str(locked.owner), None], "pool_department": [None, str(dept)]})
    return Customer.objects.select_related("pool_department").get(pk=customer_id)


# --- claim and assign ----------------------------------------------------------------------

@transaction.atomic
def customer_claim(*, actor: User, customer_id: int) -> Customer:
    """A sales rep (or head) takes a customer from a pool they see; limits X, Y, Z apply."""
    customer = _visible_or_404(actor, customer_id)
    if customer.owner_id is not None or customer.deleted_at is not None:
        raise _not_in_pool()
    if not may_claim(actor):
        raise PermissionDenied(_("Only sales reps and department heads may claim customers from the pool."))
    # one person's claims one at a time: the daily and total limits count rows
    User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True).first()
    policy = pool.policy_get()
    day = pool.today()
    previous = last_release(customer_id)
    if previous is not None and previous.from_user_id == actor.pk:
        allowed = pool.reclaim_allowed_on(policy, previous.at)
        if day < allowed:
            msg = _("This customer left you on %(left)s; you may claim it back from %(allowed)s.") % {
                "left": _day(previous.at), "allowed": _day(allowed)}
            raise ApplicationError(msg, code="reclaim_ban")
    used = claims_today(actor, day)
    if used >= policy.claims_per_day:
        msg = _("You have claimed %(n)d customers today, the daily limit. Claim more tomorrow.") % {
            "n": used}
        raise ApplicationError(msg, code="daily_limit")
    _check_owned_limit(policy, actor, field="", yourself=True)
    _duplicate_check(actor, customer)
    now = timezone.now()
    won = Customer.objects.filter(pk=customer_id, owner__isnull=True, deleted_at__isnull=True).update(
        owner=actor, owner_department_id=actor.department_id, pool_department=None, released_at=None,
        owned_since=now, updated_at=now,
    )
    if not won:
        raise ApplicationError(_("Someone else has just claimed this customer."), code="already_claimed")
    event = PoolEvent.objects.create(customer_id=customer_id, kind=PoolEvent.Kind.CLAIM, to_user=actor,
                                     actor=actor, department_id=customer.pool_department_id, at=now)
    audit_record(actor=actor, action="pool_claim", target=event, customer_id=customer_id, label="",
                 changes={"owner": [None, str(actor)], "pool_department": [str(customer.pool_department), None]})
    return Customer.objects.select_related("owner", "owner_department").get(pk=customer_id)


@transaction.atomic
def customer_assign_from_pool(*, actor: User, customer_id: int, user_id: int, reason: str = "") -> Customer:
    """A head of the pool's department (or above) or an administrator gives a pool customer to a
    sales rep or head of their team; only the new owner's total Y applies."""
    customer = _visible_or_404(actor, customer_id)
    if customer.owner_id is not None or customer.deleted_at is not None:
        raise _not_in_pool()
    if not visibility.manageable_customers(actor, pool=True).filter(pk=customer_id).exists():
        raise PermissionDenied(_("Only heads of the pool's department or above and administrators may assign "
                                 "customers from the pool."))
    reason = _check_reason(reason, required=False)
    target = User.objects.filter(pk=user_id, is_active=True).first()
    if target is None or not visibility.users_in_scope(actor).filter(pk=user_id).exists():
        msg = _("You can only assign customers to active users in your own team.")
        raise ApplicationError(msg, code="invalid_owner", fields={"user_id": [msg]})
    if not may_claim(target):
        msg = _("Customers can only be assigned to sales reps or department heads.")
        raise ApplicationError(msg, code="invalid_owner", fields={"user_id": [msg]})
    User.objects.select_for_update().filter(pk=target.pk).values_list("pk", flat=True).first()
    _check_owned_limit(pool.policy_get(), target, field="user_id", yourself=False)
    now = timezone.now()
    won = Customer.objects.filter(pk=customer_id, owner__isnull=True, deleted_at__isnull=True).update(
        owner=target, owner_department_id=target.department_id, pool_department=None, released_at=None,
        owned_since=now, updated_at=now,
    )
    if not won:
        raise ApplicationError(_("Someone else has just claimed this customer."), code="already_claimed")
    event = PoolEvent.objects.create(customer_id=customer_id, kind=PoolEvent.Kind.ASSIGN, to_user=target,
                                     actor=actor, department_id=customer.pool_department_id, reason=reason,
                                     at=now)
    audit_record(actor=actor, action="pool_assign", target=event, customer_id=customer_id, label=reason,
                 changes={"owner": [None, str(target)], "pool_department": [str(customer.pool_department), None]})
    return Customer.objects.select_related("owner", "owner_department").get(pk=customer_id)


# --- exemption -----------------------------------------------------------------------------

@transaction.atomic
def customer_set_pool_exempt(*, actor: User, customer_id: int, exempt: bool) -> Customer:
    """A head above the owner (or an administrator) keeps a customer out of automatic recycling."""
    customer = _visible_or_404(actor, customer_id)
    if customer.owner_id is None:
        raise ApplicationError(_("A customer in the pool cannot be exempted; assign it first."), code="in_pool")
    # heads above the owner and administrators: the same set as those who may transfer it
    if not visibility.transferable_customers(actor).filter(pk=customer_id).exists():
        raise PermissionDenied(_("Only the owner's heads or an administrator may exempt a customer from the pool "
                                 "rules."))
    locked = Customer.objects.select_for_update(of=("self",)).get(pk=customer_id)
    if locked.pool_exempt != exempt:
        locked.pool_exempt = exempt
        locked.save(update_fields=["pool_exempt", "updated_at"])
        audit_record(actor=actor, action="pool_exempt" if exempt else "pool_unexempt", target=locked,
                     customer_id=customer_id)
    return locked


# --- the rules -----------------------------------------------------------------------------

POLICY_FIELDS = ["auto_recycle", "followup_days", "deal_days", "warning_days", "claims_per_day", "max_owned",
                 "reclaim_days", "pool_level"]


@transaction.atomic
def pool_policy_update(*, actor: User, data: dict[str, Any]) -> PoolPolicy:
    """Administrators change the pool's rules (validated, audited)."""
    require_admin(actor)
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    policy = PoolPolicy.objects.select_for_update().filter(pk=PoolPolicy.SINGLETON_PK).first() or PoolPolicy(
        pk=PoolPolicy.SINGLETON_PK)
    before = snapshot(policy, POLICY_FIELDS)
    for name, value in data.items():
        if name == "auto_recycle":
            if not isinstance(value, bool):
                raise ApplicationError(_("Enter yes or no."), code="invalid", fields={name: [_("Enter yes or no.")]})
        elif isinstance(value, bool) or not isinstance(value, int):
            raise ApplicationError(_("Enter a whole number."), code="invalid",
                                   fields={name: [_("Enter a whole number.")]})
        setattr(policy, name, value)
    try:
        policy.full_clean(exclude=["updated_by"])
    except ValidationError as exc:
        fields = exc.message_dict
        raise ApplicationError(next(iter(fields.values()))[0], code="invalid", fields=fields) from None
    rules = [d for d in (policy.followup_days, policy.deal_days) if d]
    if rules and policy.warning_days >= min(rules):
        msg = _("Warn fewer days ahead than the shortest rule (%(n)d days).") % {"n": min(rules)}
        raise ApplicationError(msg, code="invalid", fields={"warning_days": [msg]})
    changes = diff(before, snapshot(policy, POLICY_FIELDS))
    policy.updated_by = actor
    policy.save()
    if changes:
        audit_record(actor=actor, action="update", target=policy, changes=changes)
    pool.policy_forget()
    return policy


# --- the daily job -------------------------------------------------------------------------

@dataclass
class RecycleResult:
    day: datetime.date
    enabled: bool = True
    recycled: int = 0
    warned: int = 0
    skipped: int = 0  # owner without a department: nowhere to go
    by_pool: dict[int, int] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.enabled:
            return _("automatic recycling is switched off (Settings → Public pool)")
        text = _("%(r)d customers returned to the public pool, %(w)d owners warned") % {
            "r": self.recycled, "w": self.warned}
        if self.skipped:
            text += _("; %(n)d skipped: their owner belongs to no department") % {"n": self.skipped}
        return text


def _rule_reason(due: pool.Due | None) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if due is None:
            return ""
        if due.rule == "followup":
            return _("No follow-up for %(n)d days") % {"n": due.days}
        return _("No deal for %(n)d days") % {"n": due.days}


_CLOCK_FIELDS = ["pk", "owner_id", "owner_department_id", "created_at", "owned_since", "last_followup_at",
                 "last_deal_at"]


def _rows(qs) -> list[Customer]:
    return list(qs.only(*_CLOCK_FIELDS).order_by("pk"))


@transaction.atomic
def pool_recycle(*, day: datetime.date | None = None, now: datetime.datetime | None = None) -> RecycleResult:
    """The daily job: return every customer due by ``day`` (default today) to its pool and warn
    the owners of those due within the warning days. Idempotent: a second run of the same day
    changes nothing; a warning is recorded once per customer and due date."""
    day = day or pool.today()
    now = now or timezone.now()
    policy = pool.policy_get(fresh=True)
    result = RecycleResult(day=day, enabled=policy.auto_recycle)
    if not policy.auto_recycle:
        return result
    due_q = pool.recyclable_q(policy, day)
    if due_q is None:
        return result
    # recycle, a chunk at a time, re-checking the rule on the locked rows
    ids = list(Customer.objects.filter(due_q).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = _rows(Customer.objects.select_for_update(of=("self",)).filter(due_q, pk__in=chunk))
        _recycle_rows(policy, rows, now, result)
    # warn the owners of those due within the warning days (not yet warned for that due date)
    if policy.warning_days:
        soon_q = pool.recyclable_q(policy, day + datetime.timedelta(days=policy.warning_days))
        ids = list(Customer.objects.filter(soon_q).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            rows = _rows(Customer.objects.filter(soon_q, pk__in=ids[start:start + CHUNK]))
            _warn_rows(policy, rows, day, now, result)
    return result


def _recycle_rows(policy: PoolPolicy, rows: list[Customer], now: datetime.datetime, result: RecycleResult) -> None:
    depts = {c.owner_department_id for c in rows if c.owner_department_id}
    target = pool.pool_departments_for(depts, policy.pool_level)
    groups: dict[int, list[Customer]] = defaultdict(list)
    for c in rows:
        if c.owner_department_id is None:
            result.skipped += 1
        else:
            groups[target[c.owner_department_id]].append(c)
    if not groups:
        return
    owners = User.objects.in_bulk({c.owner_id for c in rows})
    names = dict(Department.objects.filter(pk__in=groups).values_list("pk", "name"))
    events, changes = [], []
    for dept_id, members in groups.items():
        _to_pool([c.pk for c in members], dept_id, now)
        for c in members:
            events.append(PoolEvent(customer_id=c.pk, kind=PoolEvent.Kind.AUTO_RECYCLE, from_user_id=c.owner_id,
                                    department_id=dept_id, reason=_rule_reason(pool.due_of(policy, c)), at=now))
            changes.append({"owner": [str(owners.get(c.owner_id, "")), None],
                            "pool_department": [None, names.get(dept_id, "")]})
        result.by_pool[dept_id] = result.by_pool.get(dept_id, 0) + len(members)
        result.recycled += len(members)
    PoolEvent.objects.bulk_create(events, batch_size=CHUNK)
    audit_bulk(actor=None, action="pool_recycle", targets=[
        (_Labelled(e, e.reason), ch, e.customer_id) for e, ch in zip(events, changes, strict=True)])


def _warn_rows(policy: PoolPolicy, rows: list[Customer], day: datetime.date, now: datetime.datetime,
               result: RecycleResult) -> None:
    dues = {}
    for c in rows:
        due = pool.due_of(policy, c)
        if due is not None and due.on > day and c.owner_department_id is not None:
            dues[c.pk] = (c, due)
    if not dues:
        return
    seen = set(PoolEvent.objects.filter(kind=PoolEvent.Kind.WARNING, customer_id__in=list(dues))
               .values_list("customer_id", "due_on"))
    events, labels = [], []
    for pk, (c, due) in dues.items():
        if (pk, due.on) in seen:
            continue
        reason = _rule_reason(due)
        events.append(PoolEvent(customer_id=pk, kind=PoolEvent.Kind.WARNING, to_user_id=c.owner_id,
                                reason=reason, due_on=due.on, at=now))
        with translation.override(settings.LANGUAGE_CODE):
            labels.append(_("Returns to the public pool on %(day)s (%(reason)s) unless followed up") % {
                "day": _day(due.on), "reason": reason})
    PoolEvent.objects.bulk_create(events, batch_size=CHUNK)
    audit_bulk(actor=None, action="pool_warning", targets=[
        (_Labelled(e, label), {}, e.customer_id) for e, label in zip(events, labels, strict=True)])
    result.warned += len(events)


class _Labelled:
    """A pool event as an audit target, labelled with a sentence (``audit_bulk`` uses str())."""

    _meta = PoolEvent._meta

    def __init__(self, event: PoolEvent, label: str):
        self.pk = event.pk
        self.label = label

    def __str__(self) -> str:
        return self.label
