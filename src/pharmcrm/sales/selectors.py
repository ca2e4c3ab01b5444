"""The only readers of sales orders. Every read starts from ``visible_orders``:

* an order is visible exactly when its customer is (``org.visibility.visible_customers``);
* plus the role scopes of ``org.RoleScope`` for the area ``orders`` (data, not code): finance
  and sales admins ("all": every order; sales admins' row is added by this app's migration),
  warehouse ("approved": orders approved and later — approved, outbound issued, shipped,
  received, closed). Administrators see everything.
``order_access`` says how much of a visible order a user may read: ``full``, or ``shipping``
for those who see it only through the warehouse scope (the lines, batches and shipping data:
no link to the customer page, no review, no price exceptions).
Missing and invisible are the same ``NotFound``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility
from pharmcrm.org.models import RoleScope, User
from pharmcrm.sales.models import (
    APPROVED_AND_LATER,
    PriceException,
    ReturnOrder,
    ReturnStatus,
    SalesOrder,
    Status,
)

AREA = "orders"
FULL, SHIPPING = "full", "shipping"
SORTS = {
    "-created": ("-created_at", "-id"), "created": ("created_at", "id"),
    "-amount": ("-amount_total", "-id"), "amount": ("amount_total", "id"),
    "number": ("number",), "-number": ("-number",),
    "-submitted": ("-submitted_at", "-id"), "submitted": ("submitted_at", "id"),
}
DEFAULT_SORT = "-created"


def visible_orders(actor: User) -> QuerySet:
    """Every order ``actor`` may see. Start every order read here."""
    scope = visibility.role_scope(actor, AREA)
    if scope == RoleScope.Scope.ALL:
        return SalesOrder.objects.all()
    by_customer = Q(customer_id__in=visibility.visible_customers(actor).values("id"))
    if scope == RoleScope.Scope.APPROVED:
        return SalesOrder.objects.filter(by_customer | Q(status__in=APPROVED_AND_LATER))
    return SalesOrder.objects.filter(by_customer)


def order_access(actor: User, order: SalesOrder) -> str:
    """``full`` or ``shipping`` (see the module docstring) for an order ``actor`` sees."""
    if visibility.role_scope(actor, AREA) == RoleScope.Scope.ALL or visibility.can_see(actor, order.customer_id):
        return FULL
    return SHIPPING


def with_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("customer", "shipping_address", "created_by", "approved_by", "outbound_by",
                             "cancelled_by")


def order_get(*, actor: User, order_id) -> SalesOrder:
    try:
        oid = int(order_id)
    except (TypeError, ValueError):
        raise NotFound(_("Order not found.")) from None
    order = with_details(visible_orders(actor)).filter(pk=oid).first() if 0 < oid < 2**63 else None
    if order is None:
        raise NotFound(_("Order not found."))
    return order


def order_lines(order: SalesOrder):
    return order.lines.select_related("product").prefetch_related("allocations")


def order_events(order: SalesOrder):
    return order.events.select_related("actor")


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""  # a Status value, or "" for all
    customer_id: int | None = None
    product_id: int | None = None
    owner_id: int | None = None  # the customer's owner
    created_by_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT


def order_list(*, actor: User, filters: OrderFilters | None = None) -> QuerySet:
    f = filters or OrderFilters()
    qs = visible_orders(actor)
    if f.status in Status.values:
        qs = qs.filter(status=f.status)
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.product_id:
        qs = qs.filter(lines__product_id=f.product_id).distinct()
    if f.owner_id:
        qs = qs.filter(customer__owner_id=f.owner_id)
    if f.created_by_id:
        qs = qs.filter(created_by_id=f.created_by_id)
    if f.date_from:
        qs = qs.filter(created_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(created_at__date__lte=f.date_to)
    q = (f.q or "").strip()[:100]
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q))
    return with_details(qs).order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def status_counts(actor: User, base: QuerySet | None = None) -> dict[str, int]:
    from django.db.models import Count

    qs = (base if base is not None else visible_orders(actor)).order_by()
    return dict(qs.values_list("status").annotate(n=Count("id")))


def price_exceptions_of(order: SalesOrder):
    return order.price_exceptions.select_related("line__product", "requested_by", "decided_by")


def exceptions_to_decide(actor: User) -> QuerySet:
    """Pending price exceptions ``actor`` may decide (heads above the customer's owner; admins)."""
    qs = PriceException.objects.filter(state=PriceException.State.PENDING)
    if not actor.is_active:
        return qs.none()
    if actor.is_admin:
        return qs
    if not actor.is_head:
        return qs.none()
    return qs.filter(order__customer__owner_department_id__in=visibility.subtree_department_ids(actor))


# --- return orders ---------------------------------------------------------------------------

def visible_returns(actor: User) -> QuerySet:
    """Returns of the orders ``actor`` may see."""
    return ReturnOrder.objects.filter(order_id__in=visible_orders(actor).values("pk"))


def return_get(*, actor: User, return_id) -> ReturnOrder:
    try:
        rid = int(return_id)
    except (TypeError, ValueError):
        raise NotFound(_("Return not found.")) from None
    ret = (visible_returns(actor).select_related("order__customer", "requested_by", "approved_by", "received_by")
           .filter(pk=rid).first() if 0 < rid < 2**63 else None)
    if ret is None:
        raise NotFound(_("Return not found."))
    return ret


def return_lines(ret) -> QuerySet:
    return ret.lines.select_related("line__product", "allocation")


def return_list(*, actor: User, status: str = "", order_id: int | None = None) -> QuerySet:
    qs = visible_returns(actor)
    if status in ReturnStatus.values:
        qs = qs.filter(status=status)
    if order_id:
        qs = qs.filter(order_id=order_id)
    return qs.select_related("order__customer", "requested_by").order_by("-created_at", "-id")


def returns_waiting(actor: User) -> QuerySet:
    """Returns waiting for ``actor``'s action: review for finance, goods to receive for warehouse."""
    from pharmcrm.org.models import Role

    if not actor.is_active:
        return visible_returns(actor).none()
    states = []
    if actor.is_admin or actor.has_role(Role.FINANCE):
        states.append(ReturnStatus.REQUESTED)
    if actor.is_admin or actor.has_role(Role.WAREHOUSE):
        states.append(ReturnStatus.APPROVED)
    return return_list(actor=actor).filter(status__in=states)


def order_attachments(actor: User, order: SalesOrder) -> QuerySet:
    """The files of an order ``actor`` sees: all of them with full access; with shipping access
    (warehouse) only their own uploads (a customer's purchase order carries prices)."""
    qs = order.attachments.select_related("uploaded_by")
    return qs if order_access(actor, order) == FULL else qs.filter(uploaded_by=actor)


def order_attachment_get(*, actor: User, order_id, attachment_id):
    """A file of an order ``actor`` sees (``order_attachments``); else NotFound."""
    order = order_get(actor=actor, order_id=order_id)
    att = (order_attachments(actor, order).filter(pk=attachment_id).first()
           if str(attachment_id).isdigit() else None)
    if att is None:
        raise NotFound(_("File not found."))
    return att
