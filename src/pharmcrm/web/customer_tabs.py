"""The tabs of the customer 360 page, in display order (UI.md "Detail pages").

Each area adds its tab here: a key (the ``?tab=`` value), a label, the template included in
the tab body, and a function ``context(request, customer, perms) -> dict`` that loads what the
template needs (through selectors — the customer is already visibility-checked). A tab whose
``show(user, customer, perms)`` returns False is neither listed nor reachable.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from pharmcrm.core.registry import resolve


@dataclass(frozen=True)
class CustomerTab:
    key: str
    label: str
    template: str
    context: str  # dotted path "module:function" so this file imports nothing heavy
    show: str | None = None  # dotted path "module:function" or None = always

    def load_context(self, request, customer, perms) -> dict:
        return resolve(self.context)(request, customer, perms)

    def visible(self, request, customer, perms) -> bool:
        return self.show is None or bool(resolve(self.show)(request, customer, perms))


_VIEWS = "pharmcrm.web.views.customers"

TABS: list[CustomerTab] = [
    CustomerTab("overview", _("Overview"), "web/customers/_tab_overview.html", f"{_VIEWS}:overview_context"),
    CustomerTab("contacts", _("Contacts"), "web/contacts/_customer_tab.html",
                "pharmcrm.web.views.contacts_tab:contacts_tab_context"),
    CustomerTab("followups", _("Follow-ups"), "web/followups/_tab.html",
                "pharmcrm.web.views.followups:tab_context"),
    CustomerTab("qualifications", _("Qualifications"), "web/qualifications/_tab.html",
                "pharmcrm.web.views.qualifications:tab_context"),
    CustomerTab("agreements", _("Agency agreements"), "web/agency/_tab.html",
                "pharmcrm.web.views.agency:tab_context", "pharmcrm.web.views.agency:tab_show"),
    CustomerTab("activity", _("Activity"), "web/customers/_tab_activity.html",
                "pharmcrm.web.views.customer_timeline:activity_context"),
    CustomerTab("shares", _("Sharing"), "web/customers/_shares.html", f"{_VIEWS}:shares_tab_context"),
    CustomerTab("history", _("Change history"), "web/customers/_tab_history.html", f"{_VIEWS}:history_context"),
]


def tabs_for(request, customer, perms) -> list[CustomerTab]:
    return [t for t in TABS if t.visible(request, customer, perms)]


def tab_get(request, customer, perms, key: str | None) -> tuple[CustomerTab, list[CustomerTab]]:
    """The requested tab (the first one if unknown or hidden) and the visible tab list."""
    visible = tabs_for(request, customer, perms)
    for tab in visible:
        if tab.key == key:
            return tab, visible
    return visible[0], visible
