"""The sentence of a notification, built at display time in the reader's language.

Each kind has one function ``(notification) -> str``; a new kind adds one here. The params
were chosen when the notification was created so they never name anything the recipient may
not see (see hooks.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pharmcrm.notifications.models import Notification, NotificationKind


def _actor(n: Notification) -> str:
    return str(n.actor) if n.actor_id and n.actor else _("The system")


def _shared(n: Notification) -> str:
    p = n.params
    access = _("read-write") if p.get("access") == "write" else _("read-only")
    if p.get("group"):
        return _("%(actor)s shared the customer “%(customer)s” with your share group %(group)s (%(access)s).") % {
            "actor": _actor(n), "customer": p.get("customer", ""), "group": p["group"], "access": access}
    return _("%(actor)s shared the customer “%(customer)s” with you (%(access)s).") % {
        "actor": _actor(n), "customer": p.get("customer", ""), "access": access}


def _transferred(n: Notification) -> str:
    count = int(n.params.get("count") or 0)
    if count == 1 and n.params.get("customer"):
        return _("%(actor)s transferred the customer “%(customer)s” to you.") % {
            "actor": _actor(n), "customer": n.params["customer"]}
    return ngettext("%(actor)s transferred %(count)d customer to you.",
                    "%(actor)s transferred %(count)d customers to you.", count) % {"actor": _actor(n), "count": count}


def _conflict_raised(n: Notification) -> str:
    if n.params.get("customer"):
        return _("%(actor)s claims the customer “%(customer)s” (duplicate conflict); it awaits your decision.") % {
            "actor": _actor(n), "customer": n.params["customer"]}
    return _("%(actor)s raised a duplicate conflict; it awaits your decision.") % {"actor": _actor(n)}


def _conflict_decided(n: Notification) -> str:
    from pharmcrm.customers.conflict_models import ConflictStatus

    status = n.params.get("status", "")
    outcome = str(ConflictStatus(status).label) if status in ConflictStatus.values else status
    if not n.params.get("customer"):
        return _("%(actor)s decided your duplicate conflict: %(outcome)s.") % {"actor": _actor(n), "outcome": outcome}
    return _("%(actor)s decided your duplicate conflict about “%(customer)s”: %(outcome)s.") % {
        "actor": _actor(n), "customer": n.params.get("customer", ""), "outcome": outcome}


RENDERERS: dict[str, Callable[[Notification], str]] = {
    NotificationKind.CUSTOMER_SHARED: _shared,
    NotificationKind.CUSTOMER_TRANSFERRED: _transferred,
    NotificationKind.CONFLICT_RAISED: _conflict_raised,
    NotificationKind.CONFLICT_DECIDED: _conflict_decided,
}

ICONS = {
    NotificationKind.CUSTOMER_SHARED: "bi-share",
    NotificationKind.CUSTOMER_TRANSFERRED: "bi-arrow-left-right",
    NotificationKind.CONFLICT_RAISED: "bi-exclamation-diamond",
    NotificationKind.CONFLICT_DECIDED: "bi-check2-square",
}


def notification_text(n: Notification) -> str:
    renderer = RENDERERS.get(n.kind)
    if renderer is None:
        return str(NotificationKind(n.kind).label) if n.kind in NotificationKind.values else _("Notification")
    return renderer(n)


def notification_icon(n: Notification) -> str:
    return ICONS.get(n.kind, "bi-bell")
