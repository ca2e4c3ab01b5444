"""The product's change history as rows for the timeline template (labels and choices in Chinese)."""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pharmcrm.catalog import regions
from pharmcrm.catalog.models import Product, ProductPrice

ACTION_LABELS = {
    "create": gettext_noop("Created"),
    "update": gettext_noop("Edited"),
    "price_create": gettext_noop("Added a price"),
    "price_end": gettext_noop("Ended a price"),
    "price_void": gettext_noop("Voided a price"),
}


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except Exception:
        return None


def _display(model, name: str, value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict):
        return str(value.get("label", value.get("id", "")))
    if name == "region_code":
        return regions.region_label(value)
    field = _field(model, name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _label(model, name: str) -> str:
    field = _field(model, name)
    return capfirst(str(field.verbose_name)) if field is not None else name


def rows(events) -> list[dict]:
    out = []
    for event in events:
        model = Product if event.target_type == "product" else ProductPrice
        changes = [
            {"label": _label(model, name), "old": _display(model, name, pair[0] if pair else None),
             "new": _display(model, name, pair[1] if pair and len(pair) > 1 else None)}
            for name, pair in (event.changes or {}).items()
        ]
        label = ACTION_LABELS.get(event.action)
        out.append({
            "event": event,
            "action": _(label) if label else event.action,
            "target": event.target_label if event.target_type != "product" else "",
            "changes": changes,
        })
    return out
