"""What a user is told about an overlap: only as much as they may see.

For a conflicting agreement whose agent customer the user can see: its number, agent, term, the
shared products and both sides of each overlapping territory pair. For every conflicting
agreement the user cannot see: ONE merged entry (so not even their number is revealed) that
says "与另一份独家协议冲突（无权查看详情）" with the shared products and the user's OWN territory
items that overlap — things the user already knows from their own agreement — and nothing of
the other agreement (no number, agent, dates, territory or owner).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from pharmcrm.agency.overlap import Conflict
from pharmcrm.agency.territory import REGION, Item
from pharmcrm.agency.territory import label as region_label
from pharmcrm.core.errors import ApplicationError
from pharmcrm.org import visibility


class OverlapError(ApplicationError):
    """An exclusive agreement would overlap active exclusive agreements. ``conflicts`` holds the
    entries of ``describe`` (safe to show to the actor)."""

    def __init__(self, message: str, conflicts: list[dict[str, Any]]):
        super().__init__(message, code="exclusive_overlap")
        self.conflicts = conflicts


def item_label(item: Item) -> str:
    return region_label(item.key) if item.kind == REGION else (item.label or _("Named hospital"))


def _item_out(item: Item) -> dict[str, Any]:
    return {"kind": item.kind, "key": str(item.key), "label": item_label(item)}


def _unique(seq):
    seen, out = set(), []
    for x in seq:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def describe(*, actor, conflicts: list[Conflict], product_labels: dict[int, str]) -> list[dict[str, Any]]:
    visible_agents = set(
        visibility.visible_customers(actor)
        .filter(pk__in={c.agreement.agent_id for c in conflicts})
        .values_list("pk", flat=True)
    )
    out: list[dict[str, Any]] = []
    hidden_products: list[int] = []
    hidden_items: list[Item] = []
    for c in conflicts:
        if c.agreement.agent_id in visible_agents:
            a = c.agreement
            pairs = [{"mine": _item_out(m), "theirs": _item_out(t)} for m, t in c.pairs]
            products = [{"id": p, "name": product_labels.get(p, str(p))} for p in c.product_ids]
            territory = "、".join(_unique(
                item_label(m) if item_label(m) == item_label(t) else
                _("%(mine)s (theirs: %(theirs)s)") % {"mine": item_label(m), "theirs": item_label(t)}
                for m, t in c.pairs
            ))
            message = _(
                "Overlaps exclusive agreement %(number)s of %(agent)s (%(start)s to %(end)s): "
                "products %(products)s; territory %(territory)s."
            ) % {
                "number": a.number, "agent": a.agent.name, "start": a.start_date.isoformat(),
                "end": a.end_date.isoformat(), "products": "、".join(p["name"] for p in products),
                "territory": territory,
            }
            out.append({
                "visible": True,
                "agreement": {
                    "id": a.pk, "number": a.number, "agent": {"id": a.agent_id, "name": a.agent.name},
                    "start_date": a.start_date, "end_date": a.end_date,
                },
                "products": products,
                "territory": pairs,
                "message": message,
            })
        else:
            hidden_products += c.product_ids
            hidden_items += [m for m, _t in c.pairs]
    if hidden_products:
        products = [{"id": p, "name": product_labels.get(p, str(p))} for p in _unique(hidden_products)]
        mine = _unique(hidden_items)
        message = _(
            "Conflicts with another exclusive agreement (no permission to see its details): "
            "products %(products)s; territory of this agreement %(territory)s."
        ) % {"products": "、".join(p["name"] for p in products), "territory": "、".join(item_label(i) for i in mine)}
        out.append({
            "visible": False,
            "agreement": None,
            "products": products,
            "territory": [{"mine": _item_out(i), "theirs": None} for i in mine],
            "message": message,
        })
    return out


def overlap_error(*, actor, conflicts: list[Conflict], product_labels: dict[int, str]) -> OverlapError:
    described = describe(actor=actor, conflicts=conflicts, product_labels=product_labels)
    message = described[0]["message"]
    if len(described) > 1:
        message += " " + _("(%(n)d more conflicts listed below.)") % {"n": len(described) - 1}
    return OverlapError(message, described)
