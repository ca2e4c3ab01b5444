"""Return orders (退货单) API: request from an order's batches, approve / reject (finance),
withdraw (the seller), receive the goods (warehouse). Visible exactly when the order is; those
who see the order only for shipping (warehouse) see quantities, not amounts."""

from __future__ import annotations

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.return_schemas import (
    ReturnCreateIn,
    ReturnDetailOut,
    ReturnPage,
    ReturnQuery,
    ReturnReasonIn,
    ReturnReceiveIn,
)
from pharmcrm.sales import returns, selectors

router = Router(tags=["returns"])


def _out(actor, r, *, full: bool | None = None) -> dict:
    if full is None:
        full = selectors.order_access(actor, r.order) == selectors.FULL
    return {"id": r.pk, "number": r.number, "order_id": r.order_id, "order_number": r.order.number,
            "customer_id": r.order.customer_id, "customer_name": r.order.customer.name, "status": r.status,
            "reason": r.reason, "amount_total": r.amount_total if full else None,
            "released_credit": r.released_credit if full else None, "requested_by": r.requested_by,
            "created_at": r.created_at, "approved_at": r.approved_at, "received_at": r.received_at,
            "closed_note": r.closed_note}


def _detail(actor, return_id: int) -> dict:
    r = selectors.return_get(actor=actor, return_id=return_id)
    full = selectors.order_access(actor, r.order) == selectors.FULL
    lines = [{"id": ln.pk, "order_line_id": ln.line_id, "product_id": ln.line.product_id, "product": str(ln.line.product),
              "allocation_id": ln.allocation_id, "batch_id": ln.allocation.batch_id, "batch_no": ln.allocation.batch_no,
              "expiry_date": ln.allocation.expiry_date, "quantity": ln.quantity, "amount": ln.amount if full else None}
             for ln in selectors.return_lines(r)]
    return {**_out(actor, r, full=full), "actions": returns.allowed_actions(actor, r), "lines": lines}


@router.get("", response=ReturnPage, summary="Returns of the orders I can see")
def return_list(request, query: Query[ReturnQuery]):
    page = paginate(selectors.return_list(actor=request.auth, status=query.status, order_id=query.order_id), query)
    page["items"] = [_out(request.auth, r) for r in page["items"]]
    return page


@router.post("", response={201: ReturnDetailOut},
             summary="Request a return: batches that went out with the order, quantities, reason")
def return_create(request, payload: ReturnCreateIn):
    data = payload.model_dump()
    order_id = data.pop("order_id")
    r = returns.return_request(actor=request.auth, order_id=order_id, data=data)
    return Status(201, _detail(request.auth, r.pk))


@router.get("/{return_id}", response=ReturnDetailOut, summary="One return with its lines and the actions I may take")
def return_get(request, return_id: Id):
    return _detail(request.auth, return_id)


@router.post("/{return_id}/approve", response=ReturnDetailOut,
             summary="requested → approved (finance): receivable and invoice ledger reduced")
def return_approve(request, return_id: Id):
    returns.return_approve(actor=request.auth, return_id=return_id)
    return _detail(request.auth, return_id)


@router.post("/{return_id}/reject", response=ReturnDetailOut, summary="requested → rejected with a reason (finance)")
def return_reject(request, return_id: Id, payload: ReturnReasonIn):
    returns.return_reject(actor=request.auth, return_id=return_id, reason=payload.reason)
    return _detail(request.auth, return_id)


@router.post("/{return_id}/withdraw", response=ReturnDetailOut,
             summary="requested → withdrawn with a reason (the seller)")
def return_withdraw(request, return_id: Id, payload: ReturnReasonIn):
    returns.return_withdraw(actor=request.auth, return_id=return_id, reason=payload.reason)
    return _detail(request.auth, return_id)


@router.post("/{return_id}/receive", response=ReturnDetailOut,
             summary="approved → received (warehouse): the goods go back into their batches")
def return_receive(request, return_id: Id, payload: ReturnReceiveIn):
    returns.return_receive(actor=request.auth, return_id=return_id, note=payload.note)
    return _detail(request.auth, return_id)
