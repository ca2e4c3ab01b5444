"""The only readers of the catalog.

Products are company master data: every logged-in user reads them. Prices are read through
``visible_prices`` (floor prices only for ``can_see_floor_price``; customer-specific prices
only for users who see that customer, through ``org.visibility``). ``price_for`` resolves
which price applies; it takes no actor because its callers (order services, the API's
look-up) have already checked who asks and which customer they may see.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.catalog.models import PriceKind, Product, ProductPrice, ProductStatus
from pharmcrm.catalog.permissions import can_edit_catalog, can_see_floor_price
from pharmcrm.catalog.pricing import price_for, price_map, scope_rank
from pharmcrm.core.errors import NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.core.pinyin import normalise
from pharmcrm.org import visibility
from pharmcrm.org.models import User

__all__ = [
    "DEFAULT_SORT", "SORTS", "ProductFilters", "can_edit_catalog", "can_see_floor_price", "current_prices",
    "price_for", "price_get", "price_map", "product_get", "product_history", "product_list", "product_lookup",
    "product_prices", "scope_rank", "visible_price_kinds", "visible_prices",
]

SORTS = {
    "name": ("generic_name", "spec", "id"),
    "-name": ("-generic_name", "-spec", "-id"),
    "trade": ("trade_name", "generic_name", "id"),
    "-trade": ("-trade_name", "-generic_name", "-id"),
    "manufacturer": ("manufacturer", "generic_name", "id"),
    "-manufacturer": ("-manufacturer", "-generic_name", "-id"),
    "status": ("status", "generic_name", "id"),
    "-status": ("-status", "generic_name", "id"),
    "recent": ("-updated_at", "-id"),
    "-recent": ("updated_at", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
DEFAULT_SORT = "name"
LOOKUP_MAX = 20


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    dosage_form: str = ""
    therapeutic_area: str = ""
    rx_class: str = ""
    insurance_class: str = ""
    status: str = ""
    sort: str = DEFAULT_SORT


def today() -> datetime.date:
    return timezone.localdate()


def _search(qs: QuerySet, q: str) -> QuerySet:
    term = normalise(q)
    if not term:
        return qs
    # 国药准字H20103026 or a part of it ("h2010", "20103026"): the key holds the number in lower case
    if term.startswith("国药准字"):
        term = term[len("国药准字"):]
        return qs.filter(approval_number__icontains=term) if term else qs.filter(approval_number__startswith="国药准字")
    return qs.filter(search_text__contains=term)


def product_list(*, actor: User, filters: ProductFilters | None = None) -> QuerySet:
    """Every product (master data is readable by every active user), filtered and sorted."""
    f = filters or ProductFilters()
    if not actor.is_active:
        return Product.objects.none()
    qs = _search(Product.objects.all(), f.q)
    for name in ("dosage_form", "therapeutic_area", "rx_class", "insurance_class", "status"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{name: value})
    return qs.order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def product_get(*, actor: User, product_id: int) -> Product:
    product = None
    if actor.is_active:
        product = Product.objects.select_related("created_by").filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product not found."))
    return product


def product_lookup(*, actor: User, q: str = "", active_only: bool = True, limit: int = LOOKUP_MAX) -> list[Product]:
    """For pickers (orders, agreements, a customer's products of interest): matching products."""
    qs = product_list(actor=actor, filters=ProductFilters(q=q[:100]))
    if active_only:
        qs = qs.filter(status=ProductStatus.ACTIVE)
    return list(qs[: max(1, min(limit, LOOKUP_MAX))])


# --- prices ----------------------------------------------------------------------------------

def visible_price_kinds(actor: User) -> list[str]:
    kinds = list(PriceKind.values)
    if not can_see_floor_price(actor):
        kinds.remove(PriceKind.FLOOR)
    return kinds


def visible_prices(actor: User, *, include_void: bool = False) -> QuerySet:
    """Every price ``actor`` may read: no floor prices unless allowed; customer-specific prices
    only of customers ``actor`` sees."""
    if not actor.is_active:
        return ProductPrice.objects.none()
    qs = ProductPrice.objects.all()
    if not include_void:
        qs = qs.filter(voided_at__isnull=True)
    if not can_see_floor_price(actor):
        qs = qs.exclude(kind=PriceKind.FLOOR)
    if not actor.is_admin:
        qs = qs.filter(Q(customer__isnull=True) | Q(customer_id__in=visibility.visible_customers(actor).values("id")))
    return qs


def product_prices(*, actor: User, product_id: int, include_void: bool = True) -> QuerySet:
    """The product's prices ``actor`` may read, every period (current, past, future, voided)."""
    product_get(actor=actor, product_id=product_id)
    return (
        visible_prices(actor, include_void=include_void)
        .filter(product_id=product_id)
        .select_related("customer", "created_by", "voided_by")
        .order_by("kind", "customer_id", "region_code", "-valid_from", "-id")
    )


def price_get(*, actor: User, price_id: int) -> ProductPrice:
    price = (
        visible_prices(actor, include_void=True).select_related("product", "customer").filter(pk=price_id).first()
    )
    if price is None:
        raise NotFound(_("Price not found."))
    return price


def current_prices(*, actor: User, product_ids, on_date: datetime.date | None = None) -> dict[int, dict[str, ProductPrice]]:
    """{product id: {kind: the national price valid on ``on_date``}} in ONE query, for lists."""
    ids = list(product_ids)
    if not ids:
        return {}
    day = on_date or today()
    rows = (
        visible_prices(actor)
        .filter(product_id__in=ids, customer__isnull=True, region_code="", valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("product_id", "kind", "-valid_from")
    )
    out: dict[int, dict[str, ProductPrice]] = {}
    for p in rows:
        out.setdefault(p.product_id, {}).setdefault(p.kind, p)
    return out


def product_history(*, actor: User, product: Product, limit: int = 200) -> list[AuditEvent]:
    """The product's audit trail with its prices' events, minus what ``actor`` may not read
    (floor prices, prices of customers they do not see)."""
    all_price_ids = ProductPrice.objects.filter(product=product).values("id")
    events = list(
        AuditEvent.objects.filter(
            Q(target_type="product", target_id=product.pk)
            | Q(target_type="productprice", target_id__in=all_price_ids)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    readable = set(visible_prices(actor, include_void=True).filter(product=product).values_list("id", flat=True))
    return [e for e in events if e.target_type == "product" or e.target_id in readable]
