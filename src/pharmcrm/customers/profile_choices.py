"""Choices of the 360° profile that ``Customer`` itself uses (imported by customers.models).

Kept apart from ``profile_models`` because ``customers.models`` needs them while the
``Customer`` class is defined, and ``profile_models`` is imported at its bottom.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HospitalGrade(models.TextChoices):
    """医院等级 (the 卫健委 three levels, A/B within a level; 未定级 for clinics without one)."""

    L3A = "3A", _("Grade III-A")
    L3B = "3B", _("Grade III-B")
    L3 = "3", _("Grade III")
    L2A = "2A", _("Grade II-A")
    L2B = "2B", _("Grade II-B")
    L2 = "2", _("Grade II")
    L1 = "1", _("Grade I")
    NONE = "none", _("Not graded")


class HospitalOwnership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


# Types that carry the hospital fields, and the chain link of a store.
HOSPITAL_TYPES = ("hospital", "clinic")
CHAIN_TYPE = "chain"
STORE_TYPES = ("pharmacy",)
