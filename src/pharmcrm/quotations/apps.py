from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotationsConfig(AppConfig):
    """报价记录: quotations and the price history (issue 6 item 2).

    Plugs in from ``ready()``: the customer page's 报价 tab (with the price history) and the
    labels of its audit events (``web_hooks.register``). The daily step (sent quotations whose
    validity passed become expired) is found in ``daily_steps.py``.
    """

    name = "pharmcrm.quotations"
    label = "quotations"
    verbose_name = _("Quotations")

    def ready(self) -> None:
        from pharmcrm.customers import merge

        # a customer merged into another: its records go with it (customers/merge.py)
        merge.HANDLERS.setdefault("quotations.Quotation.customer", merge.move_all)
        from pharmcrm.quotations.web_hooks import register

        register()
