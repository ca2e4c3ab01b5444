from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    """服务记录: service tickets (issue 4 item 4).

    Plugs in from ``ready()``, so no other area imports it: the customer timeline
    (customers/timeline.py ``SOURCES``), customer merges (customers/merge.py ``HANDLERS``),
    notification kinds (notifications/kinds.py), My Desktop's card (web/desktop_cards.py), the
    customer page's 服务记录 tab (web/customer_tabs.py ``TABS``) and the labels of its audit
    events in the customer's change history. The daily step is found in ``daily_steps.py``.
    """

    name = "pharmcrm.tickets"
    label = "tickets"
    verbose_name = _("Service tickets")

    def ready(self) -> None:
        from pharmcrm.tickets import merging, notifications, timeline

        timeline.register()
        merging.register()
        notifications.register()
        from pharmcrm.tickets.web_hooks import register as register_web

        register_web()
