"""The customers API. Reads go through customers.selectors (and so through org.visibility),
writes through customers.services. A customer the caller cannot see is a 404, on every route.

Routes with a customer id use the path parameter name ``customer_id``: the route-enumerating
test in tests/api relies on it to try every such route as a peer and as another branch.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from pharmcrm.api.common import Id, PageQuery, paginate
from pharmcrm.api.customer_schemas import (
    AuditEventOut,
    CustomerCreateIn,
    CustomerDetailOut,
    CustomerPage,
    CustomerQuery,
    CustomerUpdateIn,
    DeletedCustomerPage,
    ShareIn,
    ShareOut,
    TransferIn,
    TransferOut,
)
from pharmcrm.core.audit import audit_customer_history
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers import selectors, services

router = Router(tags=["customers"])


def _detail(actor, customer_id: int):
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    customer.permissions = selectors.customer_permissions(actor=actor, customer=customer)
    return customer


# Fixed paths first: "/recycle-bin" and "/transfer" must not be taken for a customer id.

@router.get("/recycle-bin", response=DeletedCustomerPage, summary="Deleted customers I may restore")
def customer_recycle_bin(request, page: Query[PageQuery]):
    return paginate(selectors.customer_recycle_bin(actor=request.auth), page)


@router.post("/transfer", response=TransferOut, summary="Transfer customers to other users (heads, administrators)")
def customer_transfer(request, payload: TransferIn):
    whole = payload.from_user_id is not None or payload.to_user_id is not None
    if whole == (payload.assignments is not None):
        msg = _('Send either "from_user_id" and "to_user_id", or "assignments".')
        raise ApplicationError(msg, code="invalid", fields={"assignments": [msg]})
    if whole:
        missing = [f for f in ("from_user_id", "to_user_id") if getattr(payload, f) is None]
        if missing:
            raise ApplicationError(_("This field is required."), code="required",
                                   fields={f: [_("This field is required.")] for f in missing})
        log = services.customer_transfer_all(
            actor=request.auth, from_user_id=payload.from_user_id, to_user_id=payload.to_user_id,
            keep_shares=payload.keep_shares, reason=payload.reason.strip(),
        )
    else:
        log = services.customer_transfer(
            actor=request.auth,
            assignments=[services.TransferAssignment(customer_ids=list(a.customer_ids), to_user_id=a.to_user_id)
                         for a in payload.assignments],
            keep_shares=payload.keep_shares, reason=payload.reason.strip(),
        )
    return {"transfer_id": log.pk if log else None, "customer_count": log.customer_count if log else 0}


@router.get("", response=CustomerPage, summary="Customers I can see (paginated, filtered, sorted)")
def customer_list(request, query: Query[CustomerQuery]):
    filters = selectors.CustomerFilters(
        q=query.q, owner_id=query.owner, department_id=query.department, status=query.status,
        type=query.type, grade=query.grade, region=query.region, sort=query.sort,
    )
    return paginate(selectors.customer_list(actor=request.auth, filters=filters), query)


@router.post("", response={201: CustomerDetailOut}, summary="Create a customer")
def customer_create(request, payload: CustomerCreateIn):
    data = payload.model_dump()
    owner_id = data.pop("owner_id")
    customer = services.customer_create(actor=request.auth, data=data, owner_id=owner_id)
    return Status(201, _detail(request.auth, customer.pk))


@router.get("/{customer_id}", response=CustomerDetailOut, summary="One customer, with my permissions on it")
def customer_get(request, customer_id: Id):
    return _detail(request.auth, customer_id)


@router.patch("/{customer_id}", response=CustomerDetailOut, summary="Change a customer's fields")
def customer_update(request, customer_id: Id, payload: CustomerUpdateIn):
    services.customer_update(actor=request.auth, customer_id=customer_id,
                             data=payload.model_dump(exclude_unset=True))
    return _detail(request.auth, customer_id)


@router.delete("/{customer_id}", response={204: None}, summary="Move a customer to the recycle bin")
def customer_delete(request, customer_id: Id):
    services.customer_delete(actor=request.auth, customer_id=customer_id)
    return Status(204, None)


@router.post("/{customer_id}/restore", response=CustomerDetailOut, summary="Restore a customer from the recycle bin")
def customer_restore(request, customer_id: Id):
    services.customer_restore(actor=request.auth, customer_id=customer_id)
    return _detail(request.auth, customer_id)


@router.get("/{customer_id}/history", response=list[AuditEventOut], summary="The customer's audit history")
def customer_history(request, customer_id: Id):
    selectors.customer_get(actor=request.auth, customer_id=customer_id)
    return list(audit_customer_history(customer_id=customer_id))


@router.get("/{customer_id}/shares", response=list[ShareOut], summary="Who the customer is shared with")
def customer_share_list(request, customer_id: Id):
    return list(selectors.customer_shares(actor=request.auth, customer_id=customer_id))


@router.post("/{customer_id}/shares", response={201: ShareOut},
             summary="Share a customer with a user or a share group (or change the access)")
def customer_share_create(request, customer_id: Id, payload: ShareIn):
    share = services.share_create(actor=request.auth, customer_id=customer_id, **payload.model_dump())
    return Status(201, share)


@router.delete("/{customer_id}/shares/{share_id}", response={204: None}, summary="Stop sharing")
def customer_share_delete(request, customer_id: Id, share_id: Id):
    services.share_delete(actor=request.auth, customer_id=customer_id, share_id=share_id)
    return Status(204, None)
