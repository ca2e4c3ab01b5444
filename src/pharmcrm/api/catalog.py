"""The catalog API: products and their prices. Reads go through catalog.selectors, writes
through catalog.services (administrators and sales admins; others get 403).

Floor prices are never returned to users who may not see them (``can_see_floor_price``):
they are left out of price lists and ``current_prices``, and ``price-for`` with
``kind=floor`` is a 403 for them. Customer-specific prices follow their customer's
visibility.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from pharmcrm.api.catalog_schemas import (
    PriceCreateIn,
    PriceEndIn,
    PriceForOut,
    PriceForQuery,
    PriceOut,
    PriceQuery,
    PriceVoidIn,
    ProductCreateIn,
    ProductDetailOut,
    ProductPage,
    ProductQuery,
    ProductUpdateIn,
)
from pharmcrm.api.common import Id, paginate
from pharmcrm.api.customer_schemas import AuditEventOut
from pharmcrm.catalog import selectors, services
from pharmcrm.catalog.models import PriceKind
from pharmcrm.core.errors import ApplicationError, PermissionDenied
from pharmcrm.customers.selectors import customer_get

router = Router(tags=["catalog"])


def _with_prices(user, products):
    prices = selectors.current_prices(actor=user, product_ids=[p.pk for p in products])
    for p in products:
        p.current_prices = {k: v.price for k, v in prices.get(p.pk, {}).items()}
    return products


def _detail(user, product_id: int):
    product = selectors.product_get(actor=user, product_id=product_id)
    _with_prices(user, [product])
    product.can_edit = selectors.can_edit_catalog(user)
    return product


@router.get("/products", response=ProductPage, summary="Products (every logged-in user), filtered and sorted")
def product_list(request, query: Query[ProductQuery]):
    filters = selectors.ProductFilters(
        q=query.q, dosage_form=query.dosage_form, therapeutic_area=query.therapeutic_area, rx_class=query.rx_class,
        insurance_class=query.insurance_class, status=query.status, sort=query.sort,
    )
    page = paginate(selectors.product_list(actor=request.auth, filters=filters), query)
    _with_prices(request.auth, page["items"])
    return page


@router.post("/products", response={201: ProductDetailOut}, summary="Create a product (administrators, sales admins)")
def product_create(request, payload: ProductCreateIn):
    product = services.product_create(actor=request.auth, data=payload.model_dump())
    return Status(201, _detail(request.auth, product.pk))


@router.get("/products/{product_id}", response=ProductDetailOut, summary="One product with today's national prices")
def product_get(request, product_id: Id):
    return _detail(request.auth, product_id)


@router.patch("/products/{product_id}", response=ProductDetailOut,
              summary="Change a product's fields, e.g. status=discontinued (administrators, sales admins)")
def product_update(request, product_id: Id, payload: ProductUpdateIn):
    selectors.product_get(actor=request.auth, product_id=product_id)
    if not selectors.can_edit_catalog(request.auth):
        raise PermissionDenied(_("Only administrators and sales admins may change the product catalog."))
    data = payload.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in data.items() if v is None)
    if nulls:
        msg = _("This field may not be null.")
        raise ApplicationError(msg, code="invalid", fields={k: [msg] for k in nulls})
    services.product_update(actor=request.auth, product_id=product_id, data=data)
    return _detail(request.auth, product_id)


@router.get("/products/{product_id}/history", response=list[AuditEventOut],
            summary="The product's audit history, with the price changes you may see")
def product_history(request, product_id: Id):
    product = selectors.product_get(actor=request.auth, product_id=product_id)
    return selectors.product_history(actor=request.auth, product=product)


@router.get("/products/{product_id}/prices", response=list[PriceOut],
            summary="The product's prices you may see (every period; floor prices only if allowed)")
def price_list(request, product_id: Id, query: Query[PriceQuery]):
    qs = selectors.product_prices(actor=request.auth, product_id=product_id, include_void=query.include_void)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    return list(qs)


@router.post("/products/{product_id}/prices", response={201: PriceOut},
             summary="Add a price (administrators, sales admins); overlapping periods are refused")
def price_create(request, product_id: Id, payload: PriceCreateIn):
    selectors.product_get(actor=request.auth, product_id=product_id)
    price = services.price_create(actor=request.auth, product_id=product_id, **payload.model_dump())
    return Status(201, selectors.price_get(actor=request.auth, price_id=price.pk))


@router.post("/prices/{price_id}/end", response=PriceOut, summary="Set the last day a price applies")
def price_end(request, price_id: Id, payload: PriceEndIn):
    services.price_end(actor=request.auth, price_id=price_id, valid_to=payload.valid_to)
    return selectors.price_get(actor=request.auth, price_id=price_id)


@router.post("/prices/{price_id}/void", response=PriceOut, summary="Void a price entered by mistake")
def price_void(request, price_id: Id, payload: PriceVoidIn):
    services.price_void(actor=request.auth, price_id=price_id, reason=payload.reason)
    return selectors.price_get(actor=request.auth, price_id=price_id)


@router.get("/price-for", response=PriceForOut,
            summary="The price that applies: the customer's own, else the most specific region, else national")
def price_for(request, query: Query[PriceForQuery]):
    user = request.auth
    if query.kind == PriceKind.FLOOR and not selectors.can_see_floor_price(user):
        raise PermissionDenied(_("Floor prices are shown only to administrators, sales admins, finance and "
                                 "department heads."))
    product = selectors.product_get(actor=user, product_id=query.product_id)
    customer = None
    if query.customer_id is not None:
        if query.region_code:
            msg = _("Give a customer or a region, not both.")
            raise ApplicationError(msg, code="invalid", fields={"region_code": [msg]})
        customer = customer_get(actor=user, customer_id=query.customer_id)
    price = selectors.price_for(product=product, kind=query.kind, on_date=query.on_date or selectors.today(),
                                customer=customer, region_code=None if customer else query.region_code)
    if price is not None:
        price = selectors.price_get(actor=user, price_id=price.pk)  # with its customer, checked once more
    return {"price": price}
