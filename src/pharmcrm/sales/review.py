"""Finance review (财务审核) of a submitted order: a list of checks, each passed or failed, hard
or soft, with a message. ``services.order_approve`` refuses while a hard check fails; failed
soft checks may be overridden by finance with a recorded reason.

Hard checks
* credit limit (``CustomerTerms.credit_limit``; none = no limit): the customer's outstanding
  receivables plus this order must not exceed it. Outstanding = the sum over the customer's
  other non-cancelled orders that were approved (approved, outbound, shipped, received, closed)
  of ``amount_total − returned_total − paid_total``. ``paid_total`` is kept by payments (a later issue); until
  then it is 0 and outstanding is the whole approved amount.
* overdue receivables: no approved order of the customer with something outstanding was
  approved more than ``CustomerTerms.overdue_days_limit`` days ago.
* qualification file (首营资料): complete and unexpired today (``qualifications.rules``).
* floor prices: every line's unit price ≥ its floor price (snapshot at submit; the current one
  if none was taken), unless a head approved a price exception for that line at that price.
Soft checks
* unusually large: the order is more than 3× the customer's average approved order (with at
  least 3 earlier ones);
* shipping region: the shipping address lies in another province than the customer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.catalog import pricing
from pharmcrm.catalog.models import PriceKind
from pharmcrm.sales.models import APPROVED_AND_LATER, PriceException, SalesOrder, outstanding_expr
from pharmcrm.sales.services import terms_of

LARGE_FACTOR = Decimal(3)
LARGE_MIN_HISTORY = 3
CREDIT, OVERDUE, QUALIFICATIONS, FLOOR, LARGE, REGION = (
    "credit", "overdue", "qualifications", "floor_price", "large_amount", "region")


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    passed: bool
    hard: bool
    message: str


def _money(d: Decimal) -> str:
    return f"¥{d:,.2f}"


def _receivables(order: SalesOrder):
    return (SalesOrder.objects.filter(customer_id=order.customer_id, status__in=APPROVED_AND_LATER)
            .exclude(pk=order.pk).alias(owing=outstanding_expr()).filter(owing__gt=0))


def outstanding_of(customer_id: int, *, exclude_order_id: int | None = None) -> Decimal:
    qs = SalesOrder.objects.filter(customer_id=customer_id, status__in=APPROVED_AND_LATER)
    if exclude_order_id:
        qs = qs.exclude(pk=exclude_order_id)
    # quantized: SQLite sums decimals as floats
    return (qs.aggregate(o=Sum(outstanding_expr()))["o"] or Decimal(0)).quantize(Decimal("0.01"))


def check_credit(order: SalesOrder, terms) -> Check:
    label = _("Credit limit")
    outstanding = outstanding_of(order.customer_id, exclude_order_id=order.pk)
    if terms.credit_limit is None:
        return Check(CREDIT, label, True, True, _("No credit limit set; outstanding %(o)s.") % {
            "o": _money(outstanding)})
    total = outstanding + order.amount_total
    ok = total <= terms.credit_limit
    msg = (_("Outstanding %(o)s + this order %(a)s = %(t)s, within the limit of %(l)s.") if ok
           else _("Outstanding %(o)s + this order %(a)s = %(t)s exceeds the credit limit of %(l)s."))
    return Check(CREDIT, label, ok, True, msg % {"o": _money(outstanding), "a": _money(order.amount_total),
                                                 "t": _money(total), "l": _money(terms.credit_limit)})


def check_overdue(order: SalesOrder, terms) -> Check:
    label = _("Overdue receivables")
    limit = timezone.now() - datetime.timedelta(days=terms.overdue_days_limit)
    overdue = list(_receivables(order).filter(approved_at__lt=limit).order_by("approved_at")
                   .values_list("number", flat=True)[:5])
    if not overdue:
        return Check(OVERDUE, label, True, True, _("No receivable older than %(n)d days.") % {
            "n": terms.overdue_days_limit})
    return Check(OVERDUE, label, False, True, _("Unpaid orders older than %(n)d days: %(list)s.") % {
        "n": terms.overdue_days_limit, "list": ", ".join(overdue)})


def check_qualifications(order: SalesOrder) -> Check:
    from pharmcrm.qualifications import rules
    from pharmcrm.qualifications.models import QualificationType

    label = _("Qualification file")
    status = rules.qualification_status(order.customer, on=timezone.localdate())
    if status.complete:
        return Check(QUALIFICATIONS, label, True, True, _("Complete and valid."))
    names = dict(QualificationType.choices)
    parts = []
    if status.missing:
        parts.append(_("missing: %(t)s") % {"t": "、".join(str(names.get(t, t)) for t in status.missing)})
    if status.expired_required:
        parts.append(_("expired: %(t)s") % {"t": "、".join(str(names.get(t, t)) for t in status.expired_required)})
    return Check(QUALIFICATIONS, label, False, True,
                 _("Incomplete (%(d)s).") % {"d": "; ".join(parts) or status.flag})


def check_floor(order: SalesOrder) -> Check:
    label = _("Floor prices")
    lines = list(order.lines.select_related("product"))
    missing = [ln.product_id for ln in lines if ln.floor_price is None]
    current = pricing.price_map(product_ids=missing, kind=PriceKind.FLOOR, on_date=timezone.localdate(),
                                customer=order.customer) if missing else {}
    approved = set(PriceException.objects.filter(order=order, state=PriceException.State.APPROVED)
                   .values_list("line_id", "unit_price"))
    below, excepted = [], []
    for ln in lines:
        floor = ln.floor_price if ln.floor_price is not None else (
            current[ln.product_id].price if ln.product_id in current else None)
        if floor is None or ln.unit_price >= floor:
            continue
        if (ln.pk, ln.unit_price) in approved:
            excepted.append(str(ln.product))
        else:
            below.append(str(ln.product))
    if below:
        return Check(FLOOR, label, False, True, _("Below the floor price without an approved exception: "
                                                  "%(list)s.") % {"list": "、".join(below)})
    if excepted:
        return Check(FLOOR, label, True, True, _("Below the floor price with a head's approved exception: "
                                                 "%(list)s.") % {"list": "、".join(excepted)})
    return Check(FLOOR, label, True, True, _("Every line is at or above the floor price."))


def check_large(order: SalesOrder) -> Check:
    label = _("Order size")
    row = (SalesOrder.objects.filter(customer_id=order.customer_id, status__in=APPROVED_AND_LATER)
           .exclude(pk=order.pk).aggregate(total=Sum("amount_total"), n=Count("id")))
    n = row["n"] or 0
    if n < LARGE_MIN_HISTORY:
        return Check(LARGE, label, True, False, _("Too few earlier orders to compare."))
    average = (row["total"] or Decimal(0)) / n
    if order.amount_total > average * LARGE_FACTOR:
        return Check(LARGE, label, False, False, _("%(a)s is more than %(f)s× the customer's average order "
                                                   "(%(avg)s).") % {"a": _money(order.amount_total),
                                                                    "f": LARGE_FACTOR, "avg": _money(average)})
    return Check(LARGE, label, True, False, _("In line with the customer's average order (%(avg)s).") % {
        "avg": _money(average)})


def check_region(order: SalesOrder) -> Check:
    from pharmcrm.core.regions import region_label

    label = _("Shipping region")
    ship = order.shipping_address.region_code or ""
    own = order.customer.region_code or ""
    if not ship or not own or ship[:2] == own[:2]:
        return Check(REGION, label, True, False, _("The shipping address is in the customer's province."))
    return Check(REGION, label, False, False, _("Ships to %(s)s, but the customer is in %(c)s.") % {
        "s": region_label(ship) or ship, "c": region_label(own) or own})


def run_checks(order: SalesOrder) -> list[Check]:
    terms = terms_of(order.customer_id)
    return [check_credit(order, terms), check_overdue(order, terms), check_qualifications(order),
            check_floor(order), check_large(order), check_region(order)]
