"""Which of an agent's wanted regions (意向代理区域) are still free.

A wanted region W is TAKEN for a product when an ACTIVE EXCLUSIVE agreement (in force, not yet
past its end date; it may start later) carries the product and its territory overlaps W — the
same overlap as THE rule (``territory.items_overlap``): a region containing W, a region inside
W, or a named hospital inside W. Taken BY SELF when every such agreement is the agent's own.

Per product: when the agent has products of interest (意向产品), one row per wanted region ×
product of interest, because that is the question a rep asks ("can 康源 have 阿托伐他汀 in
杭州?"). Without products of interest, one row per wanted region "for any product": free means
no exclusive agreement covers any part of it for any product, and the row lists which products
are taken there.

``partial``: taken only in part (the exclusive covers a city of the wanted province, or a
hospital in it), so the rest may still be negotiable.

What the user is told: agreements whose agent they can see are named (number, agent, term);
the others only count as "taken" (``hidden``), with the product — never their number, agent,
dates or territory.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pharmcrm.agency import overlap, territory
from pharmcrm.agency.models import AgencyAgreement, AgreementLine, AgreementStatus
from pharmcrm.agency.selectors import territory_overlaps_q
from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility

FREE, TAKEN, TAKEN_BY_SELF = "free", "taken", "taken_by_self"
STATE_LABELS = {FREE: _("Free"), TAKEN: _("Taken"), TAKEN_BY_SELF: _("Taken by this agent")}


@dataclass
class AgreementRef:
    id: int
    number: str
    agent_id: int
    agent_name: str
    start_date: datetime.date
    end_date: datetime.date
    own: bool
    covers_whole: bool


@dataclass
class AvailabilityRow:
    region_code: str
    region_label: str
    note: str
    product_id: int | None
    product_label: str
    state: str
    partial: bool = False
    hidden: bool = False  # taken (also) by agreements the user may not see
    agreements: list[AgreementRef] = field(default_factory=list)
    taken_products: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def wanted_region_availability(*, actor, customer_id: int, today: datetime.date | None = None
                               ) -> list[AvailabilityRow]:
    from pharmcrm.customers.models import CustomerProductInterest, CustomerWantedRegion

    if not visibility.can_see(actor, customer_id):
        raise NotFound(_("Customer not found."))
    today = today or timezone.localdate()
    wanted = list(CustomerWantedRegion.objects.filter(customer_id=customer_id).order_by("region_code"))
    if not wanted:
        return []
    interests = [i.product for i in CustomerProductInterest.objects.filter(customer_id=customer_id)
                 .select_related("product").order_by("product__generic_name", "product_id")]
    q = Q()
    for w in wanted:
        q |= territory_overlaps_q(w.region_code)
    candidates = list(
        AgencyAgreement.objects.filter(status=AgreementStatus.ACTIVE, exclusive=True, end_date__gte=today)
        .filter(q).select_related("agent").order_by("start_date", "pk")
    )
    ids = [a.pk for a in candidates]
    products: dict[int, set[int]] = {i: set() for i in ids}
    labels: dict[int, str] = {}
    for line in AgreementLine.objects.filter(agreement_id__in=ids).select_related("product"):
        products[line.agreement_id].add(line.product_id)
        labels[line.product_id] = str(line.product)
    terr = overlap.territory_of(ids)
    seen_agents = set(visibility.visible_customers(actor).filter(pk__in={a.agent_id for a in candidates})
                      .values_list("pk", flat=True))
    rows: list[AvailabilityRow] = []
    for w in wanted:
        item = territory.Item.region(w.region_code)
        hits = []
        for a in candidates:
            overlapping = [t for t in terr[a.pk] if territory.items_overlap(item, t)]
            if overlapping:
                whole = any(t.kind == territory.REGION and item.where.startswith(t.where) for t in overlapping)
                hits.append((a, whole))
        for product in interests or [None]:
            relevant = [(a, whole) for a, whole in hits if product is None or product.pk in products[a.pk]]
            row = AvailabilityRow(
                region_code=w.region_code, region_label=territory.label(w.region_code), note=w.note,
                product_id=product.pk if product else None, product_label=str(product) if product else "",
                state=FREE,
            )
            if relevant:
                own = all(a.agent_id == customer_id for a, _w in relevant)
                row.state = TAKEN_BY_SELF if own else TAKEN
                row.partial = not any(whole for _a, whole in relevant)
                row.hidden = any(a.agent_id not in seen_agents for a, _w in relevant)
                row.agreements = [
                    AgreementRef(a.pk, a.number, a.agent_id, a.agent.name, a.start_date, a.end_date,
                                 a.agent_id == customer_id, whole)
                    for a, whole in relevant if a.agent_id in seen_agents
                ]
                if product is None:
                    taken = sorted({p for a, _w in relevant for p in products[a.pk]}, key=lambda p: labels[p])
                    row.taken_products = [labels[p] for p in taken]
            rows.append(row)
    return rows
