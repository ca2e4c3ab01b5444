"""Duplicate check, conflicts (撞单申诉) and merge. Mounted at /customers BEFORE the customers
router, so "/customers/conflicts" is never taken for a customer id.

A duplicate match names the owner and department only; ``customer_id``/``customer_name``
appear only when the caller can see the customer. A conflict the caller may not see is a 404
(the path parameter is ``conflict_id``; tests/api/test_conflicts_api.py tries every such
route as an outsider).
"""

from __future__ import annotations

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.conflict_schemas import (
    ConflictDecideIn,
    ConflictOut,
    ConflictPage,
    ConflictQuery,
    ConflictRaiseIn,
    DuplicateCheckIn,
    DuplicateCheckOut,
    MergeIn,
    MergeOut,
)
from pharmcrm.customers import conflict_selectors as selectors
from pharmcrm.customers import conflicts, duplicates, merge

router = Router(tags=["duplicates"])


def _customer(c):
    if c is None:
        return None
    return {"id": c.pk, "name": c.name, "phone": c.phone, "credit_code": c.credit_code, "address": c.address,
            "owner": c.owner, "deleted": c.deleted_at is not None}


def conflict_out(view: selectors.ConflictView) -> dict:
    c = view.conflict
    owner = c.customer.owner
    return {
        "id": c.pk, "status": c.status, "created_at": c.created_at, "claimant": c.claimant,
        "claimant_department": c.claimant.department.name if c.claimant.department_id else "",
        "owner_name": (owner.full_name or owner.username) if owner else duplicates.POOL_OWNER,
        "owner_department": c.customer.owner_department.name if c.customer.owner_department_id else "",
        "matched_on": c.matched_on, "reason": c.reason,
        "arbiter_department": c.arbiter_department.name if c.arbiter_department_id else None,
        "decided_by": c.decided_by, "decided_at": c.decided_at, "decision_note": c.decision_note,
        "can_decide": view.can_decide, "can_withdraw": view.can_withdraw,
        "customer": _customer(view.existing), "claimant_customer": _customer(view.claimant_record),
        "data": c.data if view.show_data else None,
    }


def _one(actor, conflict_id: int) -> dict:
    conflict = selectors.conflict_get(actor=actor, conflict_id=conflict_id)
    return conflict_out(selectors.conflict_sides(actor=actor, conflict=conflict))


@router.post("/duplicate-check", response=DuplicateCheckOut, exclude_none=True,
             summary="Who already has this customer? (name, credit code, phone)")
def duplicate_check(request, payload: DuplicateCheckIn):
    matches = duplicates.duplicate_find(actor=request.auth, name=payload.name, credit_code=payload.credit_code,
                                        phone=payload.phone, exclude_id=payload.exclude_id)
    return {"duplicate": bool(matches), "matches": [m.as_dict() for m in matches]}


@router.post("/merge", response=MergeOut, summary="Merge one customer into another (both must be yours to manage)")
def customer_merge(request, payload: MergeIn):
    result = merge.customer_merge(actor=request.auth, source_id=payload.source_id, target_id=payload.target_id)
    return {"target_id": result.target.pk, "source_id": result.source.pk, "moved": result.moved,
            "kept_on_source": result.kept, "filled": result.filled}


@router.get("/conflicts", response=ConflictPage, summary="Duplicate conflicts (撞单申诉)")
def conflict_list(request, query: Query[ConflictQuery]):
    page = paginate(selectors.conflict_list(actor=request.auth, box=query.box, status=query.status), query)
    views = selectors.conflict_views(actor=request.auth, conflicts=page["items"])
    page["items"] = [conflict_out(v) for v in views]
    return page


@router.post("/conflicts", response={201: ConflictOut},
             summary="Raise a conflict about a duplicate match (撞单申诉)")
def conflict_raise(request, payload: ConflictRaiseIn):
    conflict = conflicts.conflict_raise(
        actor=request.auth, ref=payload.ref, data=payload.data.model_dump(), reason=payload.reason,
        claimant_customer_id=payload.claimant_customer_id,
    )
    return Status(201, _one(request.auth, conflict.pk))


@router.get("/conflicts/{conflict_id}", response=ConflictOut, summary="One conflict")
def conflict_get(request, conflict_id: Id):
    return _one(request.auth, conflict_id)


@router.post("/conflicts/{conflict_id}/withdraw", response=ConflictOut,
             summary="Withdraw my conflict")
def conflict_withdraw(request, conflict_id: Id):
    conflicts.conflict_withdraw(actor=request.auth, conflict_id=conflict_id)
    return _one(request.auth, conflict_id)


@router.post("/conflicts/{conflict_id}/decide", response=ConflictOut,
             summary="Decide a conflict: keep, transfer to the claimant, or merge (arbiters)")
def conflict_decide(request, conflict_id: Id, payload: ConflictDecideIn):
    conflicts.conflict_decide(actor=request.auth, conflict_id=conflict_id, decision=payload.decision,
                              note=payload.note)
    return _one(request.auth, conflict_id)
