"""Stock by batch (库存/批号): warehouses, batches, the stock ledger, receipts and adjustments.

The ledger rule: a batch's ``on_hand`` changes ONLY through ``services._move``, which writes a
``StockMove`` in the same transaction, so for every batch ``on_hand == sum(moves.quantity)``
(receipts + adjustments − outbounds + returns). ``on_hand >= 0`` is also a database CHECK.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.models import TimeStamped

QTY = {"max_digits": 14, "decimal_places": 3}
ZERO = Decimal("0")


class Warehouse(TimeStamped):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)

    class Meta:
        ordering = ["code", "id"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return self.name


class BatchStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    QUARANTINE = "quarantine", _("Quarantine (awaiting inspection)")
    LOCKED = "locked", _("Locked")


class Batch(TimeStamped):
    """One batch (批号) of one product in one warehouse."""

    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="batches")
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT,
                                  related_name="batches")
    batch_no = models.CharField(_("batch number"), max_length=40)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"))
    on_hand = models.DecimalField(_("on hand"), default=ZERO, **QTY)
    status = models.CharField(_("status"), max_length=20, choices=BatchStatus.choices,
                              default=BatchStatus.AVAILABLE)

    class Meta:
        ordering = ["expiry_date", "id"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "product", "batch_no"], name="inv_batch_unique"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="inv_batch_on_hand_not_negative"),
        ]
        indexes = [
            models.Index(fields=["product", "expiry_date", "id"], name="inv_batch_fefo_idx"),
            models.Index(fields=["expiry_date", "id"], name="inv_batch_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_no}"


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Stock-in")
    ADJUSTMENT = "adjustment", _("Adjustment")
    OUTBOUND = "outbound", _("Outbound")
    RETURN = "return", _("Return")


class StockMove(models.Model):
    """The stock ledger: one signed quantity on one batch. Written only by ``services._move``."""

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(_("kind"), max_length=20, choices=MoveKind.choices)
    quantity = models.DecimalField(_("quantity"), **QTY)
    ref_type = models.CharField(_("reference type"), max_length=40, blank=True)
    ref_id = models.BigIntegerField(_("reference id"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="inv_move_not_zero"),
        ]
        indexes = [
            models.Index(fields=["batch", "at", "id"], name="inv_move_batch_idx"),
            models.Index(fields=["ref_type", "ref_id"], name="inv_move_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} @{self.batch_id}"


class ReceiptSequence(models.Model):
    """The yearly counter behind receipt numbers (RK-2026-000001)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class StockReceipt(TimeStamped):
    """入库单: posted when created (its lines are receipt moves); never edited — a correction is an
    adjustment."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT,
                                  related_name="receipts")
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"))
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("stock-in receipt")
        verbose_name_plural = _("stock-in receipts")

    def __str__(self) -> str:
        return self.number


class StockReceiptLine(models.Model):
    receipt = models.ForeignKey(StockReceipt, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("line"))
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT,
                                related_name="+")
    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="receipt_lines")
    batch_no = models.CharField(_("batch number"), max_length=40)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"))
    quantity = models.DecimalField(_("quantity"), **QTY)

    class Meta:
        ordering = ["receipt", "line_no"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="inv_receipt_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}/{self.line_no}"


class AdjustmentReason(models.TextChoices):
    COUNT = "count", _("Count difference")
    DAMAGE = "damage", _("Damage")
    RECALL = "recall", _("Recall")
    EXPIRY = "expiry_destruction", _("Expiry destruction")
    OTHER = "other", _("Other")


class StockAdjustment(models.Model):
    """A correction of one batch's quantity (库存调整), with a reason."""

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="adjustments")
    delta = models.DecimalField(_("change"), **QTY)
    reason = models.CharField(_("reason"), max_length=30, choices=AdjustmentReason.choices)
    reason_text = models.CharField(_("explanation"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock adjustment")
        verbose_name_plural = _("stock adjustments")
        constraints = [
            models.CheckConstraint(condition=~models.Q(delta=0), name="inv_adjustment_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.batch} {self.delta:+}"
