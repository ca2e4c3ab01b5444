from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.models import TimeStamped
from pharmcrm.core.validators import validate_credit_code
from pharmcrm.customers.profile_choices import HospitalGrade, HospitalOwnership


class CustomerType(models.TextChoices):
    AGENT = "agent", _("Agent")
    DISTRIBUTOR = "distributor", _("Distributor")
    HOSPITAL = "hospital", _("Hospital")
    CLINIC = "clinic", _("Primary clinic")
    CHAIN = "chain", _("Pharmacy chain")
    PHARMACY = "pharmacy", _("Single pharmacy")
    OTHER = "other", _("Other")


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class CustomerGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class CustomerSource(models.TextChoices):
    VISIT = "visit", _("Cold visit")
    REFERRAL = "referral", _("Referral")
    EXHIBITION = "exhibition", _("Exhibition")
    WEBSITE = "website", _("Website / online")
    TENDER = "tender", _("Tender")
    CAMPAIGN = "campaign", _("Marketing campaign")
    OTHER = "other", _("Other")


ALIVE = Q(deleted_at__isnull=True)


def pool_clock(field: str) -> Greatest:
    """The public pool's clock of a rule: ``max(field or created_at, owned_since or created_at)``
    (customers/pool.py); indexed per rule, so "due soonest" is an index walk (pool_warnings)."""
    return Greatest(Coalesce(field, "created_at"), Coalesce("owned_since", "created_at"))


class Customer(TimeStamped):
    type = models.CharField(_("type"), max_length=20, choices=CustomerType.choices)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    region_code = models.CharField(_("region code"), max_length=12, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT
    )
    grade = models.CharField(_("grade"), max_length=1, choices=CustomerGrade.choices, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=CustomerSource.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    # 360° profile (customers/profile_*.py): hospitals and clinics, and a store's head office
    hospital_grade = models.CharField(_("hospital grade"), max_length=4, choices=HospitalGrade.choices, blank=True)
    beds = models.PositiveIntegerField(_("beds"), null=True, blank=True)
    ownership = models.CharField(_("ownership"), max_length=10, choices=HospitalOwnership.choices, blank=True)
    parent_chain = models.ForeignKey(
        "self", verbose_name=_("head office"), on_delete=models.SET_NULL, related_name="stores",
        null=True, blank=True,
    )
    # None: the customer is in the public pool of ``pool_department`` (customers/pool*.py)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="customers",
        null=True, blank=True,
    )
    owner_department = models.ForeignKey(
        "org.Department", verbose_name=_("owner's department"), on_delete=models.PROTECT,
        related_name="customers", null=True, blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    # public pool (customers/pool*.py): exactly one of owner / pool_department is set
    pool_department = models.ForeignKey(
        "org.Department", verbose_name=_("pool"), on_delete=models.PROTECT, related_name="pool_customers",
        null=True, blank=True,
    )
    released_at = models.DateTimeField(_("released to the pool at"), null=True, blank=True)
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True, default=timezone.now)
    last_followup_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    last_deal_at = models.DateTimeField(_("last deal"), null=True, blank=True)
    # the follow-up plan (My Desktop): next_date of the latest follow-up (by occurred_at, id),
    # kept by activities.services (and after a merge); derived, never edited directly
    next_followup_on = models.DateField(_("next follow-up date"), null=True, blank=True, editable=False)
    pool_exempt = models.BooleanField(_("exempt from pool recycling"), default=False)
    search_text = models.TextField(editable=False, default="")
    # duplicate check (customers.duplicate_keys): written by the services with the name and phone
    name_key = models.CharField(max_length=200, editable=False, default="", blank=True)
    phone_key = models.CharField(max_length=30, editable=False, default="", blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.PROTECT, related_name="merged_from",
        null=True, blank=True, editable=False,
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # the default sort, walked with a filter for users who see most rows
            models.Index(fields=["-updated_at", "-id"], name="cust_recent_idx", condition=ALIVE),
            models.Index(fields=["owner", "-updated_at", "-id"], name="cust_owner_recent_idx", condition=ALIVE),
            models.Index(
                fields=["owner_department", "-updated_at", "-id"], name="cust_dept_recent_idx", condition=ALIVE
            ),
            models.Index(fields=["credit_code"], name="cust_credit_idx"),
            models.Index(fields=["name_key"], name="cust_name_key_idx", condition=~Q(name_key="")),
            models.Index(fields=["phone_key"], name="cust_phone_key_idx", condition=~Q(phone_key="")),
            models.Index(fields=["deleted_at"], name="cust_deleted_idx", condition=~ALIVE),
            models.Index(fields=["pool_department", "-released_at", "-id"], name="cust_pool_idx",
                         condition=ALIVE & Q(pool_department__isnull=False)),
            # My Desktop: plans due, per owner and per department
            models.Index(fields=["owner", "next_followup_on"], name="cust_owner_plan_idx",
                         condition=ALIVE & Q(next_followup_on__isnull=False)),
            # (owner last: the team table's per-person counts read this index alone)
            models.Index(fields=["owner_department", "next_followup_on", "owner"], name="cust_dept_plan_idx",
                         condition=ALIVE & Q(next_followup_on__isnull=False)),
            # the public pool's clocks (customers/pool.py), in due order for the warnings
            models.Index(pool_clock("last_followup_at"), name="cust_followup_clock_idx",
                         condition=ALIVE & Q(owner__isnull=False)),
            models.Index(pool_clock("last_deal_at"), name="cust_deal_clock_idx",
                         condition=ALIVE & Q(owner__isnull=False)),
            # ... and in date order over a large subtree (a regional head's team view)
            models.Index(fields=["next_followup_on", "id"], name="cust_plan_idx",
                         condition=ALIVE & Q(next_followup_on__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, pool_department__isnull=True)
                | Q(owner__isnull=True, owner_department__isnull=True, pool_department__isnull=False),
                name="cust_owner_xor_pool",
            ),
            models.CheckConstraint(condition=Q(beds__isnull=True) | Q(beds__gte=1), name="cust_beds_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CustomerShare(models.Model):
    class Access(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="customer_shares",
    )
    group = models.ForeignKey(
        "org.ShareGroup", verbose_name=_("share group"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="customer_shares",
    )
    access = models.CharField(_("access"), max_length=10, choices=Access.choices, default=Access.READ)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False, group__isnull=True) | Q(user__isnull=True, group__isnull=False)),
                name="share_user_xor_group",
            ),
            models.UniqueConstraint(fields=["customer", "user"], name="share_unique_user",
                                    condition=Q(user__isnull=False)),
            models.UniqueConstraint(fields=["customer", "group"], name="share_unique_group",
                                    condition=Q(group__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["user", "customer"], name="share_user_idx"),
            models.Index(fields=["group", "customer"], name="share_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} → {self.user or self.group}"


class TransferLog(models.Model):
    """One transfer action: who moved which customers from whom to whom."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    keep_shares = models.BooleanField(default=True)
    customer_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"transfer #{self.pk} ({self.customer_count})"


class TransferItem(models.Model):
    log = models.ForeignKey(TransferLog, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="transfers")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_user_id} -> {self.to_user_id}"


from pharmcrm.customers.conflict_models import *  # noqa: E402, F403  duplicate conflicts (撞单申诉)
from pharmcrm.customers.pool_models import *  # noqa: E402, F403  the public pool's models
from pharmcrm.customers.profile_models import *  # noqa: E402, F403  the 360° profile's models
