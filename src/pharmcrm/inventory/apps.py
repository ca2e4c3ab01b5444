from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    """库存/批号: stock by batch (issue 5 item 3). See docs/inventory.md.

    Registers My Desktop's expiry card (``inventory.desktop.expiry_card``) from ``ready()``.
    """

    name = "pharmcrm.inventory"
    label = "inventory"
    verbose_name = _("Stock")

    def ready(self) -> None:
        from pharmcrm.web.desktop_cards import register_card

        register_card("inventory_expiry", order=30, template="web/inventory/_desktop_card.html",
                      build="pharmcrm.inventory.desktop:expiry_card")
