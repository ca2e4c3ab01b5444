"""The agency agreements API (/api/v1/agreements). Reads go through agency.selectors (visible
exactly when the agent customer is), writes through agency.services. An agreement the caller
cannot see is a 404 on every route.

Routes with an agreement id use the path parameter name ``agreement_id``: the route-enumerating
test in tests/agency/test_api_routes.py relies on it.

Putting an exclusive agreement in force (or moving its dates) may be refused with 400 and
``code: "exclusive_overlap"`` plus ``conflicts``: what the caller may know of each conflicting
agreement (see agency.conflicts).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from pharmcrm.agency import availability, selectors, services
from pharmcrm.agency.conflicts import OverlapError
from pharmcrm.agency.selectors import AgreementFilters
from pharmcrm.api.agency_schemas import (
    AgreementCreateIn,
    AgreementDetailOut,
    AgreementPage,
    AgreementQuery,
    AgreementUpdateIn,
    AuditEventOut,
    AvailabilityOut,
    ConflictOut,
    DepositIn,
    HospitalIn,
    HospitalOut,
    LineIn,
    LineOut,
    LineUpdateIn,
    OverlapErrorOut,
    RegionIn,
    RegionOut,
    TerminateIn,
)
from pharmcrm.api.common import Id, paginate
from pharmcrm.core import regions
from pharmcrm.core.audit import audit_history
from pharmcrm.core.errors import ApplicationError

router = Router(tags=["agreements"])


def _detail(actor, agreement_id: int):
    agreement = selectors.agreement_get(actor=actor, agreement_id=agreement_id)
    agreement.permissions = selectors.agreement_permissions(actor=actor, agreement=agreement)
    return agreement


def _overlap(exc: OverlapError):
    return Status(400, {"code": exc.code, "message": exc.message, "fields": exc.fields, "conflicts": exc.conflicts})


# Fixed paths first: "/availability" must not be taken for an agreement id.

@router.get("/availability", response=list[AvailabilityOut],
            summary="Which of an agent's wanted regions are free, taken or taken by itself")
def agreement_availability(request, customer_id: Id):
    return availability.wanted_region_availability(actor=request.auth, customer_id=customer_id)


@router.get("", response=AgreementPage, summary="Agreements I can see (paginated, filtered, sorted)")
def agreement_list(request, query: Query[AgreementQuery]):
    region = query.region.strip()
    if region and regions.region_get(region) is None:
        msg = _("Unknown region.")
        raise ApplicationError(msg, code="invalid_region", fields={"region": [msg]})
    filters = AgreementFilters(
        q=query.q, status=query.status, agent_id=query.agent, product_id=query.product,
        region_code=region, exclusive=query.exclusive, expiring_days=query.expiring_within,
        sort=query.sort,
    )
    return paginate(selectors.agreement_list(actor=request.auth, filters=filters), query)


@router.post("", response={201: AgreementDetailOut}, summary="Create a draft agreement (with lines and territory)")
def agreement_create(request, payload: AgreementCreateIn):
    data = payload.model_dump(exclude={"agent_id", "lines", "regions", "hospital_ids"})
    agreement = services.agreement_create_full(
        actor=request.auth, agent_id=payload.agent_id, data=data,
        lines=[line.model_dump() for line in payload.lines], region_codes=list(payload.regions),
        hospital_ids=list(payload.hospital_ids),
    )
    return Status(201, _detail(request.auth, agreement.pk))


@router.get("/{agreement_id}", response=AgreementDetailOut, summary="One agreement with lines and territory")
def agreement_get(request, agreement_id: Id):
    return _detail(request.auth, agreement_id)


@router.patch("/{agreement_id}", response={200: AgreementDetailOut, 400: OverlapErrorOut},
              summary="Change the header (drafts: everything; in force: dates, targets, terms, notes)")
def agreement_update(request, agreement_id: Id, payload: AgreementUpdateIn):
    try:
        services.agreement_update(actor=request.auth, agreement_id=agreement_id,
                                  data=payload.model_dump(exclude_unset=True))
    except OverlapError as exc:
        return _overlap(exc)
    return _detail(request.auth, agreement_id)


@router.get("/{agreement_id}/conflicts", response=list[ConflictOut],
            summary="Dry run: what would stop this exclusive agreement from being put in force")
def agreement_conflicts(request, agreement_id: Id):
    return selectors.agreement_conflicts(actor=request.auth, agreement_id=agreement_id)


@router.post("/{agreement_id}/activate", response={200: AgreementDetailOut, 400: OverlapErrorOut},
             summary="Put a draft in force (refused if an exclusive one would overlap)")
def agreement_activate(request, agreement_id: Id):
    try:
        services.agreement_activate(actor=request.auth, agreement_id=agreement_id)
    except OverlapError as exc:
        return _overlap(exc)
    return _detail(request.auth, agreement_id)


@router.post("/{agreement_id}/terminate", response=AgreementDetailOut,
             summary="Terminate an agreement in force (or abandon a draft), with a reason")
def agreement_terminate(request, agreement_id: Id, payload: TerminateIn):
    services.agreement_terminate(actor=request.auth, agreement_id=agreement_id, reason=payload.reason,
                                 terminated_on=payload.terminated_on)
    return _detail(request.auth, agreement_id)


@router.post("/{agreement_id}/deposit", response=AgreementDetailOut, summary="Record the deposit's next state")
def agreement_deposit(request, agreement_id: Id, payload: DepositIn):
    services.agreement_deposit_update(actor=request.auth, agreement_id=agreement_id, status=payload.status,
                                      on=payload.on, refunded_amount=payload.refunded_amount)
    return _detail(request.auth, agreement_id)


@router.get("/{agreement_id}/history", response=list[AuditEventOut], summary="The agreement's audit history")
def agreement_history(request, agreement_id: Id):
    agreement = selectors.agreement_get(actor=request.auth, agreement_id=agreement_id)
    return list(audit_history(target_type="agencyagreement", target_id=agreement.pk))


@router.get("/{agreement_id}/lines", response=list[LineOut], summary="The agreement's products")
def agreement_lines(request, agreement_id: Id):
    return list(selectors.agreement_get(actor=request.auth, agreement_id=agreement_id).lines.all())


@router.post("/{agreement_id}/lines", response={201: LineOut}, summary="Add a product (drafts)")
def agreement_line_add(request, agreement_id: Id, payload: LineIn):
    data = payload.model_dump()
    product_id = data.pop("product_id")
    line = services.agreement_line_add(actor=request.auth, agreement_id=agreement_id, product_id=product_id,
                                       data=data)
    return Status(201, line)


@router.patch("/{agreement_id}/lines/{line_id}", response=LineOut, summary="Change a line's prices or targets")
def agreement_line_update(request, agreement_id: Id, line_id: Id, payload: LineUpdateIn):
    return services.agreement_line_update(actor=request.auth, agreement_id=agreement_id, line_id=line_id,
                                          data=payload.model_dump(exclude_unset=True))


@router.delete("/{agreement_id}/lines/{line_id}", response={204: None}, summary="Take a product out (drafts)")
def agreement_line_remove(request, agreement_id: Id, line_id: Id):
    services.agreement_line_remove(actor=request.auth, agreement_id=agreement_id, line_id=line_id)
    return Status(204, None)


@router.post("/{agreement_id}/regions", response={201: RegionOut},
             summary="Add a region to the territory (drafts; regions it covers are replaced)")
def agreement_region_add(request, agreement_id: Id, payload: RegionIn):
    row = services.agreement_region_add(actor=request.auth, agreement_id=agreement_id,
                                        region_code=payload.region_code)
    return Status(201, row)


@router.delete("/{agreement_id}/regions/{region_id}", response={204: None}, summary="Remove a region (drafts)")
def agreement_region_remove(request, agreement_id: Id, region_id: Id):
    services.agreement_region_remove(actor=request.auth, agreement_id=agreement_id, region_id=region_id)
    return Status(204, None)


@router.post("/{agreement_id}/hospitals", response={201: HospitalOut},
             summary="Name a hospital (clinic, pharmacy) in the territory (drafts)")
def agreement_hospital_add(request, agreement_id: Id, payload: HospitalIn):
    row = services.agreement_hospital_add(actor=request.auth, agreement_id=agreement_id,
                                          hospital_id=payload.hospital_id)
    return Status(201, row)


@router.delete("/{agreement_id}/hospitals/{entry_id}", response={204: None},
               summary="Remove a named hospital (drafts)")
def agreement_hospital_remove(request, agreement_id: Id, entry_id: Id):
    services.agreement_hospital_remove(actor=request.auth, agreement_id=agreement_id, entry_id=entry_id)
    return Status(204, None)
