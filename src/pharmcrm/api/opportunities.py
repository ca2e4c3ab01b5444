"""The opportunities API (销售机会) and the stage table. Reads through opportunities.selectors
(visible exactly when the customer is), writes through opportunities.services. An opportunity
or customer the caller cannot see is a 404 on every route; a move or conversion not allowed
from the current stage is a 400 with code ``illegal_transition``. Routes with an opportunity id
use ``opportunity_id``; tests/opportunities/test_api.py enumerates them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.opportunity_schemas import (
    LikelyQuery,
    MoveIn,
    OpportunityCreateIn,
    OpportunityDetailOut,
    OpportunityOut,
    OpportunityPage,
    OpportunityQuery,
    OpportunityUpdateIn,
    OrderIn,
    StageIn,
    StageOut,
    StageUpdateIn,
)
from pharmcrm.core.errors import ApplicationError
from pharmcrm.opportunities import selectors, services

router = Router(tags=["opportunities"])
stage_router = Router(tags=["opportunities"])


def _detail(actor, opportunity_id: int):
    opp = selectors.opportunity_get(actor=actor, opportunity_id=opportunity_id)
    opp.lines_list = selectors.opportunity_lines(opp)
    opp.history = selectors.stage_history(opp)
    opp.perms = selectors.opportunity_permissions(actor=actor, opp=opp)
    return opp


def _amount(value, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ApplicationError(f"{name}: not a number", fields={name: ["Enter a number."]}) from None
    if not d.is_finite():
        raise ApplicationError(f"{name}: not a number", fields={name: ["Enter a number."]})
    return d


def _lines(lines) -> list[dict]:
    return [{"product_id": ln.product_id, "quantity": str(ln.quantity), "amount": str(ln.amount)} for ln in lines]


@stage_router.get("", response=list[StageOut], summary="The opportunity stages, in order (active_only=false: all)")
def stage_list(request, active_only: bool = True):
    return selectors.stages(active_only=active_only)


@stage_router.post("", response={201: StageOut}, summary="Add a stage (administrators)")
def stage_create(request, payload: StageIn):
    return Status(201, services.stage_create(actor=request.auth, data=payload.model_dump(exclude_none=True)))


@stage_router.patch("/{stage_id}", response=StageOut, summary="Change a stage (administrators)")
def stage_update(request, stage_id: Id, payload: StageUpdateIn):
    return services.stage_update(actor=request.auth, stage_id=stage_id, data=payload.model_dump(exclude_none=True))


@router.get("", response=OpportunityPage, summary="Opportunities I can see (filters, likely to close, sort)")
def opportunity_list(request, query: Query[OpportunityQuery]):
    f = selectors.OpportunityFilters(
        stage_id=query.stage_id, kind=query.kind, owner_id=query.owner_id, scope=query.scope,
        customer_id=query.customer_id, close_from=query.close_from, close_to=query.close_to,
        amount_min=_amount(query.amount_min, "amount_min"), amount_max=_amount(query.amount_max, "amount_max"),
        likely=query.likely, likely_days=query.days, likely_probability=query.p, q=query.q, sort=query.sort)
    return paginate(selectors.opportunity_list(actor=request.auth, filters=f), query)


@router.get("/likely", response=list[OpportunityOut],
            summary="Likely to close soon: mine or my team's (heads), close within `days` with probability ≥ `p`")
def opportunity_likely(request, query: Query[LikelyQuery]):
    return list(selectors.likely_to_close(actor=request.auth, scope=query.scope, days=query.days,
                                          min_probability=query.p)[:query.limit])


@router.post("", response={201: OpportunityDetailOut}, summary="Create an opportunity for a customer I may change")
def opportunity_create(request, payload: OpportunityCreateIn):
    data = payload.model_dump(exclude_none=True)
    data["lines"] = _lines(payload.lines)
    if "expected_close_date" in data:
        data["expected_close_date"] = data["expected_close_date"].isoformat()
    opp = services.opportunity_create(actor=request.auth, data=data)
    return Status(201, _detail(request.auth, opp.pk))


@router.get("/{opportunity_id}", response=OpportunityDetailOut, summary="One opportunity with lines and history")
def opportunity_get(request, opportunity_id: Id):
    return _detail(request.auth, opportunity_id)


@router.patch("/{opportunity_id}", response=OpportunityDetailOut, summary="Edit (not the stage: use move)")
def opportunity_update(request, opportunity_id: Id, payload: OpportunityUpdateIn):
    data = payload.model_dump(exclude_unset=True)
    if payload.lines is not None:
        data["lines"] = _lines(payload.lines)
    if data.get("expected_close_date") is not None:
        data["expected_close_date"] = data["expected_close_date"].isoformat()
    for name in ("next_step", "loss_reason", "competitor"):
        if name in data and data[name] is None:
            data[name] = ""
    for name in ("name", "probability", "owner_id", "expected_amount", "lines"):
        if name in data and data[name] is None:
            del data[name]
    services.opportunity_update(actor=request.auth, opportunity_id=opportunity_id, data=data)
    return _detail(request.auth, opportunity_id)


@router.post("/{opportunity_id}/move", response=OpportunityDetailOut,
             summary="Move to another active stage (the probability follows; lost needs loss_reason)")
def opportunity_move(request, opportunity_id: Id, payload: MoveIn):
    services.opportunity_move(actor=request.auth, opportunity_id=opportunity_id, stage_id=payload.stage_id,
                              loss_reason=payload.loss_reason, competitor=payload.competitor, note=payload.note)
    return _detail(request.auth, opportunity_id)


@router.post("/{opportunity_id}/order", response=OpportunityDetailOut,
             summary="Won → a sales-order draft with the lines at list prices (once)")
def opportunity_order(request, opportunity_id: Id, payload: OrderIn):
    services.opportunity_create_order(actor=request.auth, opportunity_id=opportunity_id,
                                      shipping_address_id=payload.shipping_address_id,
                                      terminal_type=payload.terminal_type)
    return _detail(request.auth, opportunity_id)
