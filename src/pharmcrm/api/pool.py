"""The public pool API (公海). Reads go through customers.pool_selectors (and so org.visibility),
writes through customers.pool_services. A customer the caller cannot see is a 404, exactly as a
missing id; visible but not allowed is a 403; a broken rule (limits, not in the pool) a 400.

The actions take the customer id in the body (``POST /pool/claim {"customer_id": ...}``): they act
on the pool, and a pool customer is, by design, visible to every sales user of its pool.
"""

from __future__ import annotations

from ninja import Query, Router

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.pool_schemas import (
    AssignIn,
    ClaimIn,
    ExemptIn,
    PolicyIn,
    PolicyOut,
    PoolEventOut,
    PoolMoveOut,
    PoolPage,
    PoolQuery,
    QuotaOut,
    ReleaseIn,
    WarningOut,
)
from pharmcrm.customers import pool, pool_selectors
from pharmcrm.customers import pool_services as ps
from pharmcrm.org.services import require_admin

router = Router(tags=["public pool"])


def _move(customer) -> dict:
    return {"customer_id": customer.pk, "in_pool": customer.owner_id is None, "owner": customer.owner,
            "pool_department": customer.pool_department, "pool_exempt": customer.pool_exempt}


@router.get("/pool", response=PoolPage, summary="Customers in the pools I see (paginated, filtered)")
def pool_list(request, query: Query[PoolQuery]):
    filters = pool_selectors.PoolFilters(q=query.q, type=query.type, region=query.region,
                                         released_since=query.released_since, department_id=query.department,
                                         sort=query.sort)
    return paginate(pool_selectors.pool_list(actor=request.auth, filters=filters), query)


@router.get("/pool/quota", response=QuotaOut, summary="How many more customers I may claim today")
def pool_quota(request):
    q = pool_selectors.pool_quota(actor=request.auth)
    return {**q.__dict__, "claims_left": q.claims_left}


@router.get("/pool/warnings", response=list[WarningOut],
            summary="My customers (team=true: my team's) that return to the pool soon unless followed up")
def pool_warnings(request, team: bool = False):
    return pool_selectors.pool_warnings(actor=request.auth, team=team)


@router.post("/pool/release", response=PoolMoveOut, summary="Release a customer to the pool (owner, heads, admins)")
def pool_release(request, payload: ReleaseIn):
    return _move(ps.customer_release(actor=request.auth, customer_id=payload.customer_id, reason=payload.reason))


@router.post("/pool/claim", response=PoolMoveOut, summary="Claim a customer from the pool (limits apply)")
def pool_claim(request, payload: ClaimIn):
    return _move(ps.customer_claim(actor=request.auth, customer_id=payload.customer_id))


@router.post("/pool/assign", response=PoolMoveOut,
             summary="Assign a pool customer to a rep of my team (heads of the pool or above, admins)")
def pool_assign(request, payload: AssignIn):
    return _move(ps.customer_assign_from_pool(actor=request.auth, customer_id=payload.customer_id,
                                              user_id=payload.user_id, reason=payload.reason))


@router.post("/pool/exempt", response=PoolMoveOut,
             summary="Exempt a customer from automatic recycling, or apply the rules again (heads, admins)")
def pool_exempt(request, payload: ExemptIn):
    customer = ps.customer_set_pool_exempt(actor=request.auth, customer_id=payload.customer_id,
                                           exempt=payload.exempt)
    return _move(customer)


@router.get("/pool/policy", response=PolicyOut, summary="The pool's rules (administrators)")
def pool_policy_get(request):
    require_admin(request.auth)
    return pool.policy_get(fresh=True)


@router.patch("/pool/policy", response=PolicyOut, summary="Change the pool's rules (administrators)")
def pool_policy_update(request, payload: PolicyIn):
    return ps.pool_policy_update(actor=request.auth, data=payload.model_dump(exclude_none=True))


@router.get("/customers/{customer_id}/pool-events", response=list[PoolEventOut],
            summary="The customer's pool history: releases, recycling, claims, assignments, warnings")
def customer_pool_events(request, customer_id: Id):
    return list(pool_selectors.pool_events(actor=request.auth, customer_id=customer_id)[:200])
