"""The sales-orders API (销售订单). Reads go through sales.selectors (an order is visible when its
customer is, plus the role scopes: finance and sales admins all orders, warehouse approved and
later), writes through sales.services. An order the caller cannot see is a 404 on every route;
an illegal transition is a 400 with code ``illegal_transition``; floor prices only for those
allowed to see them.

Routes with an order id use the path parameter name ``order_id``; tests/sales/test_api.py
enumerates them and tries each as a peer and as another branch.
"""

from __future__ import annotations

from ninja import File, Form, Query, Router, Status, UploadedFile

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.order_schemas import (
    ApproveIn,
    DecideIn,
    ExceptionIn,
    ExceptionOut,
    OrderAttachmentOut,
    OrderCreateIn,
    OrderDetailOut,
    OrderPage,
    OrderQuery,
    OrderUpdateIn,
    OutboundIn,
    ReasonIn,
    ReceiveIn,
    ReviewOut,
    ShipIn,
    TermsIn,
    TermsOut,
)
from pharmcrm.catalog.permissions import can_see_floor_price
from pharmcrm.core.errors import NotFound
from pharmcrm.core.files import stored_file_response
from pharmcrm.sales import review, rules, selectors, services

router = Router(tags=["sales orders"])


def _detail(actor, order_id: int) -> dict:
    o = selectors.order_get(actor=actor, order_id=order_id)
    access = selectors.order_access(actor, o)
    floor = access == selectors.FULL and can_see_floor_price(actor)
    lines = []
    for ln in selectors.order_lines(o):
        lines.append({
            "id": ln.pk, "position": ln.position, "product": ln.product, "quantity": ln.quantity,
            "unit_price": ln.unit_price, "amount": ln.amount, "tax_rate": ln.tax_rate, "tax": ln.tax,
            "floor_price": ln.floor_price if floor else None,
            "allocations": [{"batch_id": a.batch_id, "batch_no": a.batch_no, "production_date": a.production_date,
                             "expiry_date": a.expiry_date, "quantity": a.quantity} for a in ln.allocations.all()]})
    return {
        **{f: getattr(o, f) for f in ("id", "number", "status", "terminal_type", "amount_total", "tax_total",
                                      "paid_total", "returned_total", "outstanding", "created_by", "created_at", "submitted_at", "approved_at",
                                      "shipped_on", "received_on", "shipping_address", "notes", "reject_reason",
                                      "carrier", "tracking_no", "cancel_reason")},
        "override_reason": o.override_reason if access == selectors.FULL else "",
        "customer": {"id": o.customer_id, "name": o.customer.name}, "access": access,
        "actions": rules.allowed_actions(o.status, services.capacities_for(actor, o)),
        "lines": lines, "timeline": list(selectors.order_events(o)),
    }


def _full(actor, order_id: int):
    o = selectors.order_get(actor=actor, order_id=order_id)
    if selectors.order_access(actor, o) != selectors.FULL:
        raise NotFound("Order not found.")
    return o


@router.get("", response=OrderPage, summary="Orders I can see (state, customer, product, owner, dates)")
def order_list(request, query: Query[OrderQuery]):
    f = selectors.OrderFilters(status=query.status, customer_id=query.customer_id, product_id=query.product_id,
                               owner_id=query.owner_id, date_from=query.date_from, date_to=query.date_to, q=query.q,
                               sort=query.sort)
    return paginate(selectors.order_list(actor=request.auth, filters=f), query)


@router.post("", response={201: OrderDetailOut}, summary="Create a draft order for a customer I may sell to")
def order_create(request, payload: OrderCreateIn):
    data = payload.model_dump()
    data["lines"] = [{k: v for k, v in ln.items() if v is not None} for ln in data["lines"]]
    o = services.order_create(actor=request.auth, data=data)
    return Status(201, _detail(request.auth, o.pk))


@router.get("/{order_id}", response=OrderDetailOut, summary="One order with its lines, batches and timeline")
def order_get(request, order_id: Id):
    return _detail(request.auth, order_id)


@router.patch("/{order_id}", response=OrderDetailOut, summary="Edit a draft (lines are replaced as a whole)")
def order_update(request, order_id: Id, payload: OrderUpdateIn):
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    if "lines" in data:
        data["lines"] = [{k: v for k, v in ln.items() if v is not None} for ln in data["lines"]]
    services.order_update(actor=request.auth, order_id=order_id, data=data)
    return _detail(request.auth, order_id)


@router.post("/{order_id}/submit", response=OrderDetailOut, summary="draft → submitted (finance is told)")
def order_submit(request, order_id: Id):
    services.order_submit(actor=request.auth, order_id=order_id)
    return _detail(request.auth, order_id)


@router.get("/{order_id}/review", response=ReviewOut, summary="The finance review checks of an order")
def order_review(request, order_id: Id):
    o = _full(request.auth, order_id)
    checks = review.run_checks(o)
    return {"checks": checks, "approvable": not any(not c.passed and c.hard for c in checks),
            "override_needed": any(not c.passed and not c.hard for c in checks)}


@router.post("/{order_id}/approve", response=OrderDetailOut,
             summary="submitted → approved (finance; hard checks must pass, soft ones need an override reason)")
def order_approve(request, order_id: Id, payload: ApproveIn):
    services.order_approve(actor=request.auth, order_id=order_id, override_reason=payload.override_reason)
    return _detail(request.auth, order_id)


@router.post("/{order_id}/reject", response=OrderDetailOut, summary="submitted → draft with a reason (finance)")
def order_reject(request, order_id: Id, payload: ReasonIn):
    services.order_reject(actor=request.auth, order_id=order_id, reason=payload.reason)
    return _detail(request.auth, order_id)


@router.post("/{order_id}/cancel", response=OrderDetailOut, summary="Cancel before outbound, with a reason")
def order_cancel(request, order_id: Id, payload: ReasonIn):
    services.order_cancel(actor=request.auth, order_id=order_id, reason=payload.reason)
    return _detail(request.auth, order_id)


@router.post("/{order_id}/outbound", response=OrderDetailOut,
             summary="approved → outbound issued (warehouse; FEFO batches unless chosen)")
def order_outbound(request, order_id: Id, payload: OutboundIn):
    chosen: dict[int, list] = {}
    for c in payload.chosen:
        chosen.setdefault(c.line_id, []).append((c.batch_id, c.quantity))
    services.order_outbound(actor=request.auth, order_id=order_id, chosen=chosen or None, note=payload.note)
    return _detail(request.auth, order_id)


@router.post("/{order_id}/ship", response=OrderDetailOut, summary="outbound issued → shipped (warehouse)")
def order_ship(request, order_id: Id, payload: ShipIn):
    services.order_ship(actor=request.auth, order_id=order_id, carrier=payload.carrier,
                        tracking_no=payload.tracking_no, shipped_on=payload.shipped_on)
    return _detail(request.auth, order_id)


@router.post("/{order_id}/receive", response=OrderDetailOut, summary="shipped → received")
def order_receive(request, order_id: Id, payload: ReceiveIn):
    services.order_receive(actor=request.auth, order_id=order_id, received_on=payload.received_on, note=payload.note)
    return _detail(request.auth, order_id)


@router.get("/{order_id}/exceptions", response=list[ExceptionOut], summary="The price exceptions of an order")
def exception_list(request, order_id: Id):
    return list(selectors.price_exceptions_of(_full(request.auth, order_id)))


@router.post("/{order_id}/exceptions", response={201: ExceptionOut},
             summary="Ask a head for a price below the floor on a line")
def exception_request(request, order_id: Id, payload: ExceptionIn):
    return Status(201, services.price_exception_request(actor=request.auth, order_id=order_id,
                                                        line_id=payload.line_id, reason=payload.reason))


@router.post("/exceptions/{exception_id}/decide", response=ExceptionOut,
             summary="Approve or refuse a pending price exception (a head above the customer's owner)")
def exception_decide(request, exception_id: Id, payload: DecideIn):
    return services.price_exception_decide(actor=request.auth, exception_id=exception_id, approve=payload.approve,
                                           note=payload.note)


@router.get("/{order_id}/terms", response=TermsOut, summary="The credit terms of the order's customer")
def terms_get(request, order_id: Id):
    o = _full(request.auth, order_id)
    t = services.terms_of(o.customer_id)
    return {"customer_id": o.customer_id, "credit_limit": t.credit_limit, "overdue_days_limit": t.overdue_days_limit,
            "min_shelf_life_days": t.min_shelf_life_days, "outstanding": review.outstanding_of(o.customer_id)}


@router.put("/{order_id}/terms", response=TermsOut, summary="Set the credit terms of the order's customer (finance)")
def terms_put(request, order_id: Id, payload: TermsIn):
    o = _full(request.auth, order_id)
    services.terms_update(actor=request.auth, customer_id=o.customer_id, data=payload.model_dump(exclude_unset=True))
    return terms_get(request, order_id)


@router.get("/{order_id}/attachments", response=list[OrderAttachmentOut],
            summary="The files of an order (warehouse: only their own uploads)")
def attachment_list(request, order_id: Id):
    o = selectors.order_get(actor=request.auth, order_id=order_id)
    return list(selectors.order_attachments(request.auth, o))


@router.post("/{order_id}/attachments", response={201: list[OrderAttachmentOut]},
             summary="Add files to an order (multipart: files, note; PDF, JPG, PNG, WebP)")
def attachment_add(request, order_id: Id, files: File[list[UploadedFile]] = None, note: Form[str] = ""):
    rows = services.order_attachment_add(actor=request.auth, order_id=order_id, files=list(files or []), note=note)
    return Status(201, rows)


@router.get("/{order_id}/attachments/{attachment_id}", response={200: None},
            summary="Download a file of an order (permission-checked)")
def attachment_download(request, order_id: Id, attachment_id: Id):
    att = selectors.order_attachment_get(actor=request.auth, order_id=order_id, attachment_id=attachment_id)
    return stored_file_response(att, download=True)
