"""The only readers of tenders and platform listings. Every tender read starts from
``visible_tenders`` (missing and invisible are the same ``NotFound``).

Who sees a tender (ARCHITECTURE "Dependent records never carry their own visibility"):
* administrators and tender specialists (RoleScope area ``tenders`` = all, seeded by
  migration 0002): every tender;
* a tender tied to a customer: exactly who sees the customer (``org.visibility``);
* a tender without a customer (a provincial procurement): its owner, the heads of the owner's
  department or any department above it (the closure table), and the users and share groups
  it is shared with (``TenderShare``).
Who may change it: administrators, tender specialists, the owner, the heads above the owner,
write shares (no customer) or whoever may write the customer (customer tied) — always among
those who see it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility
from pharmcrm.org.models import Role, RoleScope, ShareGroupMember, User
from pharmcrm.tenders.models import (
    OPEN_STATUSES,
    CompetitorPrice,
    ListingStatus,
    PlatformListing,
    Tender,
    TenderEvent,
    TenderLine,
    TenderPriceException,
    TenderShare,
    TenderStatus,
    TenderType,
)

AREA = "tenders"
SORTS = {
    "-created": ("-created_at", "-id"), "created": ("created_at", "id"),
    "opening": ("bid_opening_at", "id"), "-opening": ("-bid_opening_at", "-id"),
    "number": ("number",), "-number": ("-number",), "name": ("name", "id"),
}
DEFAULT_SORT = "-created"
SEARCH_MAX = 100


def sees_all(actor: User) -> bool:
    """Administrators and tender specialists (their role scope on ``tenders``)."""
    return actor.is_active and visibility.role_scope(actor, AREA) == RoleScope.Scope.ALL


def is_specialist(actor: User) -> bool:
    return actor.is_active and Role.TENDER in actor.role_codes


def _share_q(actor: User, *, write_only: bool) -> Q:
    shares = TenderShare.objects.filter(Q(user_id=actor.pk) | Q(group_id__in=ShareGroupMember.objects.filter(
        user_id=actor.pk).values("group_id")))
    if write_only:
        shares = shares.filter(access="write")
    return Q(id__in=shares.values("tender_id"))


def _own_q(actor: User) -> Q:
    q = Q(owner_id=actor.pk)
    if actor.headed_department_ids:
        q |= Q(owner__department_id__in=visibility.subtree_department_ids(actor))
    return q


def visible_tenders(actor: User) -> QuerySet:
    """Every tender ``actor`` may see. Start every tender read here."""
    if not actor.is_active:
        return Tender.objects.none()
    if sees_all(actor):
        return Tender.objects.all()
    tied = Q(customer__isnull=False, customer_id__in=visibility.visible_customers(actor).values("id"))
    free = Q(customer__isnull=True) & (_own_q(actor) | _share_q(actor, write_only=False))
    return Tender.objects.filter(tied | free)


def writable_tenders(actor: User) -> QuerySet:
    """Every tender ``actor`` may change."""
    if not actor.is_active:
        return Tender.objects.none()
    if sees_all(actor):
        return Tender.objects.all()
    tied = Q(customer__isnull=False) & (
        Q(customer_id__in=visibility.writable_customers(actor).values("id"))
        | (_own_q(actor) & Q(customer_id__in=visibility.visible_customers(actor).values("id"))))
    free = Q(customer__isnull=True) & (_own_q(actor) | _share_q(actor, write_only=True))
    return Tender.objects.filter(tied | free)


def can_write(actor: User, tender: Tender) -> bool:
    return writable_tenders(actor).filter(pk=tender.pk).exists()


def with_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("customer", "owner", "owner__department", "renewal_of")


@dataclass(frozen=True)
class TenderFilters:
    status: str = ""  # a status, or "open"
    type: str = ""
    province: str = ""
    owner_id: int | None = None
    customer_id: int | None = None
    deadline_days: int | None = None  # any deadline within the next N days
    q: str = ""
    sort: str = DEFAULT_SORT


def deadline_window_q(start: datetime.datetime, end: datetime.datetime) -> Q:
    return (Q(registration_deadline__gte=start, registration_deadline__lt=end)
            | Q(document_deadline__gte=start, document_deadline__lt=end)
            | Q(bid_opening_at__gte=start, bid_opening_at__lt=end))


def tender_list(*, actor: User, filters: TenderFilters | None = None) -> QuerySet:
    f = filters or TenderFilters()
    qs = visible_tenders(actor)
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif f.status in TenderStatus.values:
        qs = qs.filter(status=f.status)
    if f.type in TenderType.values:
        qs = qs.filter(type=f.type)
    if f.province:
        qs = qs.filter(province=f.province)
    if f.owner_id is not None:
        qs = qs.filter(owner_id=f.owner_id)
    if f.customer_id is not None:
        qs = qs.filter(customer_id=f.customer_id)
    if f.deadline_days is not None and 0 <= f.deadline_days <= 366:
        now = timezone.now()
        qs = qs.filter(status__in=OPEN_STATUSES).filter(
            deadline_window_q(now, now + datetime.timedelta(days=f.deadline_days)))
    text = (f.q or "").strip()[:SEARCH_MAX]
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(name__icontains=text) | Q(purchasing_body__icontains=text))
    return with_details(qs).order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def tender_get(*, actor: User, tender_id: int) -> Tender:
    tender = (with_details(visible_tenders(actor)).filter(pk=tender_id).first()
              if isinstance(tender_id, int) and 0 < tender_id < 2**63 else None)
    if tender is None:
        raise NotFound(_("Tender not found."))
    return tender


def tender_lines(*, tender: Tender) -> list[TenderLine]:
    return list(TenderLine.objects.filter(tender_id=tender.pk).select_related("product")
                .prefetch_related(Prefetch("competitor_prices", queryset=CompetitorPrice.objects.order_by("price", "id")),
                                  Prefetch("price_exceptions",
                                           queryset=TenderPriceException.objects.select_related(
                                               "requested_by", "decided_by").order_by("-created_at", "-id")))
                .order_by("id"))


def tender_events(*, tender: Tender) -> list[TenderEvent]:
    return list(TenderEvent.objects.filter(tender_id=tender.pk).select_related("actor").order_by("at", "id"))


def tender_shares(*, tender: Tender) -> list[TenderShare]:
    return list(TenderShare.objects.filter(tender_id=tender.pk).select_related("user", "group").order_by("id"))


def pending_exceptions(*, actor: User) -> QuerySet:
    """Pending below-floor bids ``actor`` may decide (heads above the owner, administrators)."""
    qs = TenderPriceException.objects.filter(state=TenderPriceException.State.PENDING,
                                             tender__in=visible_tenders(actor).values("id"))
    if not actor.is_admin:
        if not actor.headed_department_ids:
            return qs.none()
        qs = qs.filter(tender__owner__department_id__in=visibility.subtree_department_ids(actor))
    return qs.select_related("tender", "line__product", "requested_by")


# --- platform listings ---------------------------------------------------------------------

LISTING_SORTS = {"province": ("province", "product__generic_name", "id"),
                 "product": ("product__generic_name", "province", "id"),
                 "-updated": ("-updated_at", "-id"), "status": ("status", "province", "id")}


@dataclass(frozen=True)
class ListingFilters:
    product_id: int | None = None
    province: str = ""
    status: str = ""
    q: str = ""
    sort: str = "province"


def visible_listings(actor: User) -> QuerySet:
    """Product master data: every active internal user reads every listing."""
    return PlatformListing.objects.all() if actor.is_active else PlatformListing.objects.none()


def listing_list(*, actor: User, filters: ListingFilters | None = None) -> QuerySet:
    f = filters or ListingFilters()
    qs = visible_listings(actor)
    if f.product_id is not None:
        qs = qs.filter(product_id=f.product_id)
    if f.province:
        qs = qs.filter(province=f.province)
    if f.status in ListingStatus.values:
        qs = qs.filter(status=f.status)
    text = (f.q or "").strip()[:SEARCH_MAX]
    if text:
        qs = qs.filter(Q(platform_code__icontains=text) | Q(product__generic_name__icontains=text)
                       | Q(product__trade_name__icontains=text) | Q(distributors__icontains=text))
    return qs.select_related("product").order_by(*LISTING_SORTS.get(f.sort, LISTING_SORTS["province"]))


def listing_get(*, actor: User, listing_id: int) -> PlatformListing:
    listing = (visible_listings(actor).select_related("product").filter(pk=listing_id).first()
               if isinstance(listing_id, int) and 0 < listing_id < 2**63 else None)
    if listing is None:
        raise NotFound(_("Platform listing not found."))
    return listing
