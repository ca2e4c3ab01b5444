"""Qualification documents (首营资料), their scanned files, and the customer-level flag.

A document is never hard-deleted from the UI: a renewal *replaces* it (the old one keeps
``state = superseded`` and points at its successor through ``replaced_by``), a mistake is
*voided* with a reason. Only ``state = current`` documents count for completeness.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pharmcrm.core.models import TimeStamped


class QualificationType(models.TextChoices):
    # GSP certificates (GSP证书) were abolished in December 2019: deliberately not a type.
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    DRUG_LICENCE = "drug_licence", _("Drug business licence")
    QUALITY_AGREEMENT = "quality_agreement", _("Quality assurance agreement")
    PURCHASE_AUTHORISATION = "purchase_authorisation", _("Purchasing-agent authorisation")
    PRACTICE_LICENCE = "practice_licence", _("Medical institution practice licence")
    OTHER = "other", _("Other")


class DocumentState(models.TextChoices):
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Replaced")
    VOIDED = "voided", _("Voided")


class ValidityStatus(models.TextChoices):
    """Computed from the dates (``rules.validity_status``), never stored on the document."""

    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    MISSING = "missing", _("Missing")


CURRENT = Q(state=DocumentState.CURRENT)


class QualificationDocument(TimeStamped):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE,
        related_name="qualification_documents",
    )
    type = models.CharField(_("document type"), max_length=30, choices=QualificationType.choices)
    title = models.CharField(_("title"), max_length=100, blank=True,
                             help_text=_("For the type “Other”: what the document is."))
    number = models.CharField(_("document number"), max_length=100, blank=True)
    issuing_authority = models.CharField(_("issuing authority"), max_length=200, blank=True)
    scope = models.TextField(_("business scope"), max_length=2000, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True,
                                help_text=_("The last day the document is valid."))
    no_expiry = models.BooleanField(_("no expiry (long-term)"), default=False)
    # purchasing-agent authorisation (采购委托书 / 授权委托书)
    agent_name = models.CharField(_("authorised person"), max_length=50, blank=True)
    agent_id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    agent_products = models.TextField(_("authorised products"), max_length=2000, blank=True)
    agent_territory = models.CharField(_("authorised territory"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)

    state = models.CharField(_("state"), max_length=12, choices=DocumentState.choices,
                             default=DocumentState.CURRENT)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+",
    )
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("replaced by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="replaces",
    )
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voided by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        indexes = [
            models.Index(fields=["customer", "type"], name="qual_doc_customer_idx", condition=CURRENT),
            # the expiring list and the daily step walk current documents by expiry date
            models.Index(fields=["valid_to", "id"], name="qual_doc_valid_to_idx", condition=CURRENT),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=models.F("valid_to")),
                name="qual_doc_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(no_expiry=True) | Q(valid_to__isnull=False), name="qual_doc_has_validity",
            ),
            models.CheckConstraint(
                condition=~Q(state=DocumentState.SUPERSEDED) | Q(replaced_by__isnull=False),
                name="qual_doc_superseded_has_successor",
            ),
        ]

    def __str__(self) -> str:
        label = self.title if self.type == QualificationType.OTHER and self.title else self.get_type_display()
        return f"{label} {self.number}".strip()


class StoredFile(models.Model):
    """An uploaded file kept under MEDIA_ROOT with a random name (``uploads.store``); the user's
    file name is kept only here (``original_name``). Served only by permission-checked views.
    Qualification scans and follow-up attachments are this, each with its own owner row."""

    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=60)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class QualificationFile(StoredFile):
    """One scanned file of a document."""

    document = models.ForeignKey(QualificationDocument, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="qualifications/%Y/%m/", max_length=200)

    class Meta(StoredFile.Meta):
        verbose_name = _("qualification file")


class QualificationFlag(models.TextChoices):
    COMPLETE = "complete", _("Qualifications complete")
    MISSING = "missing", _("Qualifications missing")
    EXPIRED = "expired", _("Qualifications expired")


class CustomerQualificationState(models.Model):
    """The stored, indexed "qualifications complete" flag of a customer (one row per customer,
    in this app so the customers table is not touched). Kept current by the services on every
    document change, by a signal when a customer's type changes, and by the daily step for
    documents that expired overnight. No row yet = nothing uploaded = ``missing``.

    ``next_check`` is the first day on which the flag may change by itself (the day after the
    earliest ``valid_to`` among the current, unexpired required documents); the daily step
    recomputes the rows whose ``next_check`` has come.
    """

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="qualification_state",
    )
    flag = models.CharField(_("qualifications"), max_length=10, choices=QualificationFlag.choices,
                            default=QualificationFlag.MISSING)
    complete = models.BooleanField(_("qualifications complete"), default=False)
    customer_type = models.CharField(max_length=20, blank=True)  # the type the flag was computed for
    missing_types = models.JSONField(default=list, blank=True)
    expired_count = models.PositiveIntegerField(default=0)
    expiring_count = models.PositiveIntegerField(default=0)
    next_check = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("qualification state")
        indexes = [
            models.Index(fields=["flag"], name="qual_state_flag_idx"),
            models.Index(fields=["complete"], name="qual_state_complete_idx"),
            models.Index(fields=["next_check"], name="qual_state_next_check_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.flag}"
