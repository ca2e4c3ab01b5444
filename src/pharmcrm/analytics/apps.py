from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """客户价值分析: customer value scoring (issue 7 item 1; docs/analytics.md).

    ``services.score_customers`` computes a ``ScoreRun`` with one ``CustomerScore`` per live
    customer in a few set-based SQL statements; ``selectors`` read it through the visibility
    engine. The daily step is found in ``daily_steps.py``; ``manage.py crm_score`` runs it on
    demand.
    """

    name = "pharmcrm.analytics"
    label = "analytics"
    verbose_name = _("Customer value analytics")
