from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    """销售机会: sales opportunities (issue 6 item 1).

    Plugs in from ``ready()``: My Desktop's "likely to close soon" card, the customer page's
    销售机会 tab and the labels of its audit events (``web_hooks.register``).
    """

    name = "pharmcrm.opportunities"
    label = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from pharmcrm.customers import merge

        # a customer merged into another: its records go with it (customers/merge.py)
        merge.HANDLERS.setdefault("opportunities.Opportunity.customer", merge.move_all)
        from pharmcrm.opportunities.web_hooks import register

        register()
