from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    """销售订单: sales orders (issue 5 items 1, 2, 6, 7).

    Plugs in from ``ready()``: notification kinds, customer merges, My Desktop's card and the
    customer page's 订单 tab, so no other area imports it."""

    name = "pharmcrm.sales"
    label = "sales"
    verbose_name = _("Sales orders")

    def ready(self) -> None:
        from pharmcrm.sales import hooks

        hooks.register()
