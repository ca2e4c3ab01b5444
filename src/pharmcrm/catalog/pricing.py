"""Which price applies: ``price_for`` (one product) and ``price_map`` (many, one query).

Among the prices of a product and kind valid on a date (not voided, ``valid_from <= day``,
``valid_to`` open or ``>= day``), the most specific scope wins:

1. the customer's own price;
2. a regional price whose region contains the customer's region (or the given
   ``region_code``), the most specific region first: county > city > province (measured by
   the length of ``region_prefix``, so quirks such as cities without counties follow the
   regions module);
3. the national price (no region, no customer).

The overlap rule of ``services.price_create`` guarantees at most one valid price per scope
on a day; should the data still hold two (e.g. imported by hand), the later ``valid_from``,
then the higher id, wins, so the answer is always deterministic.
"""

from __future__ import annotations

import datetime

from django.db.models import Q

from pharmcrm.catalog.models import ProductPrice
from pharmcrm.catalog.regions import region_contains, region_prefix

NATIONAL_RANK = 0
CUSTOMER_RANK = 100


def scope_rank(price: ProductPrice, *, customer_id: int | None, region_code: str) -> int | None:
    """How specific ``price`` is for this customer/region (higher wins), None if it does not apply."""
    if price.customer_id is not None:
        return CUSTOMER_RANK if customer_id is not None and price.customer_id == customer_id else None
    if not price.region_code:
        return NATIONAL_RANK
    if region_code and region_contains(price.region_code, region_code):
        return 1 + len(region_prefix(price.region_code))
    return None


def valid_on(day: datetime.date) -> Q:
    return Q(voided_at__isnull=True, valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def price_map(
    *, product_ids, kind: str, on_date: datetime.date, customer=None, region_code: str | None = None,
) -> dict[int, ProductPrice]:
    """{product id: the applicable price} for every product that has one (one query)."""
    ids = list(product_ids)
    if not ids:
        return {}
    customer_id = getattr(customer, "pk", None)
    region = region_code if region_code is not None else (getattr(customer, "region_code", "") or "")
    scope = Q(customer__isnull=True)
    if customer_id is not None:
        scope |= Q(customer_id=customer_id)
    if not region:
        scope &= Q(region_code="")
    rows = ProductPrice.objects.filter(valid_on(on_date), scope, product_id__in=ids, kind=kind)
    best: dict[int, tuple[tuple, ProductPrice]] = {}
    for price in rows:
        rank = scope_rank(price, customer_id=customer_id, region_code=region)
        if rank is None:
            continue
        key = (rank, price.valid_from, price.pk)
        if price.product_id not in best or key > best[price.product_id][0]:
            best[price.product_id] = (key, price)
    return {pid: p for pid, (_k, p) in best.items()}


def price_for(
    *, product, kind: str, on_date: datetime.date, customer=None, region_code: str | None = None,
) -> ProductPrice | None:
    """The price of ``kind`` that applies to ``product`` on ``on_date`` for ``customer`` (its
    ``region_code``, unless ``region_code`` is given), or None when there is none."""
    product_id = getattr(product, "pk", product)
    return price_map(product_ids=[product_id], kind=kind, on_date=on_date, customer=customer,
                     region_code=region_code).get(product_id)
