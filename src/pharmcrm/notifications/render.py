"""The sentence of a notification, built at display time in the reader's language.

Each kind has one function ``(notification) -> str``, registered in ``notifications.kinds``
(this app's own kinds by ``register()`` below; other areas register theirs). The params
were chosen when the notification was created so they never name anything the recipient may
not see (see hooks.py).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pharmcrm.notifications.kinds import kind_of, register_kind
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


def _followups_due(n: Notification) -> str:
    today, overdue = int(n.params.get("today") or 0), int(n.params.get("overdue") or 0)
    if today and overdue:
        return _("Follow-ups today: %(today)d planned, %(overdue)d overdue.") % {"today": today, "overdue": overdue}
    if overdue:
        return ngettext("%(overdue)d follow-up is overdue.", "%(overdue)d follow-ups are overdue.",
                        overdue) % {"overdue": overdue}
    return ngettext("%(today)d follow-up planned for today.", "%(today)d follow-ups planned for today.",
                    today) % {"today": today}


def _contact_occasions(n: Notification) -> str:
    count = int(n.params.get("count") or 0)
    if count == 1 and n.params.get("contact"):
        return _("Today is a birthday or care date of your contact %(contact)s.") % {"contact": n.params["contact"]}
    return ngettext("Today is a birthday or care date of %(count)d of your contacts.",
                    "Today is a birthday or care date of %(count)d of your contacts.", count) % {"count": count}


def register() -> None:
    """This app's own kinds (called from ``NotificationsConfig.ready``)."""
    for kind, render, icon in (
        (NotificationKind.CUSTOMER_SHARED, _shared, "bi-share"),
        (NotificationKind.CUSTOMER_TRANSFERRED, _transferred, "bi-arrow-left-right"),
        (NotificationKind.CONFLICT_RAISED, _conflict_raised, "bi-exclamation-diamond"),
        (NotificationKind.CONFLICT_DECIDED, _conflict_decided, "bi-check2-square"),
    ):
        register_kind(kind.value, kind.label, render, icon=icon)
    # the daily job's reminders (daily_steps.py)
    register_kind("followups_due", gettext_lazy("Follow-ups due"), _followups_due, icon="bi-calendar-check")
    register_kind("contact_occasions", gettext_lazy("Contacts' birthdays and care dates"), _contact_occasions,
                  icon="bi-gift")


def notification_text(n: Notification) -> str:
    kind = kind_of(n.kind)
    if kind is None:
        return _("Notification")
    return kind.render(n)


def notification_icon(n: Notification) -> str:
    kind = kind_of(n.kind)
    return kind.icon if kind else "bi-bell"
