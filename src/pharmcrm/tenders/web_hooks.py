"""Where tenders plug into the web UI's registries (called from ``TendersConfig.ready()``):
My Desktop's deadline card and the labels of tender audit events."""

from __future__ import annotations


def register() -> None:
    from pharmcrm.web.desktop_cards import register_card

    register_card("tender_deadlines", order=35, template="web/tenders/_desktop_card.html",
                  build="pharmcrm.tenders.desktop:deadline_card")
