"""The only readers of agency agreements. Every read starts from the visibility of the agent
customer: an agreement is visible exactly when its agent is (``org.visibility``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.agency import territory
from pharmcrm.agency.models import (
    AGENT_TYPES,
    TERMINAL_TYPES,
    AgencyAgreement,
    AgreementHospital,
    AgreementLine,
    AgreementRegion,
    AgreementStatus,
)
from pharmcrm.core.errors import NotFound
from pharmcrm.core.pinyin import normalise
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User

SORTS = {
    "recent": ("-updated_at", "-id"),
    "number": ("number", "id"),
    "-number": ("-number", "-id"),
    "start": ("start_date", "id"),
    "-start": ("-start_date", "-id"),
    "end": ("end_date", "id"),
    "-end": ("-end_date", "-id"),
    "agent": ("agent__name", "id"),
    "-agent": ("-agent__name", "-id"),
}
DEFAULT_SORT = "recent"


def visible_agreements(actor: User) -> QuerySet:
    """Every agreement ``actor`` may read: those of the agent customers they see."""
    return AgencyAgreement.objects.filter(agent__in=visibility.visible_customers(actor).values("pk"))


@dataclass(frozen=True)
class AgreementFilters:
    q: str = ""  # agreement number or agent name / pinyin
    status: str = ""
    agent_id: int | None = None
    product_id: int | None = None
    region_code: str = ""  # territory overlapping this region (containment both ways, hospitals inside)
    exclusive: bool | None = None
    expiring_days: int | None = None  # active and ending within N days from today
    sort: str = DEFAULT_SORT


def territory_overlaps_q(region_code: str) -> Q:
    """Agreements whose territory overlaps ``region_code``: a region containing it or inside
    it, or a named hospital inside it."""
    p = territory.prefix(region_code)
    regions = AgreementRegion.objects.filter(agreement_id=OuterRef("pk")).filter(
        Q(region_prefix__startswith=p) | Q(region_prefix__in=territory.region_prefixes_covering(p)))
    hospitals = AgreementHospital.objects.filter(agreement_id=OuterRef("pk"), hospital__region_code__startswith=p)
    return Q(Exists(regions)) | Q(Exists(hospitals))


def agreement_list(*, actor: User, filters: AgreementFilters | None = None, today: datetime.date | None = None
                   ) -> QuerySet:
    f = filters or AgreementFilters()
    qs = visible_agreements(actor)
    term = normalise(f.q) if f.q else ""
    if term:
        qs = qs.filter(Q(number__icontains=f.q.strip()) | Q(agent__search_text__contains=term))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.agent_id:
        qs = qs.filter(agent_id=f.agent_id)
    if f.product_id:
        qs = qs.filter(Exists(AgreementLine.objects.filter(agreement_id=OuterRef("pk"), product_id=f.product_id)))
    if f.region_code:
        qs = qs.filter(territory_overlaps_q(f.region_code))
    if f.exclusive is not None:
        qs = qs.filter(exclusive=f.exclusive)
    if f.expiring_days is not None:
        today = today or timezone.localdate()
        qs = qs.filter(status=AgreementStatus.ACTIVE, end_date__gte=today,
                       end_date__lte=today + datetime.timedelta(days=f.expiring_days))
    return qs.select_related("agent", "agent__owner").order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def with_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("agent", "agent__owner", "created_by", "activated_by").prefetch_related(
        Prefetch("lines", AgreementLine.objects.select_related("product").order_by("product__generic_name", "pk")),
        Prefetch("regions", AgreementRegion.objects.order_by("region_code")),
        Prefetch("hospitals", AgreementHospital.objects.select_related("hospital").order_by("hospital__name", "pk")),
    )


def agreement_get(*, actor: User, agreement_id: int) -> AgencyAgreement:
    """The agreement with lines and territory, or ``NotFound`` (missing or invisible)."""
    agreement = with_details(visible_agreements(actor)).filter(pk=agreement_id).first()
    if agreement is None:
        raise NotFound(_("Agreement not found."))
    return agreement


def agreement_permissions(*, actor: User, agreement: AgencyAgreement) -> dict[str, bool]:
    write = visibility.can_write(actor, agreement.agent_id)
    manage = visibility.can_manage(actor, agreement.agent_id)
    draft = agreement.status == AgreementStatus.DRAFT
    active = agreement.status == AgreementStatus.ACTIVE
    return {
        "write": write,
        "manage": manage,
        "edit": write and agreement.status != AgreementStatus.EXPIRED and agreement.status != "terminated",
        "edit_lines": write and draft,
        "activate": manage and draft,
        "terminate": manage and (draft or active),
        "deposit": write,
    }


def agent_agreements(*, actor: User, customer_id: int) -> list[AgencyAgreement]:
    """The agreements of one (visible) agent customer, newest first, with lines and territory."""
    if not visibility.can_see(actor, customer_id):
        raise NotFound(_("Customer not found."))
    return list(with_details(AgencyAgreement.objects.filter(agent_id=customer_id)).order_by("-start_date", "-pk"))


def hospital_agreements(*, actor: User, customer_id: int) -> list[AgencyAgreement]:
    """Visible agreements that name this hospital in their territory."""
    return list(visible_agreements(actor).filter(hospitals__hospital_id=customer_id)
                .select_related("agent").order_by("-start_date", "-pk").distinct())


def customers_with_active_agreement() -> QuerySet:
    """Ids of customers that are the agent of an agreement in force (the pool exemption)."""
    return AgencyAgreement.objects.filter(status=AgreementStatus.ACTIVE).values("agent_id")


def has_active_agreement_q(prefix: str = "") -> Q:
    """A ``Q`` on Customer (``prefix`` for a related path): is the agent of an agreement in force."""
    return Q(**{f"{prefix}pk__in": customers_with_active_agreement()})


def hospital_lookup(*, actor: User, q: str, limit: int = 20) -> list[Customer]:
    """Visible terminals (hospitals, clinics, pharmacies) by name / pinyin, for the territory picker."""
    qs = visibility.visible_customers(actor).filter(type__in=TERMINAL_TYPES)
    term = normalise(q or "")
    if term:
        qs = qs.filter(search_text__contains=term)
    return list(qs.order_by("name", "pk")[: max(1, min(limit, 50))])


def agent_lookup(*, actor: User, q: str, limit: int = 20) -> list[Customer]:
    qs = visibility.writable_customers(actor).filter(type__in=AGENT_TYPES)
    term = normalise(q or "")
    if term:
        qs = qs.filter(search_text__contains=term)
    return list(qs.order_by("name", "pk")[: max(1, min(limit, 50))])


def expiring_count(*, actor: User, days: int = 30, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return visible_agreements(actor).filter(
        status=AgreementStatus.ACTIVE, end_date__gte=today, end_date__lte=today + datetime.timedelta(days=days)
    ).count()


def agreement_conflicts(*, actor: User, agreement_id: int) -> list[dict]:
    """Dry run of THE rule for a visible agreement: the active exclusive agreements it overlaps
    (described as the actor may see them). Empty for non-exclusive, expired or terminated ones."""
    from pharmcrm.agency import overlap
    from pharmcrm.agency.conflicts import describe

    agreement = agreement_get(actor=actor, agreement_id=agreement_id)
    if not agreement.exclusive or agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE):
        return []
    lines = list(agreement.lines.all())
    conflicts = overlap.find_conflicts(
        product_ids=[ln.product_id for ln in lines], items=overlap.territory_of([agreement.pk])[agreement.pk],
        start=agreement.start_date, end=agreement.end_date, exclude_id=agreement.pk,
    )
    return describe(actor=actor, conflicts=conflicts, product_labels={ln.product_id: str(ln.product) for ln in lines})
