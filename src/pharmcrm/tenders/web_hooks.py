"""Where tenders plug into the web UI's registries (called from ``TendersConfig.ready()``, so
the web app's shared files need no edit): My Desktop's deadline card, the customer page's 投标
tab (a hospital's own tenders) and the labels of tender audit events in the customer's change
history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, gettext_noop

ACTION_LABELS = {
    "tender_create": gettext_noop("Tender created"),
    "tender_update": gettext_noop("Tender edited"),
    "tender_line_add": gettext_noop("Tender product added"),
    "tender_line_update": gettext_noop("Tender product changed"),
    "tender_line_remove": gettext_noop("Tender product removed"),
    "tender_competitor_add": gettext_noop("Competitor price recorded"),
    "tender_competitor_remove": gettext_noop("Competitor price removed"),
    "tender_price_exception": gettext_noop("Below-floor bid: approval requested"),
    "tender_price_exception_decide": gettext_noop("Below-floor bid decided"),
    "tender_register": gettext_noop("Tender registered"),
    "tender_prepare": gettext_noop("Tender bid in preparation"),
    "tender_submit": gettext_noop("Tender bid submitted"),
    "tender_win": gettext_noop("Tender won"),
    "tender_lose": gettext_noop("Tender lost"),
    "tender_cancel": gettext_noop("Tender cancelled"),
    "tender_execute": gettext_noop("Tender contract executing"),
    "tender_expire": gettext_noop("Tender contract expired"),
    "tender_renew": gettext_noop("Tender renewed"),
    "tender_attachment": gettext_noop("Tender attachment added"),
}


def register() -> None:
    from pharmcrm.web import customer_tabs
    from pharmcrm.web.desktop_cards import register_card
    from pharmcrm.web.views import customers

    register_card("tender_deadlines", order=35, template="web/tenders/_desktop_card.html",
                  build="pharmcrm.tenders.desktop:deadline_card")
    if not any(t.key == "tenders" for t in customer_tabs.TABS):
        customer_tabs.TABS.append(customer_tabs.CustomerTab(
            "tenders", gettext_lazy("Tenders"), "web/tenders/_tab.html", "pharmcrm.web.views.tenders:tab_context"))
    for action, label in ACTION_LABELS.items():
        customers.ACTION_LABELS.setdefault(action, label)
