"""Tenders (投标) and platform listings (挂网), DOMAIN.md "Tenders".

A ``Tender`` is one procurement project we bid in: a readable number (ZB-2026-0001, from a
per-year ``TenderSequence``), a type, a province (GB/T 2260 code of the province), the
purchasing body and optionally the customer it is for (a hospital tender), its deadlines,
the bid bond, the documents sent, an owner and a state machine (``tenders.services``):
tracking → registered → preparing → submitted → won / lost / cancelled; won → executing →
expired; a renewal of an executing or expired tender is a new tender (``renewal_of``).

Lines (``TenderLine``) carry the product, quantity, ceiling price, our bid price, the
competitors' prices (``CompetitorPrice``) and the winning price. A bid price below the
product's floor price needs a head's approval (``TenderPriceException``) before submitting.

Visibility (``tenders.selectors.visible_tenders``): a tender tied to a customer is visible
when its customer is; one without a customer by its owner, the heads above the owner, the
users and share groups it is shared with (``TenderShare``); tender specialists (RoleScope
area "tenders", scope all) and administrators see every tender.

A ``PlatformListing`` is a product's listing on one province's procurement platform: product
master data, visible to every internal user, written by tender specialists, sales admins and
administrators.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.models import TimeStamped


class TenderType(models.TextChoices):
    VBP = "vbp", _("Centralised volume procurement")
    PROVINCIAL = "provincial", _("Provincial listing tender")
    HOSPITAL = "hospital", _("Hospital tender")
    GPO = "gpo", _("GPO")
    OTHER = "other", pgettext_lazy("tender type", "Other")


class TenderStatus(models.TextChoices):
    TRACKING = "tracking", pgettext_lazy("tender status", "Tracking")
    REGISTERED = "registered", pgettext_lazy("tender status", "Registered")
    PREPARING = "preparing", pgettext_lazy("tender status", "Preparing bid")
    SUBMITTED = "submitted", pgettext_lazy("tender status", "Bid submitted")
    WON = "won", pgettext_lazy("tender status", "Won")
    LOST = "lost", pgettext_lazy("tender status", "Lost")
    CANCELLED = "cancelled", pgettext_lazy("tender status", "Cancelled")
    EXECUTING = "executing", pgettext_lazy("tender status", "Executing")
    EXPIRED = "expired", pgettext_lazy("tender status", "Expired")


OPEN_STATUSES = (TenderStatus.TRACKING, TenderStatus.REGISTERED, TenderStatus.PREPARING, TenderStatus.SUBMITTED)
WON_STATUSES = (TenderStatus.WON, TenderStatus.EXECUTING, TenderStatus.EXPIRED)
STATUS_TAGS = {
    TenderStatus.TRACKING: "tag-grey", TenderStatus.REGISTERED: "tag-blue", TenderStatus.PREPARING: "tag-amber",
    TenderStatus.SUBMITTED: "tag-orange", TenderStatus.WON: "tag-green", TenderStatus.LOST: "tag-red",
    TenderStatus.CANCELLED: "tag-grey", TenderStatus.EXECUTING: "tag-green", TenderStatus.EXPIRED: "tag-grey",
}

# the deadlines that remind (field, label)
DEADLINES = (
    ("registration_deadline", _("Registration deadline")),
    ("document_deadline", _("Document deadline")),
    ("bid_opening_at", _("Bid opening")),
)


class TenderSequence(models.Model):
    """The last number given in a year: ZB-<year>-<last:04d>."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Tender(TimeStamped):
    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("project name"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=TenderType.choices, default=TenderType.PROVINCIAL)
    province = models.CharField(_("province"), max_length=12)
    purchasing_body = models.CharField(_("purchasing body"), max_length=200, blank=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="tenders", null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_tenders")
    status = models.CharField(_("status"), max_length=20, choices=TenderStatus.choices,
                              default=TenderStatus.TRACKING)
    announced_on = models.DateField(_("announcement date"), null=True, blank=True)
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    document_deadline = models.DateTimeField(_("document deadline"), null=True, blank=True)
    bid_opening_at = models.DateTimeField(_("bid opening"), null=True, blank=True)
    result_on = models.DateField(_("result date"), null=True, blank=True)
    bond_amount = models.DecimalField(_("bid bond"), max_digits=14, decimal_places=2, null=True, blank=True)
    bond_paid_on = models.DateField(_("bond paid on"), null=True, blank=True)
    bond_refunded_on = models.DateField(_("bond refunded on"), null=True, blank=True)
    documents_sent_on = models.DateField(_("documents sent on"), null=True, blank=True)
    courier = models.CharField(_("courier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=50, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    won_amount = models.DecimalField(_("won amount"), max_digits=14, decimal_places=2, null=True, blank=True,
                                     help_text=_("Used by the statistics when the won lines have no quantities."))
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    outcome_note = models.TextField(_("reason"), max_length=2000, blank=True)
    renewal_of = models.ForeignKey("self", verbose_name=_("renewal of"), on_delete=models.PROTECT,
                                   related_name="renewals", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="tender_recent_idx"),
            models.Index(fields=["owner", "status"], name="tender_owner_idx"),
            models.Index(fields=["customer"], name="tender_customer_idx"),
            models.Index(fields=["status", "result_on"], name="tender_result_idx"),
            models.Index(fields=["registration_deadline"], name="tender_reg_dl_idx"),
            models.Index(fields=["document_deadline"], name="tender_doc_dl_idx"),
            models.Index(fields=["bid_opening_at"], name="tender_opening_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(bond_amount__isnull=True) | Q(bond_amount__gte=0),
                                   name="tender_bond_not_negative"),
            models.CheckConstraint(condition=Q(won_amount__isnull=True) | Q(won_amount__gte=0),
                                   name="tender_won_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS.get(self.status, "tag-grey")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def next_deadline(self, now=None):
        """(label, when) of the nearest deadline still ahead, or None."""
        now = now or timezone.now()
        ahead = [(getattr(self, f), label) for f, label in DEADLINES if getattr(self, f) and getattr(self, f) >= now]
        if not ahead:
            return None
        when, label = min(ahead, key=lambda x: x[0])
        return label, when


class TenderLine(models.Model):
    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="tender_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, null=True, blank=True)
    ceiling_price = models.DecimalField(_("ceiling price"), max_digits=12, decimal_places=4, null=True, blank=True)
    bid_price = models.DecimalField(_("our bid price"), max_digits=12, decimal_places=4, null=True, blank=True)
    winning_price = models.DecimalField(_("winning price"), max_digits=12, decimal_places=4, null=True, blank=True)
    won = models.BooleanField(_("won"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("tender line")
        verbose_name_plural = _("tender lines")
        ordering = ["tender_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "product"], name="tender_line_product_unique"),
            models.CheckConstraint(condition=Q(quantity__isnull=True) | Q(quantity__gt=0), name="tender_line_qty_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id}:{self.product_id}"


class CompetitorPrice(models.Model):
    line = models.ForeignKey(TenderLine, verbose_name=_("tender line"), on_delete=models.CASCADE,
                             related_name="competitor_prices")
    competitor = models.CharField(_("competitor"), max_length=100)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=4)

    class Meta:
        ordering = ["line_id", "price", "id"]

    def __str__(self) -> str:
        return f"{self.competitor} {self.price}"


class TenderPriceException(TimeStamped):
    """A bid below the floor price: a head of the owner's department (or above), or an
    administrator, approves or refuses it; an approval holds for that bid price only."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("price exception", "Pending")
        APPROVED = "approved", pgettext_lazy("price exception", "Approved")
        REFUSED = "refused", pgettext_lazy("price exception", "Refused")

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="price_exceptions")
    line = models.ForeignKey(TenderLine, on_delete=models.CASCADE, related_name="price_exceptions")
    bid_price = models.DecimalField(_("our bid price"), max_digits=12, decimal_places=4)
    floor_price = models.DecimalField(_("floor price"), max_digits=12, decimal_places=4)
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=Q(state="pending"), name="tender_exc_one_pending"),
        ]

    def __str__(self) -> str:
        return f"tender exception {self.line_id} {self.state}"


class ShareAccess(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class TenderShare(models.Model):
    """A customer-less tender shared with a user or a share group."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="tender_shares")
    group = models.ForeignKey("org.ShareGroup", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="tender_shares")
    access = models.CharField(_("access"), max_length=10, choices=ShareAccess.choices, default=ShareAccess.READ)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=(Q(user__isnull=False) & Q(group__isnull=True))
                                   | (Q(user__isnull=True) & Q(group__isnull=False)), name="tender_share_one_target"),
            models.UniqueConstraint(fields=["tender", "user"], condition=Q(user__isnull=False),
                                    name="tender_share_user_unique"),
            models.UniqueConstraint(fields=["tender", "group"], condition=Q(group__isnull=False),
                                    name="tender_share_group_unique"),
        ]
        indexes = [models.Index(fields=["user", "tender"], name="tender_share_user_idx"),
                   models.Index(fields=["group", "tender"], name="tender_share_group_idx")]

    def __str__(self) -> str:
        return f"{self.tender_id} -> {self.user_id or self.group_id} ({self.access})"


class TenderAttachment(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="tenders/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("tender event", "Created")
    EDITED = "edited", pgettext_lazy("tender event", "Edited")
    TRANSITION = "transition", pgettext_lazy("tender event", "Status changed")
    LINES = "lines", pgettext_lazy("tender event", "Lines changed")
    EXCEPTION = "exception", pgettext_lazy("tender event", "Price exception")
    ATTACHMENT = "attachment", pgettext_lazy("tender event", "Attachment")
    SHARE = "share", pgettext_lazy("tender event", "Sharing")
    RENEWED = "renewed", pgettext_lazy("tender event", "Renewed")


class TenderEvent(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), max_length=5000, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tender", "at", "id"], name="tender_event_idx")]

    def __str__(self) -> str:
        return f"{self.tender_id} {self.kind}"


# --- platform listings (挂网) ---------------------------------------------------------------

class ListingStatus(models.TextChoices):
    NOT_APPLIED = "not_applied", pgettext_lazy("listing status", "Not applied")
    APPLYING = "applying", pgettext_lazy("listing status", "Applying")
    LISTED = "listed", pgettext_lazy("listing status", "Listed")
    SUSPENDED = "suspended", pgettext_lazy("listing status", "Suspended")
    DELISTED = "delisted", pgettext_lazy("listing status", "Delisted")


LISTING_TAGS = {ListingStatus.NOT_APPLIED: "tag-grey", ListingStatus.APPLYING: "tag-amber",
                ListingStatus.LISTED: "tag-green", ListingStatus.SUSPENDED: "tag-orange",
                ListingStatus.DELISTED: "tag-grey"}


class PlatformListing(TimeStamped):
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="platform_listings")
    province = models.CharField(_("province"), max_length=12)
    platform_code = models.CharField(_("platform product code"), max_length=50, blank=True)
    listing_price = models.DecimalField(_("listing price"), max_digits=12, decimal_places=4, null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ListingStatus.choices,
                              default=ListingStatus.NOT_APPLIED)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    delisted_on = models.DateField(_("delisted on"), null=True, blank=True)
    distributors = models.TextField(_("distributors"), max_length=2000, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("platform listing")
        verbose_name_plural = _("platform listings")
        ordering = ["province", "product_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "province"], condition=~Q(status="delisted"),
                                    name="listing_one_live_per_province"),
            models.CheckConstraint(condition=Q(listing_price__isnull=True) | Q(listing_price__gt=0),
                                   name="listing_price_positive"),
        ]
        indexes = [models.Index(fields=["product", "status"], name="listing_product_idx"),
                   models.Index(fields=["province", "status"], name="listing_province_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.province}"

    @property
    def status_tag(self) -> str:
        return LISTING_TAGS.get(self.status, "tag-grey")
