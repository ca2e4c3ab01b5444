"""The tenders (投标) and platform listings (挂网) API. Reads go through tenders.selectors
(``visible_tenders``: a tender tied to a customer is visible when its customer is; one without
by its owner, the heads above, shares, tender specialists and administrators), writes through
tenders.services. An invisible tender is a 404 on every route; errors are structured.

Routes with a tender id use ``tender_id``; tests/tenders/test_api.py enumerates them."""

from __future__ import annotations

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.tender_schemas import (
    CompetitorIn,
    DecideIn,
    ExceptionOut,
    ExceptionRequestIn,
    LineIn,
    LineOut,
    ListingActionIn,
    ListingCreateIn,
    ListingFieldsIn,
    ListingOut,
    ListingPage,
    ListingQuery,
    LoseIn,
    NoteIn,
    StatRow,
    StatsQuery,
    TenderCreateIn,
    TenderDetailOut,
    TenderFieldsIn,
    TenderPage,
    TenderQuery,
    WinIn,
)
from pharmcrm.core.errors import NotFound
from pharmcrm.tenders import listing_services, selectors, services, stats
from pharmcrm.tenders.models import TenderPriceException

router = Router(tags=["tenders"])
listing_router = Router(tags=["platform listings"])


def _detail(actor, tender_id: int):
    tender = selectors.tender_get(actor=actor, tender_id=tender_id)
    tender.has_renewal = tender.renewals.exists()
    lines = selectors.tender_lines(tender=tender)
    below = {b["line"].pk: b for b in services.below_floor(tender, lines)}
    for ln in lines:
        ln.below_floor = ln.pk in below
        ln.floor_approved = bool(below.get(ln.pk, {}).get("approved"))
    tender.lines_out = lines
    tender.can_write = selectors.can_write(actor, tender)
    tender.actions = services.allowed_actions(tender, can_write=tender.can_write)
    tender.events_out = selectors.tender_events(tender=tender)
    tender.exceptions_out = list(TenderPriceException.objects.filter(tender=tender)
                                 .select_related("requested_by", "decided_by").order_by("id"))
    return tender


@router.get("", response=TenderPage, summary="Tenders I can see (filters, sort, pagination)")
def tender_list(request, query: Query[TenderQuery]):
    f = selectors.TenderFilters(status=query.status, type=query.type, province=query.province,
                                owner_id=query.owner_id, customer_id=query.customer_id,
                                deadline_days=query.deadline_days, q=query.q, sort=query.sort)
    return paginate(selectors.tender_list(actor=request.auth, filters=f), query)


@router.post("", response={201: TenderDetailOut}, summary="Create a tender (tracking)")
def tender_create(request, payload: TenderCreateIn):
    tender = services.tender_create(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return Status(201, _detail(request.auth, tender.pk))


@router.get("/stats", response=list[StatRow], summary="Win rate and won amount by owner, product, province, type, "
                                                      "month or year (result date), of the tenders I see")
def tender_stats(request, query: Query[StatsQuery]):
    return stats.tender_stats(actor=request.auth, by=query.by, date_from=query.date_from, date_to=query.date_to)


@router.get("/{tender_id}", response=TenderDetailOut, summary="One tender with lines, timeline and approvals")
def tender_get(request, tender_id: Id):
    return _detail(request.auth, tender_id)


@router.patch("/{tender_id}", response=TenderDetailOut, summary="Change a tender (only the fields sent)")
def tender_update(request, tender_id: Id, payload: TenderFieldsIn):
    data = payload.model_dump(exclude_unset=True)
    for name in ("name", "type", "province"):
        if name in data and data[name] is None:
            del data[name]
    services.tender_update(actor=request.auth, tender_id=tender_id, data=data)
    return _detail(request.auth, tender_id)


@router.post("/{tender_id}/lines", response={201: LineOut}, summary="Add a product line (before submission)")
def line_add(request, tender_id: Id, payload: LineIn):
    line = services.tender_line_add(actor=request.auth, tender_id=tender_id, data=payload.model_dump(exclude_none=True))
    return Status(201, _line(request.auth, tender_id, line.pk))


def _line(actor, tender_id: int, line_id: int):
    tender = selectors.tender_get(actor=actor, tender_id=tender_id)
    lines = [ln for ln in selectors.tender_lines(tender=tender) if ln.pk == line_id]
    if not lines:
        raise NotFound("Tender line not found.")
    below = {b["line"].pk: b for b in services.below_floor(tender, lines)}
    lines[0].below_floor = line_id in below
    lines[0].floor_approved = bool(below.get(line_id, {}).get("approved"))
    return lines[0]


def _own_line(actor, tender_id: int, line_id: int) -> None:
    tender = selectors.tender_get(actor=actor, tender_id=tender_id)
    if not tender.lines.filter(pk=line_id).exists():
        raise NotFound("Tender line not found.")


@router.patch("/{tender_id}/lines/{line_id}", response=LineOut,
              summary="Change a line (before submission; winning price and result any time)")
def line_update(request, tender_id: Id, line_id: Id, payload: LineIn):
    _own_line(request.auth, tender_id, line_id)
    services.tender_line_update(actor=request.auth, line_id=line_id, data=payload.model_dump(exclude_unset=True))
    return _line(request.auth, tender_id, line_id)


@router.delete("/{tender_id}/lines/{line_id}", response={204: None}, summary="Remove a line (before submission)")
def line_remove(request, tender_id: Id, line_id: Id):
    _own_line(request.auth, tender_id, line_id)
    services.tender_line_remove(actor=request.auth, line_id=line_id)
    return Status(204, None)


@router.post("/{tender_id}/lines/{line_id}/competitors", response={201: LineOut},
             summary="Record a competitor's price on a line")
def competitor_add(request, tender_id: Id, line_id: Id, payload: CompetitorIn):
    _own_line(request.auth, tender_id, line_id)
    services.competitor_price_add(actor=request.auth, line_id=line_id, competitor=payload.competitor,
                                  price=payload.price)
    return Status(201, _line(request.auth, tender_id, line_id))


@router.post("/{tender_id}/lines/{line_id}/exception", response={201: ExceptionOut},
             summary="Ask the heads above the owner to approve a bid below the floor price")
def exception_request(request, tender_id: Id, line_id: Id, payload: ExceptionRequestIn):
    _own_line(request.auth, tender_id, line_id)
    return Status(201, services.price_exception_request(actor=request.auth, line_id=line_id, reason=payload.reason))


@router.post("/{tender_id}/exceptions/{exception_id}/decide", response=ExceptionOut,
             summary="Approve or refuse a below-floor bid (a head above the owner, or an administrator)")
def exception_decide(request, tender_id: Id, exception_id: Id, payload: DecideIn):
    tender = selectors.tender_get(actor=request.auth, tender_id=tender_id)
    if not tender.price_exceptions.filter(pk=exception_id).exists():
        raise NotFound("Price exception not found.")
    return services.price_exception_decide(actor=request.auth, exception_id=exception_id, approve=payload.approve,
                                           note=payload.note)


def _simple(action):
    def handler(request, tender_id: Id, payload: NoteIn):
        services.ACTION_SERVICES[action](actor=request.auth, tender_id=tender_id, note=payload.note)
        return _detail(request.auth, tender_id)

    handler.__name__ = f"tender_{action}"
    return handler


for _action, _summary in (("register", "tracking → registered"), ("prepare", "registered → preparing"),
                          ("submit", "preparing → submitted (bids below the floor need an approval)"),
                          ("cancel", "tracking … submitted → cancelled"), ("execute", "won → executing"),
                          ("expire", "executing → expired")):
    router.post(f"/{{tender_id}}/{_action}", response=TenderDetailOut, summary=_summary)(_simple(_action))


@router.post("/{tender_id}/win", response=TenderDetailOut,
             summary="submitted → won (a winning price on at least one line)")
def tender_win(request, tender_id: Id, payload: WinIn):
    services.tender_win(actor=request.auth, tender_id=tender_id, winning_prices=payload.winning_prices,
                        won_amount=payload.won_amount, note=payload.note)
    return _detail(request.auth, tender_id)


@router.post("/{tender_id}/lose", response=TenderDetailOut, summary="submitted → lost (with the reason)")
def tender_lose(request, tender_id: Id, payload: LoseIn):
    services.tender_lose(actor=request.auth, tender_id=tender_id, reason=payload.reason)
    return _detail(request.auth, tender_id)


@router.post("/{tender_id}/renew", response={201: TenderDetailOut},
             summary="Create the next round of an executing or expired tender (once)")
def tender_renew(request, tender_id: Id, payload: NoteIn):
    new = services.tender_renew(actor=request.auth, tender_id=tender_id, note=payload.note)
    return Status(201, _detail(request.auth, new.pk))


# --- platform listings -----------------------------------------------------------------------

@listing_router.get("", response=ListingPage, summary="Platform listings (every internal user reads them)")
def listing_list(request, query: Query[ListingQuery]):
    f = selectors.ListingFilters(product_id=query.product_id, province=query.province, status=query.status,
                                 q=query.q, sort=query.sort)
    return paginate(selectors.listing_list(actor=request.auth, filters=f), query)


@listing_router.post("", response={201: ListingOut},
                     summary="Create a listing (tender specialists, sales admins, administrators)")
def listing_create(request, payload: ListingCreateIn):
    listing = listing_services.listing_create(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return Status(201, selectors.listing_get(actor=request.auth, listing_id=listing.pk))


@listing_router.get("/{listing_id}", response=ListingOut, summary="One listing")
def listing_get(request, listing_id: Id):
    return selectors.listing_get(actor=request.auth, listing_id=listing_id)


@listing_router.patch("/{listing_id}", response=ListingOut, summary="Change a listing (only the fields sent)")
def listing_update(request, listing_id: Id, payload: ListingFieldsIn):
    listing_services.listing_update(actor=request.auth, listing_id=listing_id,
                                    data=payload.model_dump(exclude_unset=True))
    return selectors.listing_get(actor=request.auth, listing_id=listing_id)


@listing_router.post("/{listing_id}/{action}", response=ListingOut,
                     summary="apply, list, suspend or delist (suspended → listed resumes; delisted is final)")
def listing_action(request, listing_id: Id, action: str, payload: ListingActionIn):
    listing_services.listing_transition(actor=request.auth, listing_id=listing_id, action=action, on=payload.on)
    return selectors.listing_get(actor=request.auth, listing_id=listing_id)
