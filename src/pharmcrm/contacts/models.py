"""Contacts: people, and their dated employments at customers (DOMAIN.md "Contacts").

A ``Contact`` is a person. Where they work is an ``Employment`` (customer, title, business
role, start, end; ``end_date`` null = current). Moving to another company ends one
employment and starts another, so the history stays. A contact has no visibility of its
own: it is visible exactly when one of its employments is at a customer the user sees
(``contacts.selectors``).

Birthdays are three small integers (year optional) rather than a date, because reps often
know "3月8日" without the year, and because "whose birthday is in the next 7 days" is a
range over (month, day) that an index serves across years.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.models import TimeStamped

ALIVE = Q(deleted_at__isnull=True)
CURRENT = Q(end_date__isnull=True)


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class BusinessRole(models.TextChoices):
    PURCHASING = "purchasing", _("Purchasing")
    PHARMACY_DIRECTOR = "pharmacy_director", _("Director of pharmacy")
    PRESIDENT = "president", _("President / vice president")
    DEPARTMENT_HEAD = "department_head", _("Head of a clinical department")
    OWNER = "owner", _("Owner / legal representative")
    GENERAL_MANAGER = "general_manager", _("General manager")
    FINANCE = "finance", _("Finance")
    WAREHOUSE = "warehouse", _("Warehouse / quality")
    DOCTOR = "doctor", _("Doctor")
    OTHER = "other", _("Other")


def _month_day_ok(prefix: str) -> Q:
    """Both month and day empty, or month 1..12 and day 1..31 (the exact calendar is checked
    by the service: 4月31日 is refused there)."""
    m, d = f"{prefix}month", f"{prefix}day"
    return Q(**{f"{m}__isnull": True, f"{d}__isnull": True}) | Q(
        **{f"{m}__gte": 1, f"{m}__lte": 12, f"{d}__gte": 1, f"{d}__lte": 31}
    )


class Contact(TimeStamped):
    # labels of audit-trail keys that are not fields (read by the customer's history tab)
    AUDIT_LABELS = {"birthday": _("Birthday"), "care_dates": _("Care dates")}

    name = models.CharField(_("contact name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(_("birthday month"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("birthday day"), null=True, blank=True)
    care_notes = models.TextField(_("care notes"), blank=True, max_length=2000,
                                  help_text=_("Hobbies, family, what they like."))
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    # full pinyin of the name (first reading): the alphabetical order Chinese users expect
    name_pinyin = models.CharField(max_length=200, editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(condition=_month_day_ok("birth_"), name="contact_birthday_valid"),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="contact_birth_year_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="contact_recent_idx", condition=ALIVE),
            models.Index(fields=["name_pinyin", "id"], name="contact_name_idx", condition=ALIVE),
            models.Index(fields=["birth_month", "birth_day"], name="contact_birthday_idx", condition=ALIVE),
            models.Index(fields=["deleted_at"], name="contact_deleted_idx", condition=~ALIVE),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def birthday_text(self) -> str:
        """"1975-03-08", "03-08" (year unknown) or ""."""
        if not self.birth_month:
            return ""
        md = f"{self.birth_month:02d}-{self.birth_day:02d}"
        return f"{self.birth_year}-{md}" if self.birth_year else md

    def age_on(self, day: datetime.date) -> int | None:
        if not (self.birth_year and self.birth_month):
            return None
        before = (day.month, day.day) < (self.birth_month, self.birth_day)
        return day.year - self.birth_year - (1 if before else 0)


class CareDate(models.Model):
    """A date to remember a contact on every year (结婚纪念日, 孩子生日, 入职周年 ...)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="care_dates")
    label = models.CharField(_("occasion"), max_length=50)
    month = models.PositiveSmallIntegerField(_("month"))
    day = models.PositiveSmallIntegerField(_("day"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True,
                                            help_text=_("Optional: the year it started, to count the years."))

    class Meta:
        verbose_name = _("care date")
        verbose_name_plural = _("care dates")
        ordering = ["month", "day", "id"]
        constraints = [
            models.CheckConstraint(condition=_month_day_ok(""), name="caredate_valid"),
        ]
        indexes = [models.Index(fields=["month", "day"], name="caredate_md_idx")]

    def __str__(self) -> str:
        return f"{self.label} {self.month:02d}-{self.day:02d}"

    @property
    def text(self) -> str:
        md = f"{self.month:02d}-{self.day:02d}"
        return f"{self.year}-{md}" if self.year else md


class Employment(TimeStamped):
    """A contact working at a customer, from ``start_date`` (null: not known) to ``end_date``
    (null: still there)."""

    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.CASCADE,
                                related_name="employments")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="employments")
    title = models.CharField(_("job title"), max_length=100, blank=True)
    role = models.CharField(_("business role"), max_length=30, choices=BusinessRole.choices,
                            default=BusinessRole.OTHER)
    role_other = models.CharField(_("role details"), max_length=50, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="employment_end_after_start",
            ),
            # one main contact per customer among the current employments
            models.UniqueConstraint(fields=["customer"], condition=Q(is_primary=True, end_date__isnull=True),
                                    name="employment_one_primary"),
        ]
        indexes = [
            models.Index(fields=["contact", "customer"], name="employment_contact_idx"),
            models.Index(fields=["customer", "contact"], name="employment_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} @ {self.customer}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None

    @property
    def role_text(self) -> str:
        label = str(self.get_role_display())
        if self.role_other:
            return self.role_other if self.role == BusinessRole.OTHER else f"{label}（{self.role_other}）"
        return label
