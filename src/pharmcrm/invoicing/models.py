"""The invoice ledger (发票台账), DOMAIN.md "Invoicing, separate from selling".

Buckets are customer × product × unit price. Rows:
* ``SaleEntry`` — one approved sale line (from the sales app, or the demo), unique per source.
  ``quantity``/``amount`` are what is approved now (reduced by ``reverse_sale``);
  ``invoiced_*`` is what normal invoices cover (``InvoiceAllocation``), ``consumed_*`` what
  pre-invoices cover (``PreInvoiceConsumption``). Un-invoiced = quantity − invoiced − consumed.
* ``Invoice`` + ``InvoiceLine`` — normal (存票), pre-invoice (预开票) and red-letter (红冲, negative
  lines, ``original`` points at the cancelled invoice). A pre-invoice line counts what later
  sales consumed of it in ``consumed_*``.
* ``PriceMismatch`` — a sale that found a pre-invoice of the same customer × product at another
  unit price: listed for finance, never consumed silently.

The counters are denormalised and written only by ``invoicing.services`` under row locks;
``services.check_invariant`` recomputes everything from the allocation/consumption rows and
the invoice lines and asserts invoiced + un-invoiced − pre-invoiced unconsumed = approved.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.models import TimeStamped

ZERO = Decimal("0")
QTY = {"max_digits": 14, "decimal_places": 3}
MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 12, "decimal_places": 4}
RATE = {"max_digits": 5, "decimal_places": 2}


class InvoiceKind(models.TextChoices):
    NORMAL = "normal", _("Stored invoice")
    PRE_INVOICE = "pre_invoice", _("Pre-invoice")
    RED_LETTER = "red_letter", _("Red-letter invoice")


class InvoiceType(models.TextChoices):
    VAT_SPECIAL = "vat_special", _("VAT special invoice")
    VAT_NORMAL = "vat_normal", _("VAT normal invoice")


class InvoiceMedium(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic")
    PAPER = "paper", _("Paper")


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REVERSED = "reversed", _("Reversed")


class TerminalType(models.TextChoices):
    PUBLIC_HOSPITAL = "public_hospital", _("Public hospital")
    PRIVATE_HOSPITAL = "private_hospital", _("Private hospital")
    PHARMACY = "pharmacy", _("Pharmacy")
    DISTRIBUTOR = "distributor", _("Distributor")
    OTHER = "other", _("Other")


class InvoiceSequence(models.Model):
    """The yearly counter behind internal numbers (FP-2026-000001)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class SaleEntry(TimeStamped):
    source_type = models.CharField(_("source type"), max_length=40)
    source_id = models.BigIntegerField(_("source id"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="invoice_sales")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    tax_rate = models.DecimalField(_("tax rate (%)"), **RATE)
    quantity = models.DecimalField(_("approved quantity"), **QTY)
    amount = models.DecimalField(_("approved amount"), **MONEY)
    reversed_quantity = models.DecimalField(_("reversed quantity"), default=ZERO, **QTY)
    reversed_amount = models.DecimalField(_("reversed amount"), default=ZERO, **MONEY)
    invoiced_quantity = models.DecimalField(_("invoiced quantity"), default=ZERO, **QTY)
    invoiced_amount = models.DecimalField(_("invoiced amount"), default=ZERO, **MONEY)
    consumed_quantity = models.DecimalField(_("pre-invoiced quantity"), default=ZERO, **QTY)
    consumed_amount = models.DecimalField(_("pre-invoiced amount"), default=ZERO, **MONEY)
    terminal_type = models.CharField(_("terminal type"), max_length=20, blank=True)
    approved_at = models.DateTimeField(_("approved at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"], name="inv_sale_source_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="inv_sale_qty_nonneg"),
            models.CheckConstraint(condition=Q(invoiced_quantity__gte=0) & Q(consumed_quantity__gte=0),
                                   name="inv_sale_cover_nonneg"),
        ]
        indexes = [models.Index(fields=["customer", "product", "unit_price"], name="inv_sale_bucket_idx")]
        ordering = ["approved_at", "id"]

    def __str__(self) -> str:
        return f"{self.source_type}#{self.source_id}"

    @property
    def open_quantity(self) -> Decimal:
        return self.quantity - self.invoiced_quantity - self.consumed_quantity

    @property
    def open_amount(self) -> Decimal:
        return self.amount - self.invoiced_amount - self.consumed_amount


class Invoice(TimeStamped):
    number = models.CharField(_("number"), max_length=20, unique=True)
    tax_invoice_number = models.CharField(_("tax invoice number"), max_length=30, blank=True)
    tax_invoice_code = models.CharField(_("tax invoice code"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InvoiceKind.choices)
    invoice_type = models.CharField(_("invoice type"), max_length=20, choices=InvoiceType.choices)
    medium = models.CharField(_("medium"), max_length=20, choices=InvoiceMedium.choices)
    status = models.CharField(_("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="invoices")
    title = models.CharField(_("invoice title"), max_length=200)
    taxpayer_id = models.CharField(_("taxpayer ID"), max_length=20)
    address_phone = models.CharField(_("address and phone"), max_length=340, blank=True)
    bank_account = models.CharField(_("bank and account"), max_length=150, blank=True)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversed_by", verbose_name=_("reverses"))
    reason = models.CharField(_("reversal reason"), max_length=300, blank=True)
    remarks = models.CharField(_("remarks"), max_length=500, blank=True)
    invoice_chain = models.CharField(_("invoice chain (two-invoice rule)"), max_length=300, blank=True)
    amount = models.DecimalField(_("amount incl. tax"), **MONEY)
    amount_excl_tax = models.DecimalField(_("amount excl. tax"), **MONEY)
    tax = models.DecimalField(_("tax"), **MONEY)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-issued_on"], name="inv_invoice_customer_idx"),
            models.Index(fields=["-issued_on", "-id"], name="inv_invoice_date_idx"),
        ]
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    quantity = models.DecimalField(_("quantity"), **QTY)
    amount = models.DecimalField(_("amount incl. tax"), **MONEY)
    tax_rate = models.DecimalField(_("tax rate (%)"), **RATE)
    tax = models.DecimalField(_("tax"), **MONEY)
    amount_excl_tax = models.DecimalField(_("amount excl. tax"), **MONEY)
    # pre-invoice lines only: what later sales consumed of it
    consumed_quantity = models.DecimalField(default=ZERO, **QTY)
    consumed_amount = models.DecimalField(default=ZERO, **MONEY)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.invoice_id}:{self.product_id}@{self.unit_price}"

    @property
    def open_quantity(self) -> Decimal:
        return self.quantity - self.consumed_quantity

    @property
    def open_amount(self) -> Decimal:
        return self.amount - self.consumed_amount


class InvoiceAllocation(models.Model):
    """Which sale entries a normal invoice line invoiced (inactive once red-lettered)."""

    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="allocations")
    sale = models.ForeignKey(SaleEntry, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.DecimalField(**QTY)
    amount = models.DecimalField(**MONEY)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.line_id}<-{self.sale_id}: {self.quantity}"


class PreInvoiceConsumption(models.Model):
    """How much of which sale a pre-invoice line covered (inactive once either side is undone)."""

    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="consumptions")
    sale = models.ForeignKey(SaleEntry, on_delete=models.PROTECT, related_name="consumptions")
    quantity = models.DecimalField(**QTY)
    amount = models.DecimalField(**MONEY)
    manual_reason = models.CharField(max_length=300, blank=True)  # a settled price mismatch
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.line_id}->{self.sale_id}: {self.quantity}"


class MismatchStatus(models.TextChoices):
    OPEN = "open", _("To settle")
    CONSUMED = "consumed", _("Consumed manually")
    DISMISSED = "dismissed", _("Left un-invoiced")


class PriceMismatch(TimeStamped):
    sale = models.ForeignKey(SaleEntry, on_delete=models.PROTECT, related_name="mismatches")
    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="mismatches",
                             help_text="the pre-invoice line at another price")
    status = models.CharField(max_length=20, choices=MismatchStatus.choices, default=MismatchStatus.OPEN)
    reason = models.CharField(max_length=300, blank=True)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sale", "line"], name="inv_mismatch_unique")]
        ordering = ["-created_at", "-id"]
