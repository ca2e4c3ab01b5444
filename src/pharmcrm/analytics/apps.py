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

    def ready(self) -> None:
        from pharmcrm.customers import merge

        # a merged customer's past scores stay with the old (deleted) record: they describe its
        # orders then; the surviving customer is scored on the moved orders at the next run
        merge.HANDLERS.setdefault("analytics.CustomerScore.customer", merge.keep_on_source)
