"""Where opportunities plug into the web UI's registries (called from
``OpportunitiesConfig.ready()``): My Desktop's "likely to close soon" card, the customer page's
销售机会 tab (after 服务记录 / 跟进记录), and the labels of its audit events in the customer's
change history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, gettext_noop

ACTION_LABELS = {
    "opportunity_create": gettext_noop("Opportunity created"),
    "opportunity_update": gettext_noop("Opportunity edited"),
    "opportunity_move": gettext_noop("Opportunity moved to another stage"),
    "opportunity_order": gettext_noop("Order draft created from an opportunity"),
}


def register() -> None:
    from pharmcrm.web import customer_tabs
    from pharmcrm.web.desktop_cards import register_card
    from pharmcrm.web.views import customers

    register_card("opportunities", order=30, template="web/opportunities/_desktop_card.html",
                  build="pharmcrm.opportunities.desktop:likely_card")
    if not any(t.key == "opportunities" for t in customer_tabs.TABS):
        keys = [t.key for t in customer_tabs.TABS]
        after = "tickets" if "tickets" in keys else "followups"
        at = keys.index(after) + 1 if after in keys else len(keys)
        customer_tabs.TABS.insert(at, customer_tabs.CustomerTab(
            "opportunities", gettext_lazy("Opportunities"), "web/opportunities/_tab.html",
            "pharmcrm.web.views.opportunities:tab_context"))
    for action, label in ACTION_LABELS.items():
        customers.ACTION_LABELS.setdefault(action, label)
