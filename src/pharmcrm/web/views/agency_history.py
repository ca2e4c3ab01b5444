"""How agreement events read in a history (the agreement's page and the agent customer's
"变更历史" tab, through ``web.views.customers.HISTORY_RENDERERS``)."""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pharmcrm.agency.models import AgencyAgreement, AgreementStatus, DepositStatus

ACTION_LABELS = {
    "agreement_create": gettext_noop("Created agency agreement"),
    "agreement_update": gettext_noop("Edited agency agreement"),
    "agreement_activate": gettext_noop("Put agency agreement in force"),
    "agreement_terminate": gettext_noop("Terminated agency agreement"),
    "agreement_expire": gettext_noop("Agency agreement expired"),
    "agreement_line_add": gettext_noop("Added a product to the agreement"),
    "agreement_line_update": gettext_noop("Changed a product of the agreement"),
    "agreement_line_remove": gettext_noop("Removed a product from the agreement"),
    "agreement_region_add": gettext_noop("Added a region to the agreement"),
    "agreement_region_remove": gettext_noop("Removed a region from the agreement"),
    "agreement_hospital_add": gettext_noop("Added a hospital to the agreement"),
    "agreement_hospital_remove": gettext_noop("Removed a hospital from the agreement"),
    "agreement_deposit": gettext_noop("Recorded the deposit"),
}
EXTRA_LABELS = {
    "line": gettext_noop("Product"),
    "region": gettext_noop("Region"),
    "hospital": gettext_noop("Hospital"),
    "replaced": gettext_noop("Replaced regions"),
}


def _label(name: str) -> str:
    if name in EXTRA_LABELS:
        return _(EXTRA_LABELS[name])
    try:
        return capfirst(str(AgencyAgreement._meta.get_field(name).verbose_name))
    except Exception:
        return name


def _line_text(v: dict) -> str:
    parts = [str(v.get("product", ""))]
    if v.get("agency_price") is not None:
        parts.append(_("agency price ¥%(p)s") % {"p": v["agency_price"]})
    if v.get("supply_price") is not None:
        parts.append(_("supply price ¥%(p)s") % {"p": v["supply_price"]})
    if v.get("monthly_quantity") is not None:
        parts.append(_("monthly target %(n)s") % {"n": v["monthly_quantity"]})
    if v.get("yearly_quantity") is not None:
        parts.append(_("yearly target %(n)s") % {"n": v["yearly_quantity"]})
    if v.get("notes"):
        parts.append(str(v["notes"]))
    return "，".join(parts)


def _value(name: str, value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if name == "status":
        return str(dict(AgreementStatus.choices).get(value, value))
    if name == "deposit_status":
        return str(dict(DepositStatus.choices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        if "product" in value:
            return str(value.get("label") or _line_text(value))
        return str(value.get("label", value.get("id", "")))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def action_label(action: str) -> str | None:
    label = ACTION_LABELS.get(action)
    return _(label) if label else None


def changes(event) -> list[dict]:
    return [
        {"label": _label(name), "old": _value(name, pair[0] if pair else None),
         "new": _value(name, pair[1] if pair and len(pair) > 1 else None)}
        for name, pair in (event.changes or {}).items()
    ]


def render(event) -> dict:
    """For ``web.views.customers.HISTORY_RENDERERS``: the action in words and the changes."""
    return {"action": action_label(event.action), "changes": changes(event)}


def history_rows(events) -> list[dict]:
    return [{"event": e, "action": action_label(e.action) or e.action, "changes": changes(e)} for e in events]
