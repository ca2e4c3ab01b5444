from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    """发票台账: stored invoices (存票), pre-invoicing (预开票), red-letter reversal (红冲).
    Issue 5 item 5; see docs/invoicing.md.

    Registers the customer page's 发票 tab from ``ready()`` (web_hooks.py), so no shared web file
    names this app except the nav line and the url include. The sales app feeds the ledger by
    way of ``sales_hooks.py``: this app subscribes to the order's approval and cancellation (the
sales app never imports us).
    """

    name = "pharmcrm.invoicing"
    label = "invoicing"
    verbose_name = _("Invoices")

    def ready(self) -> None:
        from pharmcrm.invoicing import merging
        from pharmcrm.invoicing.web_hooks import register

        merging.register()
        register()
        from pharmcrm.invoicing import sales_hooks

        sales_hooks.register()
