"""The only writers of platform listings (挂网): product master data, written by tender
specialists, sales admins and administrators.

States: not applied → applying → listed → suspended → delisted; suspended → listed (resumed);
delisted is final. At most one listing that is not delisted per product × province (a
database constraint; the service names the existing one).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.catalog.models import Product
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.regions import region_label
from pharmcrm.org.models import Role, User
from pharmcrm.tenders import fields as F_
from pharmcrm.tenders.models import ListingStatus, PlatformListing

L = ListingStatus
APPLY, LIST, SUSPEND, DELIST = "apply", "list", "suspend", "delist"
TRANSITIONS: dict[str, dict[str, str]] = {
    APPLY: {L.NOT_APPLIED: L.APPLYING},
    LIST: {L.APPLYING: L.LISTED, L.SUSPENDED: L.LISTED},
    SUSPEND: {L.LISTED: L.SUSPENDED},
    DELIST: {L.LISTED: L.DELISTED, L.SUSPENDED: L.DELISTED},
}
WRITE_ROLES = frozenset({Role.TENDER, Role.SALES_ADMIN, Role.ADMIN})
FIELDS = ("product_id", "province", "platform_code", "listing_price", "applied_on", "listed_on", "delisted_on",
          "distributors", "notes")
AUDIT = ["product", "province", "platform_code", "listing_price", "applied_on", "listed_on", "delisted_on",
         "distributors", "notes", "status"]


def can_write_listings(user: User) -> bool:
    return user.is_active and bool(WRITE_ROLES & user.role_codes)


def _check(actor: User) -> None:
    if not can_write_listings(actor):
        raise PermissionDenied(_("Platform listings are kept by tender specialists, sales admins and administrators."))


def _apply(listing: PlatformListing, data: dict[str, Any], *, creating: bool) -> None:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    fields: dict[str, list[str]] = {}
    if creating or "product_id" in data:
        product = Product.objects.filter(pk=F_.to_id(data.get("product_id")) or 0).first()
        if product is None:
            fields["product_id"] = [_("Choose a product from the catalogue.")]
        else:
            listing.product = product
    if creating or "province" in data:
        code = F_.province(data, "province", fields)
        if code:
            listing.province = code
    for name, limit in (("platform_code", 50), ("distributors", 2000), ("notes", 2000)):
        if name in data:
            value = F_.text(data, name, fields, limit=limit)
            if value is not None:
                setattr(listing, name, value)
    if "listing_price" in data:
        ok, value = F_.decimal(data, "listing_price", fields, places=4, maximum=F_.MAX_PRICE)
        if ok:
            listing.listing_price = value
    for name in ("applied_on", "listed_on", "delisted_on"):
        if name in data:
            ok, value = F_.date(data, name, fields)
            if ok:
                setattr(listing, name, value)
    if fields:
        raise F_.invalid(fields)


def _live_conflict(listing: PlatformListing) -> ApplicationError:
    return ApplicationError(_("%(product)s already has a listing in %(province)s that is not delisted; change that "
                              "one instead.") % {"product": listing.product, "province": region_label(listing.province)},
                            code="duplicate", fields={"province": [_("Already listed in this province.")]})


def _save(listing: PlatformListing) -> None:
    qs = PlatformListing.objects.filter(product_id=listing.product_id, province=listing.province).exclude(
        status=L.DELISTED).exclude(pk=listing.pk or 0)
    if listing.status != L.DELISTED and qs.exists():
        raise _live_conflict(listing)
    try:
        with transaction.atomic():
            listing.save()
    except IntegrityError:  # a racing create
        raise _live_conflict(listing) from None


@transaction.atomic
def listing_create(*, actor: User, data: dict[str, Any]) -> PlatformListing:
    _check(actor)
    listing = PlatformListing(created_by=actor, status=L.NOT_APPLIED)
    _apply(listing, dict(data), creating=True)
    _save(listing)
    audit_record(actor=actor, action="listing_create", target=listing,
                 changes={k: [None, v] for k, v in snapshot(listing, AUDIT).items() if v not in ("", None)})
    return listing


def _for_change(actor: User, listing_id: int) -> PlatformListing:
    _check(actor)
    listing = (PlatformListing.objects.select_for_update().filter(pk=F_.to_id(listing_id) or 0).first())
    if listing is None:
        raise NotFound(_("Platform listing not found."))
    return listing


@transaction.atomic
def listing_update(*, actor: User, listing_id: int, data: dict[str, Any]) -> PlatformListing:
    listing = _for_change(actor, listing_id)
    if listing.status == L.DELISTED and set(data) - {"notes"}:
        raise ApplicationError(_("A delisted listing is final; only its notes can change."), code="illegal_transition")
    before = snapshot(listing, AUDIT)
    _apply(listing, dict(data), creating=False)
    changes = diff(before, snapshot(listing, AUDIT))
    if changes:
        _save(listing)
        audit_record(actor=actor, action="listing_update", target=listing, changes=changes)
    return listing


def allowed_actions(listing: PlatformListing, *, can_write: bool) -> list[str]:
    return [a for a, moves in TRANSITIONS.items() if listing.status in moves] if can_write else []


@transaction.atomic
def listing_transition(*, actor: User, listing_id: int, action: str, on=None) -> PlatformListing:
    """Apply ``action`` (apply, list, suspend, delist); ``on`` the date (today by default) goes
    to applied_on / listed_on / delisted_on."""
    listing = _for_change(actor, listing_id)
    if action not in TRANSITIONS:
        raise ApplicationError(_("Unknown action."), code="illegal_transition")
    target = TRANSITIONS[action].get(listing.status)
    if target is None:
        raise ApplicationError(_("This cannot be done to a listing that is %(status)s.")
                               % {"status": listing.get_status_display()}, code="illegal_transition")
    fields: dict[str, list[str]] = {}
    _ok, day = F_.date({"on": on}, "on", fields)
    if fields:
        raise F_.invalid(fields)
    day = day or timezone.localdate()
    values: dict[str, Any] = {"status": target, "updated_at": timezone.now()}
    if action == APPLY:
        values["applied_on"] = day
    elif action == LIST and listing.listed_on is None:
        values["listed_on"] = day
    elif action == DELIST:
        values["delisted_on"] = day
    if PlatformListing.objects.filter(pk=listing.pk, status=listing.status).update(**values) != 1:
        raise ApplicationError(_("The listing changed meanwhile; reload the page."), code="illegal_transition")
    before = listing.status
    listing.refresh_from_db()
    audit_record(actor=actor, action=f"listing_{action}", target=listing, changes={"status": [before, target]})
    return listing
