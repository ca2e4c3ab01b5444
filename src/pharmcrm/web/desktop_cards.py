"""Cards that other areas add to My Desktop (我的桌面), so the desktop view never imports them.

An area registers a card from its ``AppConfig.ready()``::

    from pharmcrm.web.desktop_cards import register_card

    register_card("tickets_overdue", order=20, template="web/tickets/_desktop_card.html",
                  build="pharmcrm.tickets.desktop:overdue_card")

``build(user, scope, today)`` returns the card's template context (a dict), or ``None`` when
the card has nothing to show: an empty card stays hidden (UI.md). ``scope`` is ``"mine"`` or,
for a head, ``"team"`` (the departments they head, at any depth). A build must cost a constant
number of queries whatever the rows (cap them) and show only what the user may see.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from pharmcrm.core.registry import resolve


@dataclass(frozen=True)
class DesktopCard:
    key: str
    order: int
    template: str
    build: str  # "module:function", resolved on first use


@dataclass(frozen=True)
class BuiltCard:
    key: str
    template: str
    context: dict


_CARDS: dict[str, DesktopCard] = {}


def register_card(key: str, *, template: str, build: str, order: int = 100) -> None:
    _CARDS[key] = DesktopCard(key=key, order=order, template=template, build=build)


def build_cards(user, scope: str, today: datetime.date) -> list[BuiltCard]:
    out = []
    for card in sorted(_CARDS.values(), key=lambda c: (c.order, c.key)):
        context = resolve(card.build)(user, scope, today)
        if context is not None:
            out.append(BuiltCard(key=card.key, template=card.template, context=context))
    return out
