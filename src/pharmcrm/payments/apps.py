from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """回款: payments and receivables (issue 5 item 4).

    Plugs in from ``ready()`` (``payments.hooks``), so no other area imports it: notification
    kinds, customer merges, My Desktop's card, audit labels in the customer's history."""

    name = "pharmcrm.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from pharmcrm.payments import hooks

        hooks.register()
