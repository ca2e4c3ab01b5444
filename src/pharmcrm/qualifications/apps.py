from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationsConfig(AppConfig):
    """首营资料: the qualification documents of customers and their completeness flag.

    A separate app from ``customers`` (ARCHITECTURE.md lists qualifications under customers/)
    so that its migrations stay independent of the customers app's.
    """

    name = "pharmcrm.qualifications"
    label = "qualifications"
    verbose_name = _("Qualifications")

    def ready(self) -> None:
        from pharmcrm.qualifications import signals  # noqa: F401  (customer type changes)
