"""Where tickets plug into the web UI's registries (called from ``TicketsConfig.ready()``, so the
web app's shared files need no edit): My Desktop's card, the customer page's 服务记录 tab (after
跟进记录), and the labels of the ticket audit events in the customer's change history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, gettext_noop

ACTION_LABELS = {
    "ticket_create": gettext_noop("Service ticket opened"),
    "ticket_update": gettext_noop("Service ticket edited"),
    "ticket_assign": gettext_noop("Service ticket assigned"),
    "ticket_start": gettext_noop("Service ticket started"),
    "ticket_resolve": gettext_noop("Service ticket resolved"),
    "ticket_close": gettext_noop("Service ticket closed"),
    "ticket_reopen": gettext_noop("Service ticket reopened"),
    "ticket_comment": gettext_noop("Comment on a service ticket"),
}


def register() -> None:
    from pharmcrm.web import customer_tabs
    from pharmcrm.web.desktop_cards import register_card
    from pharmcrm.web.views import customers

    register_card("tickets", order=20, template="web/tickets/_desktop_card.html",
                  build="pharmcrm.tickets.desktop:overdue_card")
    if not any(t.key == "tickets" for t in customer_tabs.TABS):
        keys = [t.key for t in customer_tabs.TABS]
        at = keys.index("followups") + 1 if "followups" in keys else len(keys)
        customer_tabs.TABS.insert(at, customer_tabs.CustomerTab(
            "tickets", gettext_lazy("Service tickets"), "web/tickets/_tab.html",
            "pharmcrm.web.views.tickets:tab_context"))
    for action, label in ACTION_LABELS.items():
        customers.ACTION_LABELS.setdefault(action, label)
