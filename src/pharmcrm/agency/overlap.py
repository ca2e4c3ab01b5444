"""THE rule: two active exclusive agreements never overlap on product × territory × dates.

``find_conflicts`` answers, for a candidate agreement (its products, territory and dates), which
ACTIVE EXCLUSIVE agreements it would overlap. It ignores drafts, expired and terminated
agreements and non-exclusive ones (a non-exclusive agreement never conflicts). Dates are
inclusive on both ends: [2026-01-01, 2026-06-30] and [2026-07-01, 2026-12-31] do not overlap,
[.., 2026-06-30] and [2026-06-30, ..] do (they share the 30th).

Territory overlap is ``territory.items_overlap``: region containment both ways (a province
overlaps its cities and counties), the same named hospital, and a hospital inside a region.

It reads every agreement whatever the caller may see (the rule is global); what the caller is
TOLD about a conflict is decided by ``describe`` (``services``), not here. Callers that are
about to make an agreement active hold the product locks (``lock_products``) first, so two
concurrent activations cannot both pass.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from pharmcrm.agency.models import (
    AgencyAgreement,
    AgreementHospital,
    AgreementLine,
    AgreementRegion,
    AgreementStatus,
)
from pharmcrm.agency.territory import Item, items_overlap


def dates_overlap(a_start: datetime.date, a_end: datetime.date, b_start: datetime.date, b_end: datetime.date) -> bool:
    """Inclusive ranges share at least one day."""
    return a_start <= b_end and b_start <= a_end


@dataclass
class Conflict:
    agreement: AgencyAgreement  # the active exclusive agreement in the way (agent loaded)
    product_ids: list[int] = field(default_factory=list)  # products both agreements carry
    pairs: list[tuple[Item, Item]] = field(default_factory=list)  # (candidate's item, its item)


def territory_of(agreement_ids: Iterable[int]) -> dict[int, list[Item]]:
    """The territory items of each agreement (two queries)."""
    ids = list(agreement_ids)
    out: dict[int, list[Item]] = {i: [] for i in ids}
    if not ids:
        return out
    for aid, code in AgreementRegion.objects.filter(agreement_id__in=ids).order_by("region_code").values_list(
        "agreement_id", "region_code"
    ):
        out[aid].append(Item.region(code))
    for aid, hid, where, name in (
        AgreementHospital.objects.filter(agreement_id__in=ids)
        .order_by("hospital__name", "hospital_id")
        .values_list("agreement_id", "hospital_id", "hospital__region_code", "hospital__name")
    ):
        out[aid].append(Item.hospital(hid, where, name))
    return out


def find_conflicts(
    *, product_ids: Iterable[int], items: list[Item], start: datetime.date, end: datetime.date,
    exclude_id: int | None = None,
) -> list[Conflict]:
    """Active exclusive agreements that overlap (products ∩, territory overlaps, dates ∩)."""
    products = set(product_ids)
    if not products or not items:
        return []
    candidates = (
        AgencyAgreement.objects.filter(
            status=AgreementStatus.ACTIVE, exclusive=True, start_date__lte=end, end_date__gte=start,
            pk__in=AgreementLine.objects.filter(product_id__in=products).values("agreement_id"),
        )
        .select_related("agent")
        .order_by("start_date", "pk")
    )
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    candidates = list(candidates)
    if not candidates:
        return []
    ids = [c.pk for c in candidates]
    shared: dict[int, list[int]] = {i: [] for i in ids}
    for aid, pid in AgreementLine.objects.filter(agreement_id__in=ids, product_id__in=products).order_by(
        "product_id"
    ).values_list("agreement_id", "product_id"):
        shared[aid].append(pid)
    territories = territory_of(ids)
    conflicts = []
    for other in candidates:
        pairs = [(mine, theirs) for mine in items for theirs in territories[other.pk] if items_overlap(mine, theirs)]
        if pairs and shared[other.pk]:
            conflicts.append(Conflict(other, shared[other.pk], pairs))
    return conflicts


def lock_products(product_ids: Iterable[int]) -> None:
    """Serialise every change that could make two exclusive agreements overlap on a product.

    PostgreSQL: a transaction-scoped advisory lock per product (in id order, so two
    activations sharing products cannot deadlock); it does not block edits of the product
    itself. SQLite serialises writing transactions anyway (one writer at a time), so the
    caller's own write lock is enough there (transaction_mode IMMEDIATE).
    """
    # two int4 keys: a namespace ("agn") apart from other advisory locks, and the product id
    # folded into int4 (a collision only serialises two products a little more)
    keys = sorted({int(pid) % 2_147_483_647 for pid in product_ids})
    if not keys or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x61676E, key])
