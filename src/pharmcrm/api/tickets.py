"""The service-tickets API (服务记录). Reads go through tickets.selectors (a ticket is visible
exactly when its customer is), writes through tickets.services. A ticket or customer the caller
cannot see is a 404 on every route; an illegal transition is a 400 with code
``illegal_transition``.

Routes with a ticket id use the path parameter name ``ticket_id``; tests/tickets/test_api.py
enumerates them and tries each as a peer and as another branch.
"""

from __future__ import annotations

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.ticket_schemas import (
    AssignIn,
    CloseIn,
    CommentIn,
    EventOut,
    NoteIn,
    ReopenIn,
    ResolveIn,
    TicketCreateIn,
    TicketDetailOut,
    TicketPage,
    TicketQuery,
    TicketUpdateIn,
)
from pharmcrm.tickets import selectors, services

router = Router(tags=["service tickets"])


def _detail(actor, ticket_id: int):
    ticket = selectors.ticket_get(actor=actor, ticket_id=ticket_id)
    ticket.permissions = selectors.ticket_permissions(actor=actor, ticket=ticket)
    ticket.timeline = selectors.ticket_events(ticket=ticket)
    return ticket


@router.get("", response=TicketPage, summary="Service tickets I can see (filters, sort, pagination)")
def ticket_list(request, query: Query[TicketQuery]):
    filters = selectors.TicketFilters(
        status=query.status, type=query.type, priority=query.priority,
        assignee_id=request.auth.pk if query.mine else query.assignee_id, overdue=query.overdue,
        customer_id=query.customer_id, q=query.q, sort=query.sort)
    return paginate(selectors.ticket_list(actor=request.auth, filters=filters), query)


@router.post("", response={201: TicketDetailOut},
             summary="Open a ticket for a customer I may change (due time from the SLA table)")
def ticket_create(request, payload: TicketCreateIn):
    data = payload.model_dump(exclude={"customer_id"}, exclude_none=True)
    ticket = services.ticket_create(actor=request.auth, customer_id=payload.customer_id, data=data)
    return Status(201, _detail(request.auth, ticket.pk))


@router.get("/{ticket_id}", response=TicketDetailOut, summary="One ticket with its timeline")
def ticket_get(request, ticket_id: Id):
    return _detail(request.auth, ticket_id)


@router.patch("/{ticket_id}", response=TicketDetailOut,
              summary="Edit a ticket that is not closed (type/priority recompute the due time)")
def ticket_update(request, ticket_id: Id, payload: TicketUpdateIn):
    data = payload.model_dump(exclude_unset=True)
    for name in ("type", "priority", "title"):
        if name in data and data[name] is None:
            del data[name]  # required: null keeps it
    for name in ("description", "batch_no"):
        if name in data and data[name] is None:
            data[name] = ""
    services.ticket_update(actor=request.auth, ticket_id=ticket_id, data=data)
    return _detail(request.auth, ticket_id)


@router.post("/{ticket_id}/start", response=TicketDetailOut, summary="open → in progress")
def ticket_start(request, ticket_id: Id, payload: NoteIn):
    services.ticket_start(actor=request.auth, ticket_id=ticket_id, note=payload.note)
    return _detail(request.auth, ticket_id)


@router.post("/{ticket_id}/resolve", response=TicketDetailOut,
             summary="open / in progress → resolved (a resolution is required)")
def ticket_resolve(request, ticket_id: Id, payload: ResolveIn):
    services.ticket_resolve(actor=request.auth, ticket_id=ticket_id, resolution=payload.resolution)
    return _detail(request.auth, ticket_id)


@router.post("/{ticket_id}/close", response=TicketDetailOut,
             summary="resolved → closed, with the customer's satisfaction (1–5) and comment")
def ticket_close(request, ticket_id: Id, payload: CloseIn):
    services.ticket_close(actor=request.auth, ticket_id=ticket_id, satisfaction=payload.satisfaction,
                          comment=payload.comment)
    return _detail(request.auth, ticket_id)


@router.post("/{ticket_id}/reopen", response=TicketDetailOut,
             summary="resolved / closed → in progress (closed: only who may change the customer)")
def ticket_reopen(request, ticket_id: Id, payload: ReopenIn):
    services.ticket_reopen(actor=request.auth, ticket_id=ticket_id, note=payload.note)
    return _detail(request.auth, ticket_id)


@router.post("/{ticket_id}/assign", response=TicketDetailOut,
             summary="Hand the ticket to another active user who can see the customer")
def ticket_assign(request, ticket_id: Id, payload: AssignIn):
    services.ticket_assign(actor=request.auth, ticket_id=ticket_id, assignee_id=payload.assignee_id,
                           note=payload.note)
    return _detail(request.auth, ticket_id)


@router.get("/{ticket_id}/events", response=list[EventOut], summary="The ticket's timeline, oldest first")
def ticket_events(request, ticket_id: Id):
    return selectors.ticket_events(ticket=selectors.ticket_get(actor=request.auth, ticket_id=ticket_id))


@router.post("/{ticket_id}/comments", response={201: EventOut},
             summary="Add a comment (the assignee, or someone who may change the customer)")
def ticket_comment_add(request, ticket_id: Id, payload: CommentIn):
    return Status(201, services.ticket_comment_add(actor=request.auth, ticket_id=ticket_id, text=payload.text))
