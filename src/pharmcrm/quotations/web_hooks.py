"""Where quotations plug into the web UI's registries (called from ``QuotationsConfig.ready()``):
the customer page's 报价 tab with the price history (after 销售机会), the product page's 报价历史
tab (``web.views.catalog.TABS``; its body is the ``product_price_history`` inclusion tag, which
shows only customers the user can see), and the labels of its audit events."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, gettext_noop

ACTION_LABELS = {
    "quotation_create": gettext_noop("Quotation created"),
    "quotation_update": gettext_noop("Quotation edited"),
    "quotation_send": gettext_noop("Quotation sent"),
    "quotation_accept": gettext_noop("Quotation accepted"),
    "quotation_reject": gettext_noop("Quotation rejected"),
    "quotation_expire": gettext_noop("Quotation expired"),
    "quotation_order": gettext_noop("Order draft created from a quotation"),
    "quotation_link": gettext_noop("Quotation linked to a follow-up"),
}


def register() -> None:
    from pharmcrm.web import customer_tabs
    from pharmcrm.web.views import catalog, customers

    if not any(t.key == "quotations" for t in customer_tabs.TABS):
        keys = [t.key for t in customer_tabs.TABS]
        after = next((k for k in ("opportunities", "tickets", "followups") if k in keys), None)
        at = keys.index(after) + 1 if after else len(keys)
        customer_tabs.TABS.insert(at, customer_tabs.CustomerTab(
            "quotations", gettext_lazy("Quotations"), "web/quotations/_tab.html",
            "pharmcrm.web.views.quotations:tab_context"))
    if not any(key == "quotes" for key, _label in catalog.TABS):
        at = next((i for i, (key, _label) in enumerate(catalog.TABS) if key == "history"), len(catalog.TABS))
        catalog.TABS.insert(at, ("quotes", gettext_lazy("Price history")))
    for action, label in ACTION_LABELS.items():
        customers.ACTION_LABELS.setdefault(action, label)
