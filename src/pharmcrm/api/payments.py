"""The payments and receivables API (回款与应收). Reads go through payments.selectors (finance:
every payment; others the payments of customers they see, read-only), writes through
payments.services (finance and administrators; payment plans also the order's sellers). A
payment, allocation or order the caller cannot see is a 404 on every route; bad input a 400
``{"code", "message", "fields"}``.

Routes with an id use ``payment_id``, ``allocation_id`` or ``sales_order_id`` (the plan routes:
not ``order_id``, which tests/sales/test_api.py reserves for /orders); tests/payments/test_api.py
enumerates them and tries each as another branch.
"""

from __future__ import annotations

from decimal import Decimal

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.payment_schemas import (
    AgeingOut,
    AllocateIn,
    AllocationOut,
    OrderPlanOut,
    PaymentCreateIn,
    PaymentDetailOut,
    PaymentPage,
    PaymentQuery,
    PlanSetIn,
    ProposalOut,
    ReasonIn,
)
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.payments import selectors, services
from pharmcrm.payments.models import PaymentAllocation
from pharmcrm.sales import selectors as order_selectors

router = Router(tags=["payments"])


def _detail(actor, payment_id: int):
    p = selectors.payment_get(actor=actor, payment_id=payment_id)
    p.allocations_out = list(selectors.payment_allocations(p))
    return p


def _allocations(raw):
    return raw if isinstance(raw, str) else [a.model_dump() for a in raw]


@router.get("", response=PaymentPage, summary="Payments I can see (customer, method, status, dates)")
def payment_list(request, query: Query[PaymentQuery]):
    f = selectors.PaymentFilters(customer_id=query.customer_id, method=query.method, status=query.status,
                                 date_from=query.date_from, date_to=query.date_to, q=query.q, sort=query.sort)
    return paginate(selectors.payment_list(actor=request.auth, filters=f), query)


@router.post("", response={201: PaymentDetailOut},
             summary="Record a payment (finance); allocations 'auto' (oldest first) or explicit; the rest is credit")
def payment_create(request, payload: PaymentCreateIn):
    data = payload.model_dump()
    data["allocations"] = _allocations(payload.allocations)
    if data["received_on"] is None:
        data.pop("received_on")
    p = services.payment_record(actor=request.auth, data=data)
    return Status(201, _detail(request.auth, p.pk))


@router.get("/proposal", response=list[ProposalOut],
            summary="The oldest-first allocation the form proposes for an amount paid by a customer")
def proposal(request, customer_id: Id, amount: str):
    customer = services._customer_for(request.auth, customer_id)
    value = services._money(amount, field="amount", label="amount")
    return [{"order_id": o.pk, "number": o.number, "outstanding": o.outstanding, "amount": a}
            for o, a in services.propose(customer.pk, value)]


@router.get("/ageing", response=AgeingOut,
            summary="Receivables ageing (0–30 / 31–60 / 61–90 / >90 days since approval) by customer, owner or "
                    "department")
def ageing(request, group: str = "customer"):
    if group not in selectors.GROUPS:
        raise ApplicationError("group must be customer, owner or department.", code="invalid",
                               fields={"group": ["Choose customer, owner or department."]})
    rows, totals = selectors.ageing(actor=request.auth, group=group)

    def row(r) -> dict:
        return {"id": r.key, "name": r.label, "depth": r.depth, "days_0_30": r.b0, "days_31_60": r.b31,
                "days_61_90": r.b61, "over_90": r.b91, "total": r.total}

    return {"group": group, "rows": [row(r) for r in rows], "totals": row(totals)}


@router.get("/{payment_id}", response=PaymentDetailOut, summary="One payment with its allocations")
def payment_get(request, payment_id: Id):
    return _detail(request.auth, payment_id)


@router.post("/{payment_id}/cancel", response=PaymentDetailOut,
             summary="Cancel a payment (finance, reason required): every allocation is released")
def payment_cancel(request, payment_id: Id, payload: ReasonIn):
    services.payment_cancel(actor=request.auth, payment_id=payment_id, reason=payload.reason)
    return _detail(request.auth, payment_id)


@router.post("/{payment_id}/allocate", response=PaymentDetailOut,
             summary="Allocate the credit left on a payment to orders of its customer (finance)")
def payment_allocate(request, payment_id: Id, payload: AllocateIn):
    services.payment_allocate(actor=request.auth, payment_id=payment_id, allocations=_allocations(payload.allocations))
    return _detail(request.auth, payment_id)


@router.post("/allocations/{allocation_id}/release", response=AllocationOut,
             summary="Release an allocation (finance): the order owes it again, the money is credit again")
def allocation_release(request, allocation_id: Id, payload: ReasonIn):
    a = services.allocation_release(actor=request.auth, allocation_id=allocation_id, reason=payload.reason)
    return PaymentAllocation.objects.select_related("payment", "order", "created_by", "released_by").get(pk=a.pk)


def _plan(actor, order_id: int) -> dict:
    o = order_selectors.order_get(actor=actor, order_id=order_id)
    if order_selectors.order_access(actor, o) != order_selectors.FULL:
        raise NotFound("Order not found.")
    return {"order_id": o.pk, "number": o.number, "amount_total": o.amount_total, "returned_total": o.returned_total,
            "paid_total": o.paid_total, "outstanding": o.outstanding,
            "plans": [{"id": r.plan.pk, "due_on": r.plan.due_on, "amount": r.plan.amount, "note": r.plan.note,
                       "covered": r.covered, "state": r.state} for r in selectors.plan_rows(o)],
            "allocations": list(selectors.order_allocations(o))}


@router.get("/orders/{sales_order_id}/plan", response=OrderPlanOut,
            summary="An order's payments: received, outstanding, allocations and payment plan")
def plan_get(request, sales_order_id: Id):
    return _plan(request.auth, sales_order_id)


@router.put("/orders/{sales_order_id}/plan", response=OrderPlanOut,
            summary="Replace an order's payment plan (its sellers and finance); amounts sum to at most its total")
def plan_put(request, sales_order_id: Id, payload: PlanSetIn):
    _plan(request.auth, sales_order_id)  # 404 for those who see only its shipping data
    services.plan_set(actor=request.auth, order_id=sales_order_id,
                      plans=[{**p.model_dump(), "amount": p.amount if not isinstance(p.amount, Decimal)
                              else str(p.amount)} for p in payload.plans])
    return _plan(request.auth, sales_order_id)
