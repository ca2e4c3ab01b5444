from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TendersConfig(AppConfig):
    """投标 and 挂网: tenders and platform listings (issue 6 items 3, 4, 5).

    Plugs in from ``ready()``: notification kinds, My Desktop's deadline card and the labels of
    its audit events. The daily reminder step is found in ``daily_steps.py``.
    """

    name = "pharmcrm.tenders"
    label = "tenders"
    verbose_name = _("Tenders")

    def ready(self) -> None:
        from pharmcrm.customers import merge

        # a customer merged into another: its records go with it (customers/merge.py)
        merge.HANDLERS.setdefault("tenders.Tender.customer", merge.move_all)
        from pharmcrm.tenders import notifications

        notifications.register()
        from pharmcrm.tenders.web_hooks import register as register_web

        register_web()
