"""The customer's 360° profile (DOMAIN.md "Customers"): invoicing data, shipping addresses,
regions it wants to represent, products of interest, product fields it deals in, key
accounts it knows, competitors. (Hospital grade/beds/ownership and a store's head office
are fields of ``Customer`` itself.)

Imported at the bottom of ``customers.models``; written only by ``customers.profile_services``,
read only through ``customers.profile_selectors``. Every row hangs off one customer and is
visible exactly when that customer is.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pharmcrm.catalog.models import TherapeuticArea
from pharmcrm.core.models import TimeStamped


class InvoiceType(models.TextChoices):
    VAT_SPECIAL = "vat_special", _("VAT special invoice")
    VAT_NORMAL = "vat_normal", _("VAT normal invoice")
    ELECTRONIC = "electronic", _("Electronic invoice")


class _Child(TimeStamped):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        abstract = True


class InvoiceProfile(_Child):
    """开票资料: one per customer."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="invoice_profile")
    title = models.CharField(_("invoice title"), max_length=200)
    taxpayer_id = models.CharField(_("taxpayer ID"), max_length=20)
    address = models.CharField(_("registered address"), max_length=300, blank=True)
    phone = models.CharField(_("registered phone"), max_length=30, blank=True)
    bank = models.CharField(_("bank"), max_length=100, blank=True)
    account = models.CharField(_("bank account"), max_length=40, blank=True)
    invoice_type = models.CharField(_("invoice type"), max_length=20, choices=InvoiceType.choices, blank=True)

    class Meta:
        verbose_name = _("invoicing data")
        verbose_name_plural = _("invoicing data")

    def __str__(self) -> str:
        return self.title


class ShippingAddress(_Child):
    """发货资料: several per customer; exactly one default while any is active. Orders will
    reference them, so they are deactivated, never deleted."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="shipping_addresses")
    receiver = models.CharField(_("receiver"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30)
    region_code = models.CharField(_("region"), max_length=12)
    address = models.CharField(_("address"), max_length=300)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shipping address")
        verbose_name_plural = _("shipping addresses")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(is_default=True), name="ship_one_default"),
            models.CheckConstraint(condition=Q(is_active=True) | Q(is_default=False), name="ship_default_active"),
        ]
        indexes = [models.Index(fields=["customer", "is_active"], name="ship_customer_idx")]

    def __str__(self) -> str:
        return f"{self.receiver} {self.address}"


class CustomerWantedRegion(_Child):
    """意向代理区域: a region (GB/T 2260 code) the customer wants to represent us in."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="wanted_regions")
    region_code = models.CharField(_("region"), max_length=12)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("wanted region")
        verbose_name_plural = _("wanted regions")
        constraints = [models.UniqueConstraint(fields=["customer", "region_code"], name="wanted_region_unique")]

    def __str__(self) -> str:
        return self.region_code


class CustomerProductField(_Child):
    """经营品类: a therapeutic area the customer deals in now (``catalog.TherapeuticArea``)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="product_fields")
    area = models.CharField(_("therapeutic area"), max_length=30, choices=TherapeuticArea.choices)
    annual_volume = models.DecimalField(
        _("annual volume estimate (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("product field")
        verbose_name_plural = _("product fields")
        constraints = [
            models.UniqueConstraint(fields=["customer", "area"], name="product_field_unique"),
            models.CheckConstraint(condition=Q(annual_volume__isnull=True) | Q(annual_volume__gte=0),
                                   name="product_field_volume_positive"),
        ]

    def __str__(self) -> str:
        return self.area


class CustomerProductInterest(_Child):
    """意向产品: a product of ours the customer is interested in."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="product_interests")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="interested_customers",
                                verbose_name=_("product"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("product of interest")
        verbose_name_plural = _("products of interest")
        constraints = [models.UniqueConstraint(fields=["customer", "product"], name="product_interest_unique")]

    def __str__(self) -> str:
        return str(self.product) if self.product_id else ""


class CustomerKeyAccount(_Child):
    """重点终端: a hospital or clinic the customer knows, with how well (1 weak – 3 strong)."""

    class Strength(models.IntegerChoices):
        WEAK = 1, _("Acquainted")
        GOOD = 2, _("Good relationship")
        STRONG = 3, _("Strong relationship")

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="key_accounts")
    hospital = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="known_by",
                                 verbose_name=_("hospital"))
    note = models.CharField(_("relationship"), max_length=300, blank=True)
    strength = models.PositiveSmallIntegerField(_("strength"), choices=Strength.choices, default=Strength.GOOD)

    class Meta:
        verbose_name = _("key account")
        verbose_name_plural = _("key accounts")
        constraints = [
            models.UniqueConstraint(fields=["customer", "hospital"], name="key_account_unique"),
            models.CheckConstraint(condition=Q(strength__gte=1, strength__lte=3), name="key_account_strength"),
            models.CheckConstraint(condition=~Q(customer=F("hospital")), name="key_account_not_self"),
        ]

    def __str__(self) -> str:
        # never the hospital's name: it may be invisible to whoever reads this
        return f"key account #{self.pk}"


class CustomerCompetitor(_Child):
    """竞品/竞争对手: who else works this customer, and what they push."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="competitors")
    name = models.CharField(_("competitor"), max_length=100)
    products = models.TextField(_("products they push"), max_length=1000, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


__all__ = [
    "CustomerCompetitor",
    "CustomerKeyAccount",
    "CustomerProductField",
    "CustomerProductInterest",
    "CustomerWantedRegion",
    "InvoiceProfile",
    "InvoiceType",
    "ShippingAddress",
]
