"""Sales orders (销售订单, issue 5 items 1, 2, 6, 7; DOMAIN.md "The sales flow").

A ``SalesOrder`` has a readable number (XS-2026-000001, from a per-year ``OrderSequence``
incremented in the creating transaction), a customer and one of its shipping addresses, a
terminal type (两票制 needs it), lines, stored totals and a state machine
(``sales.services``): draft → submitted → approved (finance review, ``sales.review``) or back to
draft (rejected, with a reason) → outbound issued (warehouse, batches FEFO through
``inventory.services.allocate``) → shipped → received → closed; cancel before outbound.

An order has no visibility of its own: it is visible exactly when its customer is, plus the
role scopes of ``org.RoleScope`` (finance: all orders; warehouse: approved and later; see
``sales.selectors``). Every change leaves an ``OrderEvent`` (the order's timeline) and an audit
record; nothing is deleted (orders are cancelled).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.models import TimeStamped
from pharmcrm.qualifications.models import StoredFile

ZERO = Decimal("0")


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("order status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("order status", "Awaiting review")
    APPROVED = "approved", pgettext_lazy("order status", "Approved")
    OUTBOUND = "outbound", pgettext_lazy("order status", "Outbound issued")
    SHIPPED = "shipped", pgettext_lazy("order status", "Shipped")
    RECEIVED = "received", pgettext_lazy("order status", "Received")
    CLOSED = "closed", pgettext_lazy("order status", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


# approved and later (what warehouse sees; what counts as a receivable unless cancelled)
APPROVED_AND_LATER = (Status.APPROVED, Status.OUTBOUND, Status.SHIPPED, Status.RECEIVED, Status.CLOSED)
STATUS_TAGS = {
    Status.DRAFT: "tag-grey", Status.SUBMITTED: "tag-amber", Status.APPROVED: "tag-blue",
    Status.OUTBOUND: "tag-blue", Status.SHIPPED: "tag-green", Status.RECEIVED: "tag-green",
    Status.CLOSED: "tag-grey", Status.CANCELLED: "tag-red",
}


class TerminalType(models.TextChoices):
    PUBLIC_HOSPITAL = "public_hospital", _("Public hospital")
    PRIVATE_HOSPITAL = "private_hospital", _("Private hospital")
    PHARMACY = "pharmacy", _("Pharmacy")
    AGENT = "agent", _("Agent / distributor")


class OrderSequence(models.Model):
    """The last number given in a year: XS-<year>-<last:06d>."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CustomerTerms(models.Model):
    """A customer's credit terms (one row per customer, created lazily with the defaults):
    credit limit (None: no limit), how many days after approval an unpaid order counts as
    overdue, and the minimum remaining shelf life of goods shipped to it."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE,
                                    related_name="sales_terms", verbose_name=_("customer"))
    credit_limit = models.DecimalField(_("credit limit"), max_digits=14, decimal_places=2, null=True, blank=True)
    overdue_days_limit = models.PositiveIntegerField(_("overdue after (days)"), default=90)
    min_shelf_life_days = models.PositiveIntegerField(_("minimum remaining shelf life (days)"), default=180)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("customer credit terms")
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                                   name="terms_credit_limit_nonneg"),
        ]

    def __str__(self) -> str:
        return f"terms {self.customer_id}"


class SalesOrder(TimeStamped):
    number = models.CharField(_("order number"), max_length=20, unique=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="sales_orders")
    shipping_address = models.ForeignKey("customers.ShippingAddress", verbose_name=_("shipping address"),
                                         on_delete=models.PROTECT, related_name="sales_orders")
    terminal_type = models.CharField(_("terminal type"), max_length=20, choices=TerminalType.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    override_reason = models.TextField(_("review override reason"), max_length=2000, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), max_length=2000, blank=True)
    outbound_at = models.DateTimeField(_("outbound issued at"), null=True, blank=True)
    outbound_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("outbound issued by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=100, blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.TextField(_("reason for cancelling"), max_length=2000, blank=True)
    amount_total = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(_("tax"), max_digits=14, decimal_places=2, default=ZERO)
    # paid_total is maintained by payments (allocations), returned_total by return orders;
    # outstanding = amount_total - returned_total - paid_total (``outstanding_expr``)
    paid_total = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=ZERO)
    returned_total = models.DecimalField(_("returned"), max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="order_customer_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="order_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="order_recent_idx"),
            models.Index(fields=["created_by", "status"], name="order_creator_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_total__gte=0) & Q(paid_total__gte=0),
                                   name="order_totals_nonneg"),
            models.CheckConstraint(condition=Q(returned_total__gte=0) & Q(returned_total__lte=F("amount_total")),
                                   name="order_returned_within_total"),
            # rounded: SQLite keeps decimals as floating point, where 621.00 - 124.20 < 496.80
            models.CheckConstraint(condition=Q(paid_total__lte=Round(F("amount_total") - F("returned_total"), 2)),
                                   name="order_paid_within_net"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS.get(self.status, "tag-grey")

    @property
    def outstanding(self) -> Decimal:
        return self.amount_total - self.returned_total - self.paid_total

    @property
    def net_total(self) -> Decimal:
        """What the customer owes for this order in all: the total less returns."""
        return self.amount_total - self.returned_total


def outstanding_expr():
    """The order's outstanding receivable as a query expression (use in filters/aggregates)."""
    return F("amount_total") - F("returned_total") - F("paid_total")


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="sales_order_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    tax = models.DecimalField(_("tax"), max_digits=14, decimal_places=2, default=ZERO)
    floor_price = models.DecimalField(_("floor price"), max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_qty_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.position}"


class OrderLineAllocation(models.Model):
    """A batch taken for a line at outbound (what the delivery note prints)."""

    line = models.ForeignKey(SalesOrderLine, on_delete=models.CASCADE, related_name="allocations")
    batch = models.ForeignKey("inventory.Batch", on_delete=models.PROTECT, related_name="+")
    batch_no = models.CharField(_("batch number"), max_length=50)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"))
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)

    class Meta:
        ordering = ["line_id", "expiry_date", "id"]

    def __str__(self) -> str:
        return f"{self.line_id}:{self.batch_no}"


class PriceException(TimeStamped):
    """A rep asks to sell a line below the floor price; a head of the customer's owner
    department (or above) approves or refuses."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("price exception", "Pending")
        APPROVED = "approved", pgettext_lazy("price exception", "Approved")
        REFUSED = "refused", pgettext_lazy("price exception", "Refused")

    line = models.ForeignKey(SalesOrderLine, on_delete=models.CASCADE, related_name="price_exceptions")
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="price_exceptions")
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=4)
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "order"], name="price_exc_state_idx")]
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=Q(state="pending"), name="price_exc_one_pending"),
        ]

    def __str__(self) -> str:
        return f"exception {self.line_id} {self.state}"


class EventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("order event", "Created")
    EDITED = "edited", pgettext_lazy("order event", "Edited")
    SUBMITTED = "submitted", pgettext_lazy("order event", "Submitted for review")
    APPROVED = "approved", pgettext_lazy("order event", "Approved")
    REJECTED = "rejected", pgettext_lazy("order event", "Rejected")
    OUTBOUND = "outbound", pgettext_lazy("order event", "Outbound issued")
    SHIPPED = "shipped", pgettext_lazy("order event", "Shipped")
    RECEIVED = "received", pgettext_lazy("order event", "Received")
    CLOSED = "closed", pgettext_lazy("order event", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("order event", "Cancelled")
    EXCEPTION_ASKED = "exc_asked", pgettext_lazy("order event", "Price exception requested")
    EXCEPTION_DECIDED = "exc_decided", pgettext_lazy("order event", "Price exception decided")
    REOPENED = "reopened", pgettext_lazy("order event", "Reopened")
    PAYMENT = "payment", pgettext_lazy("order event", "Payments")
    ATTACHMENT = "attachment", pgettext_lazy("order event", "File added")
    RETURN_REQUESTED = "ret_requested", pgettext_lazy("order event", "Return requested")
    RETURN_APPROVED = "ret_approved", pgettext_lazy("order event", "Return approved")
    RETURN_REJECTED = "ret_rejected", pgettext_lazy("order event", "Return rejected")
    RETURN_RECEIVED = "ret_received", pgettext_lazy("order event", "Returned goods received")
    RETURN_CANCELLED = "ret_cancelled", pgettext_lazy("order event", "Return withdrawn")


class OrderEvent(models.Model):
    """One line of an order's timeline (who, when, what, note)."""

    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    at = models.DateTimeField(_("time"))
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), max_length=5000, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at", "id"], name="order_event_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


# --- return orders (退货单) -------------------------------------------------------------------

class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("return status", "Awaiting review")
    APPROVED = "approved", pgettext_lazy("return status", "Approved, goods expected")
    RECEIVED = "received", pgettext_lazy("return status", "Goods received")
    REJECTED = "rejected", pgettext_lazy("return status", "Rejected")
    CANCELLED = "cancelled", pgettext_lazy("return status", "Withdrawn")


# a return in these states holds its quantities (no second return of the same units)
RETURN_HOLDING = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED)
RETURN_TAGS = {
    ReturnStatus.REQUESTED: "tag-amber", ReturnStatus.APPROVED: "tag-blue", ReturnStatus.RECEIVED: "tag-green",
    ReturnStatus.REJECTED: "tag-red", ReturnStatus.CANCELLED: "tag-grey",
}


class ReturnSequence(models.Model):
    """The last return number given in a year: TH-<year>-<last:06d>."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ReturnOrder(TimeStamped):
    """Goods sent back after outbound (DOMAIN.md "The sales flow"): the seller requests it (which
    batches, how many, why); finance approves it, which takes the amount off the order's
    receivable (``SalesOrder.returned_total``; money already paid beyond the new total goes back
    to the customer's credit) and the quantities out of the invoice ledger; the warehouse
    receives the goods back into the batches they left from (``inventory.services.restock``)."""

    number = models.CharField(_("return number"), max_length=20, unique=True)
    order = models.ForeignKey(SalesOrder, verbose_name=_("order"), on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(_("status"), max_length=20, choices=ReturnStatus.choices,
                              default=ReturnStatus.REQUESTED)
    reason = models.TextField(_("reason for the return"), max_length=2000)
    amount_total = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=ZERO)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    released_credit = models.DecimalField(_("paid amount moved to the customer's credit"), max_digits=14,
                                          decimal_places=2, default=ZERO)
    received_at = models.DateTimeField(_("goods received at"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("goods received by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    closed_note = models.TextField(_("reason"), max_length=2000, blank=True)  # rejection / withdrawal

    class Meta:
        verbose_name = _("return order")
        verbose_name_plural = _("return orders")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="return_status_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount_total__gte=0), name="return_amount_nonneg")]

    def __str__(self) -> str:
        return self.number

    @property
    def status_tag(self) -> str:
        return RETURN_TAGS.get(self.status, "tag-grey")


class ReturnLine(models.Model):
    """So many units of one batch of one order line come back."""

    ret = models.ForeignKey(ReturnOrder, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="return_lines")
    allocation = models.ForeignKey(OrderLineAllocation, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["line_id", "allocation_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_qty_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="return_line_amount_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.ret_id}:{self.allocation_id}×{self.quantity}"


class OrderAttachment(StoredFile):
    """A file kept with an order (the customer's purchase order or contract scan, a signed
    delivery note): checked and stored like qualification scans (PDF, JPEG, PNG, WebP recognised
    by content, size-limited, a random name under MEDIA_ROOT/orders/), served only through the
    permission-checked view; never deleted from the UI."""

    order = models.ForeignKey(SalesOrder, verbose_name=_("order"), on_delete=models.CASCADE,
                              related_name="attachments")
    file = models.FileField(_("file"), upload_to="orders/%Y/%m/", max_length=200)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta(StoredFile.Meta):
        verbose_name = _("order attachment")
        verbose_name_plural = _("order attachments")
