"""The registry of notification kinds: what each kind is called, how its sentence reads, its icon.

This app registers its own kinds (render.py); another area registers its kinds from its
``AppConfig.ready()``, so it never edits this app::

    from pharmcrm.notifications.kinds import register_kind

    register_kind("ticket_assigned", _("Service ticket assigned to me"), render_ticket_assigned,
                  icon="bi-headset")

``render(notification) -> str`` builds the sentence at display time in the reader's language
from ``notification.params`` (chosen at creation so they name nothing the recipient may not see).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Renderer = Callable[[Any], str]


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any  # a lazy translation
    render: Renderer
    icon: str = "bi-bell"


_KINDS: dict[str, Kind] = {}


def register_kind(key: str, label, render: Renderer, *, icon: str = "bi-bell") -> Kind:
    """Register (or replace) the kind ``key``; at most 40 characters."""
    if not key or len(key) > 40:
        raise ValueError(f"bad notification kind {key!r}")
    kind = Kind(key=key, label=label, render=render, icon=icon)
    _KINDS[key] = kind
    return kind


def kind_of(key: str) -> Kind | None:
    return _KINDS.get(key)


def is_kind(key: str) -> bool:
    return key in _KINDS


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda k: k.key)
