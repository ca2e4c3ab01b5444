"""Template helpers of the qualification screens: status colours and the customer header tag."""

from __future__ import annotations

from django import template

from pharmcrm.qualifications.models import QualificationFlag

register = template.Library()

VALIDITY_CLASS = {"valid": "tag-green", "expiring": "tag-amber", "expired": "tag-red", "missing": "tag-red"}
VALIDITY_ICON = {"valid": "bi-check-circle", "expiring": "bi-hourglass-split", "expired": "bi-x-circle",
                 "missing": "bi-exclamation-circle"}
FLAG_CLASS = {"complete": "tag-green", "missing": "tag-amber", "expired": "tag-red"}


@register.filter
def validity_class(status: str) -> str:
    return VALIDITY_CLASS.get(status, "tag-grey")


@register.filter
def validity_icon(status: str) -> str:
    return VALIDITY_ICON.get(status, "bi-dash-circle")


@register.inclusion_tag("web/qualifications/_flag_tag.html", takes_context=True)
def qualification_flag_tag(context, customer):
    """The "资质齐全 / 资质缺失 / 资质过期" tag of the customer header (the stored state, read once
    per page: the key figures read the same row)."""
    from pharmcrm.qualifications.selectors import qualification_state_of

    state = qualification_state_of(customer)
    flag = state.flag if state else QualificationFlag.MISSING
    return {"customer": customer, "flag": flag, "label": QualificationFlag(flag).label,
            "css": FLAG_CLASS.get(flag, "tag-grey")}
