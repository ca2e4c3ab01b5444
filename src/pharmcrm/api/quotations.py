"""The quotations API (报价记录) and the price history (报价历史). Reads through
quotations.selectors (visible exactly when the customer is; the price history only covers
visible customers), writes through quotations.services. A quotation or customer the caller
cannot see is a 404 on every route; a transition not allowed from the status is a 400 with code
``illegal_transition``. Routes with a quotation id use ``quotation_id``;
tests/quotations/test_api.py enumerates them."""

from __future__ import annotations

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.quotation_schemas import (
    LinkIn,
    NoteIn,
    OrderIn,
    PriceHistoryPage,
    PriceHistoryQuery,
    QuotationCreateIn,
    QuotationDetailOut,
    QuotationPage,
    QuotationQuery,
    QuotationUpdateIn,
)
from pharmcrm.quotations import selectors, services

router = Router(tags=["quotations"])
history_router = Router(tags=["quotations"])


def _detail(actor, quotation_id: int):
    q = selectors.quotation_get(actor=actor, quotation_id=quotation_id)
    q.lines_list = selectors.quotation_lines(q)
    q.perms = selectors.quotation_permissions(actor=actor, q=q)
    return q


def _lines(lines) -> list[dict]:
    out = []
    for ln in lines:
        row = {"product_id": ln.product_id, "quantity": str(ln.quantity)}
        if ln.unit_price is not None:
            row["unit_price"] = str(ln.unit_price)
        if ln.valid_until is not None:
            row["valid_until"] = ln.valid_until.isoformat()
        out.append(row)
    return out


@history_router.get("", response=PriceHistoryPage,
                    summary="Prices quoted (sent, accepted, rejected, expired quotations) for a customer and/or "
                            "product, newest first — only customers I can see")
def price_history(request, query: Query[PriceHistoryQuery]):
    return paginate(selectors.price_history(actor=request.auth, customer_id=query.customer_id,
                                            product_id=query.product_id), query)


@router.get("", response=QuotationPage, summary="Quotations I can see (filters, sort, pagination)")
def quotation_list(request, query: Query[QuotationQuery]):
    f = selectors.QuotationFilters(status=query.status, customer_id=query.customer_id,
                                   opportunity_id=query.opportunity_id, followup_id=query.followup_id,
                                   mine=query.mine, q=query.q, sort=query.sort)
    return paginate(selectors.quotation_list(actor=request.auth, filters=f), query)


@router.post("", response={201: QuotationDetailOut}, summary="A draft quotation for a customer I may change")
def quotation_create(request, payload: QuotationCreateIn):
    data = payload.model_dump(exclude_none=True)
    data["lines"] = _lines(payload.lines)
    if payload.valid_until:
        data["valid_until"] = payload.valid_until.isoformat()
    q = services.quotation_create(actor=request.auth, data=data)
    return Status(201, _detail(request.auth, q.pk))


@router.get("/{quotation_id}", response=QuotationDetailOut, summary="One quotation with its lines")
def quotation_get(request, quotation_id: Id):
    return _detail(request.auth, quotation_id)


@router.patch("/{quotation_id}", response=QuotationDetailOut, summary="Edit a draft")
def quotation_update(request, quotation_id: Id, payload: QuotationUpdateIn):
    data = payload.model_dump(exclude_unset=True)
    if payload.lines is not None:
        data["lines"] = _lines(payload.lines)
    elif "lines" in data:
        del data["lines"]
    if data.get("valid_until") is not None:
        data["valid_until"] = data["valid_until"].isoformat()
    elif "valid_until" in data:
        del data["valid_until"]
    if "terms" in data and data["terms"] is None:
        data["terms"] = ""
    services.quotation_update(actor=request.auth, quotation_id=quotation_id, data=data)
    return _detail(request.auth, quotation_id)


@router.post("/{quotation_id}/send", response=QuotationDetailOut, summary="draft → sent (enters the price history)")
def quotation_send(request, quotation_id: Id):
    services.quotation_send(actor=request.auth, quotation_id=quotation_id)
    return _detail(request.auth, quotation_id)


@router.post("/{quotation_id}/accept", response=QuotationDetailOut, summary="sent → accepted")
def quotation_accept(request, quotation_id: Id, payload: NoteIn):
    services.quotation_accept(actor=request.auth, quotation_id=quotation_id, note=payload.note)
    return _detail(request.auth, quotation_id)


@router.post("/{quotation_id}/reject", response=QuotationDetailOut, summary="sent → rejected")
def quotation_reject(request, quotation_id: Id, payload: NoteIn):
    services.quotation_reject(actor=request.auth, quotation_id=quotation_id, note=payload.note)
    return _detail(request.auth, quotation_id)


@router.post("/{quotation_id}/order", response=QuotationDetailOut,
             summary="Accepted → a sales-order draft at the quoted prices (once)")
def quotation_order(request, quotation_id: Id, payload: OrderIn):
    services.quotation_create_order(actor=request.auth, quotation_id=quotation_id,
                                    shipping_address_id=payload.shipping_address_id,
                                    terminal_type=payload.terminal_type)
    return _detail(request.auth, quotation_id)


@router.post("/{quotation_id}/link", response=QuotationDetailOut,
             summary="Link the follow-up where the price was given (null unlinks)")
def quotation_link(request, quotation_id: Id, payload: LinkIn):
    services.quotation_link_followup(actor=request.auth, quotation_id=quotation_id, followup_id=payload.followup_id)
    return _detail(request.auth, quotation_id)
