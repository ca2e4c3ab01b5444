"""Products (pharma master data) and their price lists.

A product row is one sellable item: generic name + dosage form + spec (+ pack) of one
manufacturer. The same 批准文号 may appear on several rows (e.g. packs of 12 and of 24
tablets share one approval number), but never twice with the same spec among active
products (database constraint ``product_active_approval_spec_unique``).

Prices (``ProductPrice``) are valid by date, per scope: national (no region, no customer),
a region (6-digit code; contains its sub-regions) or one customer. See ``selectors.price_for``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.models import TimeStamped


class DosageForm(models.TextChoices):
    TABLET = "tablet", _("Tablet")
    CAPSULE = "capsule", _("Capsule")
    INJECTION = "injection", _("Injection")
    GRANULE = "granule", _("Granules")
    ORAL_LIQUID = "oral_liquid", _("Oral liquid")
    PILL = "pill", _("Pill")
    OINTMENT = "ointment", _("Ointment")
    EYE_DROPS = "eye_drops", _("Eye drops")
    POWDER = "powder", _("Powder")
    PATCH = "patch", _("Patch")
    SYRUP = "syrup", _("Syrup")
    SUPPOSITORY = "suppository", _("Suppository")
    SPRAY = "spray", _("Spray")
    OTHER = "other", _("Other dosage form")


class PackingUnit(models.TextChoices):
    BOX = "box", _("box")
    BOTTLE = "bottle", _("bottle")
    AMPOULE = "ampoule", _("vial/ampoule")
    BAG = "bag", _("bag")


class InsuranceClass(models.TextChoices):
    CLASS_A = "a", _("Insurance class A")
    CLASS_B = "b", _("Insurance class B")
    NONE = "none", _("Not covered by insurance")


class RxClass(models.TextChoices):
    RX = "rx", _("Prescription")
    OTC_A = "otc_a", _("OTC class A")
    OTC_B = "otc_b", _("OTC class B")


class StorageCondition(models.TextChoices):
    NORMAL = "normal", _("Room temperature")
    COOL = "cool", _("Cool (below 20 °C)")
    COLD = "cold", _("Refrigerated 2–8 °C")
    FROZEN = "frozen", _("Frozen")


class TherapeuticArea(models.TextChoices):
    """治疗领域. Also used by the customer profile ("product fields a customer deals in")."""

    CARDIO = "cardio", _("Cardio-cerebrovascular")
    ANTI_INFECTIVE = "anti_infective", _("Anti-infective")
    ONCOLOGY = "oncology", _("Oncology")
    DIGESTIVE = "digestive", _("Digestive")
    RESPIRATORY = "respiratory", _("Respiratory")
    ENDOCRINE = "endocrine", _("Endocrine / diabetes")
    NEURO = "neuro", _("Neurology / psychiatry")
    ORTHOPEDICS = "orthopedics", _("Orthopaedics")
    WOMEN_CHILDREN = "women_children", _("Women and children")
    DERMATOLOGY = "dermatology", _("Dermatology")
    TCM = "tcm", _("Chinese patent medicine")
    OTHER = "other", _("Other area")


class ProductStatus(models.TextChoices):
    ACTIVE = "active", _("On sale")
    DISCONTINUED = "discontinued", _("Discontinued")


class PriceKind(models.TextChoices):
    FLOOR = "floor", _("Floor price")
    AGENCY = "agency", _("Agency price")
    SUPPLY = "supply", _("Supply price")
    RETAIL = "retail", _("Retail guide price")


DEFAULT_TAX_RATE = Decimal("13.00")


class Product(TimeStamped):
    generic_name = models.CharField(_("generic name"), max_length=100)
    trade_name = models.CharField(_("trade name"), max_length=100, blank=True)
    dosage_form = models.CharField(_("dosage form"), max_length=20, choices=DosageForm.choices)
    spec = models.CharField(_("specification"), max_length=100)
    packing_unit = models.CharField(
        _("packing unit"), max_length=10, choices=PackingUnit.choices, default=PackingUnit.BOX
    )
    case_quantity = models.PositiveIntegerField(_("units per case"), default=1)
    manufacturer = models.CharField(_("manufacturer"), max_length=200)
    mah = models.CharField(_("marketing authorisation holder"), max_length=200, blank=True)
    approval_number = models.CharField(_("approval number"), max_length=20)
    insurance_class = models.CharField(
        _("medical insurance"), max_length=10, choices=InsuranceClass.choices, default=InsuranceClass.NONE
    )
    rx_class = models.CharField(_("Rx / OTC"), max_length=10, choices=RxClass.choices, default=RxClass.RX)
    storage = models.CharField(
        _("storage"), max_length=10, choices=StorageCondition.choices, default=StorageCondition.NORMAL
    )
    # percent, e.g. 13.00 means 13 %
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=DEFAULT_TAX_RATE)
    therapeutic_area = models.CharField(
        _("therapeutic area"), max_length=20, choices=TherapeuticArea.choices, default=TherapeuticArea.OTHER
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    search_text = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["generic_name", "spec", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["approval_number", "spec"], condition=Q(status="active"),
                name="product_active_approval_spec_unique",
            ),
            models.CheckConstraint(condition=Q(case_quantity__gte=1), name="product_case_quantity_positive"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="product_tax_rate_range"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "generic_name"], name="product_status_name_idx"),
            models.Index(fields=["approval_number"], name="product_approval_idx"),
        ]

    def __str__(self) -> str:
        name = f"{self.generic_name}（{self.trade_name}）" if self.trade_name else self.generic_name
        return f"{name} {self.spec}"

    @property
    def is_active(self) -> bool:
        return self.status == ProductStatus.ACTIVE


class ProductPrice(models.Model):
    """One price of a product, valid from ``valid_from`` to ``valid_to`` (inclusive; open if null).

    Scope: national (region_code blank, customer null), regional (region_code set), or one
    customer (customer set). Never both region and customer. Wrongly entered prices are voided
    (kept, excluded from everything), valid ones are ended by setting ``valid_to``.
    """

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="prices")
    kind = models.CharField(_("price type"), max_length=10, choices=PriceKind.choices)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=4)
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
        related_name="product_prices", null=True, blank=True,
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("product price")
        verbose_name_plural = _("product prices")
        ordering = ["product", "kind", "-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="price_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="price_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=True) | Q(region_code=""), name="price_region_xor_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "kind", "valid_from"], name="price_product_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.get_kind_display()} {self.price}"

    @property
    def scope(self) -> str:
        if self.customer_id:
            return "customer"
        if self.region_code:
            return "region"
        return "national"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None
