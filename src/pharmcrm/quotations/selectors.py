"""The only readers of quotations and the price history. Every read starts from the visibility
rule: a quotation is visible exactly when its customer is; missing and invisible are the same
``NotFound``.

Price history (报价历史): the lines of quotations the customer has seen (sent, accepted,
rejected, expired — never drafts) for a customer and/or a product, newest first, each with when
it was sent and who made it. Always restricted to the customers the actor can see, also when
asked for a product (the product page).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.quotations.models import QUOTED_STATUSES, Quotation, QuotationLine, Status

SORTS = {
    "-created": ("-created_at", "-id"), "created": ("created_at", "id"),
    "valid": ("valid_until", "id"), "-valid": ("-valid_until", "-id"),
    "-amount": ("-amount_total", "-id"), "amount": ("amount_total", "id"),
    "number": ("number",), "-number": ("-number",),
}
DEFAULT_SORT = "-created"
SEARCH_MAX = 100


def visible_quotations(actor: User) -> QuerySet:
    return Quotation.objects.filter(customer_id__in=visibility.visible_customers(actor).values("id"))


def with_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("customer", "contact", "created_by", "opportunity", "order", "followup")


@dataclass(frozen=True)
class QuotationFilters:
    status: str = ""
    customer_id: int | None = None
    opportunity_id: int | None = None
    followup_id: int | None = None
    mine: bool = False
    q: str = ""
    sort: str = DEFAULT_SORT


def quotation_list(*, actor: User, filters: QuotationFilters | None = None) -> QuerySet:
    f = filters or QuotationFilters()
    qs = visible_quotations(actor)
    if f.customer_id is not None:
        if not visibility.can_see(actor, f.customer_id):
            raise NotFound(_("Customer not found."))
        qs = qs.filter(customer_id=f.customer_id)
    if f.status in Status.values:
        qs = qs.filter(status=f.status)
    if f.opportunity_id is not None:
        qs = qs.filter(opportunity_id=f.opportunity_id)
    if f.followup_id is not None:
        qs = qs.filter(followup_id=f.followup_id)
    if f.mine:
        qs = qs.filter(created_by_id=actor.pk)
    text = (f.q or "").strip()[:SEARCH_MAX]
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(customer__name__icontains=text))
    return with_details(qs).order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def quotation_get(*, actor: User, quotation_id: int) -> Quotation:
    q = (with_details(visible_quotations(actor)).filter(pk=quotation_id).first()
         if isinstance(quotation_id, int) and 0 < quotation_id < 2**63 else None)
    if q is None:
        raise NotFound(_("Quotation not found."))
    return q


def quotation_lines(q: Quotation) -> list[QuotationLine]:
    return list(q.lines.select_related("product").order_by("position", "id"))


def price_history(*, actor: User, customer_id: int | None = None, product_id: int | None = None) -> QuerySet:
    """Quoted lines (not drafts) of visible customers, newest sent first. A given customer the
    actor cannot see is ``NotFound``."""
    if customer_id is not None and not visibility.can_see(actor, customer_id):
        raise NotFound(_("Customer not found."))
    qs = QuotationLine.objects.filter(quotation__status__in=QUOTED_STATUSES,
                                      quotation__customer_id__in=visibility.visible_customers(actor).values("id"))
    if customer_id is not None:
        qs = qs.filter(quotation__customer_id=customer_id)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return (qs.select_related("product", "quotation", "quotation__customer", "quotation__created_by")
            .order_by("-quotation__sent_at", "-quotation_id", "position"))


def quotation_permissions(*, actor: User, q: Quotation) -> dict:
    from pharmcrm.quotations import services

    can_write = visibility.can_write(actor, q.customer_id)
    return {"write": can_write, "edit": can_write and q.status == Status.DRAFT,
            "actions": services.allowed_actions(q) if can_write else [],
            "order": can_write and q.status == Status.ACCEPTED and not q.order_id,
            "link": can_write}


def quotations_of_followup(*, actor: User, followup_id: int) -> list[Quotation]:
    return list(visible_quotations(actor).filter(followup_id=followup_id).order_by("-created_at", "-id"))
