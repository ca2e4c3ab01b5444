"""Where the invoice ledger plugs into the web UI (called from ``InvoicingConfig.ready()``): the
customer page's 发票 tab, and the labels of its audit events in the customer's history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, gettext_noop

ACTION_LABELS = {
    "invoice_sale_record": gettext_noop("Sale entered the invoice ledger"),
    "invoice_sale_reverse": gettext_noop("Sale taken out of the invoice ledger"),
    "invoice_issue": gettext_noop("Invoice issued"),
    "invoice_pre_issue": gettext_noop("Pre-invoice issued"),
    "invoice_reverse": gettext_noop("Invoice reversed (red letter)"),
    "invoice_mismatch_settle": gettext_noop("Price mismatch settled"),
}


def register() -> None:
    from pharmcrm.web import customer_tabs
    from pharmcrm.web.views import customers

    if not any(t.key == "invoices" for t in customer_tabs.TABS):
        keys = [t.key for t in customer_tabs.TABS]
        at = keys.index("activity") if "activity" in keys else len(keys)
        customer_tabs.TABS.insert(at, customer_tabs.CustomerTab(
            "invoices", gettext_lazy("Invoices"), "web/invoicing/_tab.html",
            "pharmcrm.web.views.invoicing:tab_context"))
    for action, label in ACTION_LABELS.items():
        customers.ACTION_LABELS.setdefault(action, label)
