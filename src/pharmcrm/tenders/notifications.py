"""The tenders' notification kinds (registered from ``TendersConfig.ready()``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEADLINE, EXCEPTION, EXCEPTION_DECIDED = "tender_deadline", "tender_price_exception", "tender_price_exception_decided"


def _actor(n) -> str:
    return str(n.actor) if n.actor_id and n.actor else _("The system")


def _deadline_label(code: str) -> str:
    from pharmcrm.tenders.models import DEADLINES

    return str(dict(DEADLINES).get(code, code))


def render_deadline(n) -> str:
    p = n.params
    when = parse_datetime(p.get("at") or "")
    return _("Tender %(number)s “%(name)s”: %(deadline)s in %(days)s day(s), %(at)s.") % {
        "number": p.get("number", ""), "name": p.get("name", ""), "deadline": _deadline_label(p.get("deadline", "")),
        "days": p.get("days", ""), "at": timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else ""}


def render_exception(n) -> str:
    p = n.params
    return _("%(actor)s asks to bid %(product)s at %(price)s, below the floor price, in tender %(number)s.") % {
        "actor": _actor(n), "product": p.get("product", ""), "price": p.get("price", ""),
        "number": p.get("number", "")}


def render_exception_decided(n) -> str:
    p = n.params
    msg = (_("%(actor)s approved your below-floor bid for %(product)s in tender %(number)s.")
           if p.get("state") == "approved"
           else _("%(actor)s refused your below-floor bid for %(product)s in tender %(number)s."))
    return msg % {"actor": _actor(n), "product": p.get("product", ""), "number": p.get("number", "")}


def register() -> None:
    from pharmcrm.notifications.kinds import register_kind

    register_kind(DEADLINE, gettext_lazy("Tender deadline approaching"), render_deadline, icon="bi-alarm")
    register_kind(EXCEPTION, gettext_lazy("Below-floor tender bid to approve"), render_exception,
                  icon="bi-shield-exclamation")
    register_kind(EXCEPTION_DECIDED, gettext_lazy("Below-floor tender bid decided"), render_exception_decided,
                  icon="bi-check2-square")
