"""The contacts API. Reads go through contacts.selectors (a contact is visible when one of its
employments is at a customer the caller sees), writes through contacts.services. A contact or
customer the caller cannot see is a 404, on every route.

Routes with a contact id use the path parameter name ``contact_id``; the route-enumerating
test in tests/contacts relies on it to try every such route as a peer and as another branch.
"""

from __future__ import annotations

import datetime

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, PageQuery, paginate
from pharmcrm.api.contact_schemas import (
    ContactCreateIn,
    ContactDetailOut,
    ContactMoveIn,
    ContactPage,
    ContactQuery,
    ContactUpdateIn,
    CustomerContactsOut,
    DeletedContactPage,
    EmploymentAddIn,
    EmploymentDetailOut,
    EmploymentEndIn,
    EmploymentUpdateIn,
    InteractionOut,
    OccasionOut,
)
from pharmcrm.contacts import selectors, services
from pharmcrm.contacts.interactions import contact_interactions
from pharmcrm.contacts.occasions import contact_birthdays
from pharmcrm.contacts.validation import today

router = Router(tags=["contacts"])
customer_router = Router(tags=["contacts"])


def _detail(actor, contact_id: int):
    contact = selectors.contact_get(actor=actor, contact_id=contact_id)
    employments = selectors.contact_employments(actor=actor, contact=contact)
    writable = selectors.writable_customer_ids(actor, {e.customer_id for e in employments})
    for e in employments:
        e.can_change = e.customer_id in writable
    contact.seen_employments = employments
    contact.permissions = selectors.contact_permissions(actor=actor, contact=contact)
    return contact


# Fixed paths first: "/recycle-bin" and "/birthdays" must not be taken for a contact id.

@router.get("/recycle-bin", response=DeletedContactPage, summary="Deleted contacts I can see")
def contact_recycle_bin(request, page: Query[PageQuery]):
    return paginate(selectors.contact_recycle_bin(actor=request.auth), page)


@router.get("/birthdays", response=list[OccasionOut],
            summary="Birthdays and care dates in the coming days (of contacts I can see)")
def contact_birthday_list(request, start: datetime.date | None = None, days: int = Query(7, ge=1, le=366),
                          current_only: bool = False):
    rows = contact_birthdays(actor=request.auth, start=start or today(), days=days, current_only=current_only)
    return [
        {"date": o.date, "kind": o.kind, "label": o.label, "contact_id": o.contact.pk,
         "contact_name": o.contact.name, "years": o.years, "days_away": o.days_away,
         "employments": o.contact.seen_employments}
        for o in rows
    ]


@router.get("", response=ContactPage, summary="Contacts I can see (paginated, filtered, sorted)")
def contact_list(request, query: Query[ContactQuery]):
    filters = selectors.ContactFilters(q=query.q, customer_id=query.customer, role=query.role,
                                       status=query.status, birthday=query.birthday, sort=query.sort)
    return paginate(selectors.contact_list(actor=request.auth, filters=filters), query)


@router.post("", response={201: ContactDetailOut}, summary="Create a contact with their first employment")
def contact_create(request, payload: ContactCreateIn):
    data = payload.model_dump(exclude={"customer_id", "employment", "care_dates"}, exclude_none=True)
    contact = services.contact_create(
        actor=request.auth, customer_id=payload.customer_id, data=data,
        employment=payload.employment.model_dump(),
        care_dates=[c.model_dump() for c in payload.care_dates],
    )
    return Status(201, _detail(request.auth, contact.pk))


@router.get("/{contact_id}", response=ContactDetailOut, summary="One contact with the employments I can see")
def contact_get(request, contact_id: Id):
    return _detail(request.auth, contact_id)


@router.patch("/{contact_id}", response=ContactDetailOut, summary="Change a contact's fields (and care dates)")
def contact_update(request, contact_id: Id, payload: ContactUpdateIn):
    data = payload.model_dump(exclude_unset=True, exclude={"care_dates"})
    care = payload.care_dates
    services.contact_update(actor=request.auth, contact_id=contact_id, data=data,
                            care_dates=None if care is None else [c.model_dump() for c in care])
    return _detail(request.auth, contact_id)


@router.delete("/{contact_id}", response={204: None}, summary="Move a contact to the recycle bin")
def contact_delete(request, contact_id: Id):
    services.contact_delete(actor=request.auth, contact_id=contact_id)
    return Status(204, None)


@router.post("/{contact_id}/restore", response=ContactDetailOut, summary="Restore a contact from the recycle bin")
def contact_restore(request, contact_id: Id):
    services.contact_restore(actor=request.auth, contact_id=contact_id)
    return _detail(request.auth, contact_id)


@router.post("/{contact_id}/move", response=ContactDetailOut,
             summary="Moves to another company: end one employment and start another, in one action")
def contact_move(request, contact_id: Id, payload: ContactMoveIn):
    data = {"title": payload.title, "role_other": payload.role_other, "is_primary": payload.is_primary}
    if payload.role is not None:
        data["role"] = payload.role
    services.contact_move(actor=request.auth, contact_id=contact_id, from_employment_id=payload.from_employment_id,
                          to_customer_id=payload.to_customer_id, date=payload.date, data=data)
    return _detail(request.auth, contact_id)


@router.post("/{contact_id}/employments", response={201: EmploymentDetailOut},
             summary="Add an employment (current or past) at a customer I may change")
def employment_add(request, contact_id: Id, payload: EmploymentAddIn):
    data = payload.model_dump(exclude={"customer_id"})
    emp = services.employment_add(actor=request.auth, contact_id=contact_id, customer_id=payload.customer_id,
                                  data=data)
    emp.can_change = True
    return Status(201, emp)


@router.patch("/{contact_id}/employments/{employment_id}", response=EmploymentDetailOut,
              summary="Correct an employment")
def employment_update(request, contact_id: Id, employment_id: Id, payload: EmploymentUpdateIn):
    emp = services.employment_update(actor=request.auth, contact_id=contact_id, employment_id=employment_id,
                                     data=payload.model_dump(exclude_unset=True))
    emp.can_change = True
    return emp


@router.post("/{contact_id}/employments/{employment_id}/end", response=EmploymentDetailOut,
             summary="The contact left this customer (a former contact from now on)")
def employment_end(request, contact_id: Id, employment_id: Id, payload: EmploymentEndIn):
    emp = services.employment_end(actor=request.auth, contact_id=contact_id, employment_id=employment_id,
                                  end_date=payload.end_date)
    emp.can_change = True
    return emp


@router.get("/{contact_id}/interactions", response=list[InteractionOut],
            summary="Everything that happened with this contact that I may see, newest first")
def contact_interaction_list(request, contact_id: Id):
    contact = selectors.contact_get(actor=request.auth, contact_id=contact_id)
    return [
        {"when": i.when, "kind": i.kind, "title": i.title,
         "customer": {"id": i.customer_id, "name": i.customer_name} if i.customer_id else None,
         "actor": i.actor_name, "text": i.text,
         "changes": [{"field": f, "old": o, "new": n} for f, o, n in i.changes]}
        for i in contact_interactions(actor=request.auth, contact=contact)
    ]


# --- below /customers ----------------------------------------------------------------------

def _customer_contact(e) -> dict:
    c = e.contact
    return {"employment_id": e.pk, "contact_id": c.pk, "name": c.name, "mobile": c.mobile, "phone": c.phone,
            "wechat": c.wechat, "title": e.title, "role": e.role, "role_label": e.role_text,
            "start_date": e.start_date, "end_date": e.end_date, "is_primary": e.is_primary}


@customer_router.get("/{customer_id}/contacts", response=CustomerContactsOut,
                     summary="A customer's contacts: current and former")
def customer_contacts(request, customer_id: Id):
    current, former = selectors.customer_contacts(actor=request.auth, customer_id=customer_id)
    return {"current": [_customer_contact(e) for e in current], "former": [_customer_contact(e) for e in former]}

