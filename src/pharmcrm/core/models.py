from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One change to a business object: who, when, what, old and new values.

    Written only by services (through ``core.audit.audit_record``), in the same
    transaction as the change. ``customer`` is set for everything that hangs off a
    customer so the customer's history tab is one indexed query.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    action = models.CharField(_("action"), max_length=40)
    target_type = models.CharField(_("object type"), max_length=40)
    target_id = models.BigIntegerField(_("object id"))
    target_label = models.CharField(_("object"), max_length=300, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["target_type", "target_id", "-created_at"], name="audit_target_idx"),
            models.Index(fields=["customer_id", "-created_at"], name="audit_customer_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"


class Region(models.Model):
    """An administrative division of China: GB/T 2260 code, province (1), city (2) or county (3).

    Loaded from ``core/data/regions.csv`` (migration 0004, ``manage.py regions_load``). Codes
    change yearly; a code is never deleted, one missing from a newer file is made inactive, so
    data that refers to it keeps its meaning. Read it through ``pharmcrm.core.regions`` (an
    in-memory copy), not with queries.

    Quirks: a municipality's districts (110101) and a province-administered county (仙桃
    429004) are level 3 with the province as parent; a city with no county level (东莞 441900)
    is a level-2 leaf; Taiwan 710000, Hong Kong 810000 and Macau 820000 are level-1 leaves.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        COUNTY = 3, _("County / district")

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=(1, 2, 3)), name="region_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
