"""Everything that happened with a contact, across the companies they worked for.

The contact page shows ``contact_interactions(actor=..., contact=...)``: one list, newest
first, merged from *sources*. A source is a function

    source(*, actor, contact, visible_customer_ids: QuerySet, limit: int) -> Iterable[Interaction]

that returns only what ``actor`` may see (``visible_customer_ids`` is the sub-select of the
customers ``actor`` sees). Today the only source is the audit trail (created, edited, moved,
left ...); follow-ups (issue 4) add theirs with ``register_source("pharmcrm.activities....")``
and appear in the same list without touching this module's callers.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pharmcrm.contacts.models import BusinessRole, Contact, Employment, Gender
from pharmcrm.core.models import AuditEvent
from pharmcrm.core.registry import resolve
from pharmcrm.customers.models import Customer
from pharmcrm.org import visibility
from pharmcrm.org.models import User

AUDIT = "change"


@dataclass(frozen=True)
class Interaction:
    when: datetime.datetime
    kind: str  # "change" (audit trail), "follow_up", ... — the template picks an icon by kind
    title: str  # "移至另一家公司", "电话沟通" ...
    customer_id: int | None = None
    customer_name: str = ""
    actor_name: str = ""
    text: str = ""  # free text (a follow-up's content)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)
    url: str = ""  # link to the source record, if it has a page


SOURCES: list[str] = ["pharmcrm.contacts.interactions:audit_interactions"]


def register_source(dotted: str) -> None:
    """Add a source ("module:function"); idempotent."""
    if dotted not in SOURCES:
        SOURCES.append(dotted)


def contact_interactions(*, actor: User, contact: Contact, limit: int = 100) -> list[Interaction]:
    """Newest first, at most ``limit``, only what ``actor`` may see. ``contact`` must come
    from ``selectors.contact_get`` (visibility-checked)."""
    visible_ids = visibility.visible_customers(actor).values("id")
    rows: list[Interaction] = []
    for dotted in SOURCES:
        rows.extend(resolve(dotted)(actor=actor, contact=contact, visible_customer_ids=visible_ids, limit=limit))
    rows.sort(key=lambda r: r.when, reverse=True)
    return rows[:limit]


# --- the audit trail as a source -----------------------------------------------------------

ACTION_LABELS = {
    "contact_create": gettext_lazy("Contact added"),
    "contact_update": gettext_lazy("Contact details changed"),
    "contact_delete": gettext_lazy("Contact moved to the recycle bin"),
    "contact_restore": gettext_lazy("Contact restored"),
    "employment_start": gettext_lazy("Started working here"),
    "employment_update": gettext_lazy("Employment changed"),
    "employment_end": gettext_lazy("Left (employment ended)"),
    "contact_move_out": gettext_lazy("Moved to another company"),
    "contact_move_in": gettext_lazy("Joined from another company"),
}
_EXTRA_LABELS = {
    "customer": gettext_lazy("Customer"),
    "care_dates": gettext_lazy("Care dates"),
    "birthday": gettext_lazy("Birthday"),
}


def field_label(name: str) -> str:
    if name in _EXTRA_LABELS:
        return str(_EXTRA_LABELS[name])
    for model in (Contact, Employment):
        try:
            return capfirst(str(model._meta.get_field(name).verbose_name))
        except Exception:  # not a field of this model: try the next
            continue
    return name


def display_value(name: str, value) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, dict):
        return str(value.get("label", value.get("id", "")))
    if isinstance(value, list):
        return "；".join(str(x) for x in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "role":
        return str(dict(BusinessRole.choices).get(value, value))
    if name == "gender":
        return str(dict(Gender.choices).get(value, value))
    return str(value)


def describe_event(event: AuditEvent) -> tuple[str, list[tuple[str, str, str]]]:
    """(action label, [(field label, old, new)]) of an audit event about a contact."""
    label = ACTION_LABELS.get(event.action)
    changes = [
        (field_label(name), display_value(name, pair[0] if pair else None),
         display_value(name, pair[1] if pair and len(pair) > 1 else None))
        for name, pair in (event.changes or {}).items()
    ]
    return (str(label) if label else event.action), changes


def audit_interactions(*, actor: User, contact: Contact, visible_customer_ids: QuerySet,
                       limit: int) -> list[Interaction]:
    jobs = Employment.objects.filter(contact=contact).values("id")
    events = list(
        AuditEvent.objects.filter(Q(target_type="contact", target_id=contact.pk)
                                  | Q(target_type="employment", target_id__in=jobs))
        .filter(Q(customer_id__isnull=True) | Q(customer_id__in=visible_customer_ids))
        .select_related("actor").order_by("-created_at", "-id")[:limit]
    )
    names = dict(Customer.objects.filter(pk__in={e.customer_id for e in events if e.customer_id})
                 .values_list("id", "name"))
    out, seen = [], set()
    for e in events:
        # deleting/restoring a person who works at two customers is one event per customer
        key = (e.action, e.actor_id, json.dumps(e.changes, sort_keys=True), e.created_at.replace(microsecond=0))
        if e.action in ("contact_delete", "contact_restore") and key in seen:
            continue
        seen.add(key)
        title, changes = describe_event(e)
        out.append(Interaction(
            when=e.created_at, kind=AUDIT, title=title, customer_id=e.customer_id,
            customer_name=names.get(e.customer_id, ""), actor_name=(e.actor.full_name or e.actor.username)
            if e.actor else _("System"), changes=changes,
        ))
    return out
