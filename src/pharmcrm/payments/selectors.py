"""The only readers of payments, allocations, payment plans and receivables.

* ``visible_payments``: the role scope of area ``payments`` ("all" for finance, seeded by this
  app's migration; administrators) or the payments of customers the actor sees (read-only).
* ``receivable_orders``: the orders whose receivables the actor sees — all for the payments
  scope, else those of visible customers — approved and later (never draft, submitted or
  cancelled).
* ``ageing``: outstanding per order bucketed by days since approval in Asia/Shanghai dates
  (0–30 / 31–60 / 61–90 / >90), summed per customer, owner or department in one grouped query
  (conditional aggregation); departments roll up to their ancestors for heads.
Missing and invisible are the same ``NotFound``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility
from pharmcrm.org.models import Department, DepartmentClosure, RoleScope, User
from pharmcrm.payments.models import (
    PLAN_TAGS,
    ZERO,
    Method,
    Payment,
    PaymentPlan,
    PaymentStatus,
    PlanState,
)
from pharmcrm.sales.models import APPROVED_AND_LATER, SalesOrder, outstanding_expr

AREA = "payments"
CENT = Decimal("0.01")
SORTS = {"-received": ("-received_on", "-id"), "received": ("received_on", "id"),
         "-amount": ("-amount", "-id"), "amount": ("amount", "id"), "number": ("number",), "-number": ("-number",)}
DEFAULT_SORT = "-received"
BUCKETS = ("b0", "b31", "b61", "b91")
GROUPS = ("customer", "owner", "department")


def _q(d) -> Decimal:
    return (Decimal(str(d)) if d is not None else ZERO).quantize(CENT)  # SQLite sums decimals as floats


def sees_all(actor: User) -> bool:
    return visibility.role_scope(actor, AREA) == RoleScope.Scope.ALL


def visible_payments(actor: User) -> QuerySet:
    if not actor.is_active:
        return Payment.objects.none()
    if sees_all(actor):
        return Payment.objects.all()
    return Payment.objects.filter(customer_id__in=visibility.visible_customers(actor).values("id"))


def receivable_orders(actor: User) -> QuerySet:
    qs = SalesOrder.objects.filter(status__in=APPROVED_AND_LATER)
    if not actor.is_active:
        return qs.none()
    if sees_all(actor):
        return qs
    return qs.filter(customer_id__in=visibility.visible_customers(actor).values("id"))


def payment_get(*, actor: User, payment_id) -> Payment:
    try:
        pid = int(payment_id)
    except (TypeError, ValueError):
        raise NotFound(_("Payment not found.")) from None
    p = (visible_payments(actor).select_related("customer", "recorded_by", "cancelled_by").filter(pk=pid).first()
         if 0 < pid < 2**63 else None)
    if p is None:
        raise NotFound(_("Payment not found."))
    return p


def payment_allocations(payment: Payment) -> QuerySet:
    return payment.allocations.select_related("order", "created_by", "released_by").order_by("created_at", "id")


def order_allocations(order: SalesOrder) -> QuerySet:
    return order.payment_allocations.select_related("payment", "created_by", "released_by").order_by(
        "created_at", "id")


@dataclass(frozen=True)
class PaymentFilters:
    customer_id: int | None = None
    method: str = ""
    status: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT


def payment_list(*, actor: User, filters: PaymentFilters | None = None) -> QuerySet:
    f = filters or PaymentFilters()
    qs = visible_payments(actor)
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.method in Method.values:
        qs = qs.filter(method=f.method)
    if f.status in PaymentStatus.values:
        qs = qs.filter(status=f.status)
    if f.date_from:
        qs = qs.filter(received_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(received_on__lte=f.date_to)
    q = (f.q or "").strip()[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(reference__icontains=q) | Q(payer_name__icontains=q)
                       | Q(customer__name__icontains=q))
    return qs.select_related("customer", "recorded_by").order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def customer_credit(customer_id: int) -> Decimal:
    """What the customer paid that is not allocated to any order (预收/余款)."""
    agg = Payment.objects.filter(customer_id=customer_id, status=PaymentStatus.ACTIVE).aggregate(
        a=Sum("amount"), b=Sum("allocated_total"))
    return _q(agg["a"]) - _q(agg["b"])


def open_orders(customer_id: int) -> list[SalesOrder]:
    from pharmcrm.payments.services import open_orders_qs

    return list(open_orders_qs(customer_id)[:200])


def customer_lookup(*, actor: User, q: str, limit: int = 20) -> list:
    """Customers with receivable orders the actor sees, by name (the payment form's picker)."""
    from pharmcrm.customers.models import Customer

    q = (q or "").strip()[:100]
    qs = Customer.objects.filter(deleted_at__isnull=True, pk__in=receivable_orders(actor).values("customer_id"))
    if not sees_all(actor):
        qs = qs.filter(pk__in=visibility.visible_customers(actor).values("id"))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
    return list(qs.only("id", "name").order_by("name")[:limit])


# --- payment plans ---------------------------------------------------------------------------

@dataclass
class PlanRow:
    plan: PaymentPlan
    covered: Decimal
    state: str
    tag: str = ""
    label: str = ""


def plan_rows(order: SalesOrder, today: datetime.date | None = None) -> list[PlanRow]:
    """The order's instalments with their state: the paid total covers them in due-date order;
    an order that owes nothing has every instalment paid."""
    today = today or timezone.localdate()
    left = order.paid_total
    settled = order.outstanding <= 0 and order.status in APPROVED_AND_LATER
    out = []
    for p in order.payment_plans.all().order_by("due_on", "id"):
        covered = p.amount if settled else min(max(left, ZERO), p.amount)
        left -= p.amount
        if covered >= p.amount:
            state = PlanState.PAID
        elif p.due_on < today:
            state = PlanState.OVERDUE
        elif covered > 0:
            state = PlanState.PARTLY
        else:
            state = PlanState.DUE
        out.append(PlanRow(p, covered, state, PLAN_TAGS[state], str(PlanState(state).label)))
    return out


def plans_due(*, actor: User, scope: str, today: datetime.date, days: int = 7) -> QuerySet:
    """Instalments due within ``days`` or overdue and not yet covered by the order's payments,
    for orders the actor follows: finance all; a head (scope "team") the customers owned in
    their subtree; everyone the customers they own."""
    upto = today + datetime.timedelta(days=days)
    qs = PaymentPlan.objects.filter(due_on__lte=upto, order__status__in=APPROVED_AND_LATER)
    if not sees_all(actor):
        who = Q(order__customer__owner_id=actor.pk)
        if scope == "team" and actor.is_head:
            who |= Q(order__customer__owner_department_id__in=visibility.subtree_department_ids(actor))
        qs = qs.filter(who)
    before = (PaymentPlan.objects.filter(order_id=OuterRef("order_id")).filter(
        Q(due_on__lt=OuterRef("due_on")) | Q(due_on=OuterRef("due_on"), id__lte=OuterRef("id")))
        .order_by().values("order_id").annotate(s=Sum("amount")).values("s")[:1])
    qs = qs.annotate(cum=Subquery(before, output_field=DecimalField(max_digits=16, decimal_places=2)))
    return (qs.filter(cum__gt=F("order__paid_total"))
            .filter(order__paid_total__lt=F("order__amount_total") - F("order__returned_total"))
            .select_related("order__customer").order_by("due_on", "id"))


# --- ageing ----------------------------------------------------------------------------------

def _boundary(today: datetime.date, days: int) -> datetime.datetime:
    """The first instant (UTC-aware) of the local day ``today - days``: approved at or after it
    means at most ``days`` days old."""
    day = today - datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min),
                               timezone.get_default_timezone())


def bucket_exprs(today: datetime.date) -> dict:
    b30, b60, b90 = _boundary(today, 30), _boundary(today, 60), _boundary(today, 90)
    owing = outstanding_expr()
    zero = Value(Decimal("0.00"))
    out = DecimalField(max_digits=16, decimal_places=2)

    def part(cond: Q):
        return Sum(Case(When(cond, then=owing), default=zero, output_field=out))

    return {
        "b0": part(Q(approved_at__gte=b30)),
        "b31": part(Q(approved_at__lt=b30, approved_at__gte=b60)),
        "b61": part(Q(approved_at__lt=b60, approved_at__gte=b90)),
        "b91": part(Q(approved_at__lt=b90) | Q(approved_at__isnull=True)),
        "total": Sum(owing, output_field=out),
    }


def bucket_of(approved_at: datetime.datetime | None, today: datetime.date) -> str:
    if approved_at is None:
        return "b91"
    days = (today - timezone.localtime(approved_at).date()).days
    return "b0" if days <= 30 else "b31" if days <= 60 else "b61" if days <= 90 else "b91"


@dataclass
class AgeingRow:
    key: int | None
    label: str
    b0: Decimal = ZERO
    b31: Decimal = ZERO
    b61: Decimal = ZERO
    b91: Decimal = ZERO
    total: Decimal = ZERO
    depth: int = 0
    extra: dict = field(default_factory=dict)


def _open(actor: User) -> QuerySet:
    return receivable_orders(actor).alias(owing=outstanding_expr()).filter(owing__gt=0).order_by()


def ageing(*, actor: User, group: str = "customer", today: datetime.date | None = None,
           limit: int = 500) -> tuple[list[AgeingRow], AgeingRow]:
    """(rows, totals) for ``group`` customer | owner | department, largest total first (for
    departments: the tree, each row its subtree's total, only departments the actor may see
    when not in the payments scope)."""
    today = today or timezone.localdate()
    if group not in GROUPS:
        group = "customer"
    exprs = bucket_exprs(today)
    key = {"customer": "customer_id", "owner": "customer__owner_id", "department": "customer__owner_department_id"}[group]
    grouped = list(_open(actor).values(key).annotate(**exprs).order_by("-total")
                   [: limit if group != "department" else None])
    totals = AgeingRow(None, _("Total"))
    for g in grouped:
        for b in (*BUCKETS, "total"):
            setattr(totals, b, getattr(totals, b) + _q(g[b]))
    if group == "department":
        return _department_rows(actor, grouped), totals
    ids = [g[key] for g in grouped if g[key] is not None]
    if group == "customer":
        from pharmcrm.customers.models import Customer

        names = dict(Customer.objects.filter(pk__in=ids).values_list("id", "name"))
    else:
        names = {u.pk: (u.full_name or u.username) for u in User.objects.filter(pk__in=ids)}
    rows = []
    for g in grouped:
        k = g[key]
        rows.append(AgeingRow(k, names.get(k, _("(no owner)") if k is None else str(k)),
                              **{b: _q(g[b]) for b in (*BUCKETS, "total")}))
    return rows, totals


def _department_rows(actor: User, grouped: list[dict]) -> list[AgeingRow]:
    by_dept = {g["customer__owner_department_id"]: g for g in grouped}
    if sees_all(actor):
        depts = list(Department.objects.all())
    else:
        depts = list(Department.objects.filter(pk__in=visibility.subtree_department_ids(actor)))
    ids = [d.pk for d in depts]
    links = DepartmentClosure.objects.filter(ancestor_id__in=ids).values_list("ancestor_id", "descendant_id", "depth")
    sums: dict[int, dict[str, Decimal]] = {d: {b: ZERO for b in (*BUCKETS, "total")} for d in ids}
    for anc, desc, _depth in links:
        g = by_dept.get(desc)
        if g:
            for b in (*BUCKETS, "total"):
                sums[anc][b] += _q(g[b])
    parents = {d.pk: d.parent_id for d in depts}
    shown = set(ids)

    def depth(d: int) -> int:
        n = 0
        while parents.get(d) in shown:
            d = parents[d]
            n += 1
        return n

    children: dict[int | None, list[Department]] = {}
    for d in sorted(depts, key=lambda d: (d.sort_order, d.name)):
        children.setdefault(parents[d.pk] if parents[d.pk] in shown else None, []).append(d)
    out: list[AgeingRow] = []

    def walk(parent):
        for d in children.get(parent, []):
            s = sums[d.pk]
            if s["total"]:
                out.append(AgeingRow(d.pk, d.name, depth=depth(d.pk), **s))
                walk(d.pk)

    walk(None)
    return out


def ageing_orders(*, actor: User, customer_id: int | None = None, owner_id: int | None = None,
                  department_id: int | None = None, today: datetime.date | None = None) -> list[SalesOrder]:
    """The open receivable orders behind an ageing row (drill-down), oldest approval first, each
    with ``bucket`` and ``age_days``."""
    today = today or timezone.localdate()
    qs = _open(actor).select_related("customer", "customer__owner")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if owner_id:
        qs = qs.filter(customer__owner_id=owner_id)
    if department_id:
        qs = qs.filter(customer__owner_department_id__in=DepartmentClosure.objects.filter(
            ancestor_id=department_id).values("descendant_id"))
    rows = list(qs.order_by("approved_at", "id")[:1000])
    for o in rows:
        o.bucket = bucket_of(o.approved_at, today)
        o.age_days = (today - timezone.localtime(o.approved_at).date()).days if o.approved_at else None
    return rows
