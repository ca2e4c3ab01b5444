"""The only readers of opportunities. Every read starts from the visibility rule: an opportunity
is visible exactly when its customer is (``org.visibility.visible_customers``, one sub-select);
missing and invisible are the same ``NotFound``.

"Likely to close soon" (``likely_q``): an open-stage opportunity whose expected close date lies
from today to today + N days (both included) and whose probability is at least P (defaults
30 days, 50 %). "Mine" = I own it; "my team" (heads) = its owner belongs to a department I head,
at any depth.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.opportunities.models import Opportunity, Stage, StageChange, StageKind
from pharmcrm.org import visibility
from pharmcrm.org.models import User

SORTS = {
    "-updated": ("-updated_at", "-id"), "updated": ("updated_at", "id"),
    "close": ("expected_close_date", "id"), "-close": ("-expected_close_date", "-id"),
    "-amount": ("-expected_amount", "-id"), "amount": ("expected_amount", "id"),
    "-probability": ("-probability", "-id"), "probability": ("probability", "id"),
    "stage": ("stage__order", "stage_id", "-id"), "name": ("name", "id"),
}
DEFAULT_SORT = "-updated"
SEARCH_MAX = 100
LIKELY_DAYS = 30
LIKELY_PROBABILITY = 50
BOARD_ROWS = 30
MINE, TEAM = "mine", "team"


def visible_opportunities(actor: User) -> QuerySet:
    """Every opportunity of every customer ``actor`` may see. Start every read here."""
    return Opportunity.objects.filter(customer_id__in=visibility.visible_customers(actor).values("id"))


def with_details(qs: QuerySet) -> QuerySet:
    return qs.select_related("customer", "owner", "stage", "order")


def likely_q(*, today: datetime.date, days: int = LIKELY_DAYS, min_probability: int = LIKELY_PROBABILITY) -> Q:
    return Q(stage__kind=StageKind.OPEN, expected_close_date__gte=today,
             expected_close_date__lte=today + datetime.timedelta(days=max(0, days)),
             probability__gte=min_probability)


def scope_q(actor: User, scope: str) -> Q:
    """``mine``: owned by me; ``team``: owned by someone in the departments I head (heads only;
    others get ``mine``)."""
    if scope == TEAM and actor.is_head:
        return Q(owner__department_id__in=visibility.subtree_department_ids(actor))
    return Q(owner_id=actor.pk)


@dataclass(frozen=True)
class OpportunityFilters:
    stage_id: int | None = None
    kind: str = ""  # a StageKind value
    owner_id: int | None = None
    scope: str = ""  # "", "mine" or "team"
    customer_id: int | None = None
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    likely: bool = False
    likely_days: int = LIKELY_DAYS
    likely_probability: int = LIKELY_PROBABILITY
    q: str = ""
    sort: str = DEFAULT_SORT


def filtered(actor: User, f: OpportunityFilters, *, today: datetime.date | None = None) -> QuerySet:
    qs = visible_opportunities(actor)
    if f.customer_id is not None:
        if not visibility.can_see(actor, f.customer_id):
            raise NotFound(_("Customer not found."))
        qs = qs.filter(customer_id=f.customer_id)
    if f.stage_id is not None:
        qs = qs.filter(stage_id=f.stage_id)
    if f.kind in StageKind.values:
        qs = qs.filter(stage__kind=f.kind)
    if f.owner_id is not None:
        qs = qs.filter(owner_id=f.owner_id)
    if f.scope in (MINE, TEAM):
        qs = qs.filter(scope_q(actor, f.scope))
    if f.close_from is not None:
        qs = qs.filter(expected_close_date__gte=f.close_from)
    if f.close_to is not None:
        qs = qs.filter(expected_close_date__lte=f.close_to)
    if f.amount_min is not None:
        qs = qs.filter(expected_amount__gte=f.amount_min)
    if f.amount_max is not None:
        qs = qs.filter(expected_amount__lte=f.amount_max)
    if f.likely:
        qs = qs.filter(likely_q(today=today or timezone.localdate(), days=f.likely_days,
                                min_probability=f.likely_probability))
    text = (f.q or "").strip()[:SEARCH_MAX]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(customer__name__icontains=text) | Q(competitor__icontains=text))
    return qs


def opportunity_list(*, actor: User, filters: OpportunityFilters | None = None,
                     today: datetime.date | None = None) -> QuerySet:
    f = filters or OpportunityFilters()
    return with_details(filtered(actor, f, today=today)).order_by(*SORTS.get(f.sort, SORTS[DEFAULT_SORT]))


def likely_to_close(*, actor: User, scope: str = MINE, today: datetime.date | None = None, days: int = LIKELY_DAYS,
                    min_probability: int = LIKELY_PROBABILITY) -> QuerySet:
    """Visible open opportunities expected to close within ``days`` with probability ≥
    ``min_probability``, mine or my team's, soonest first."""
    today = today or timezone.localdate()
    return (with_details(visible_opportunities(actor).filter(likely_q(today=today, days=days,
                                                                      min_probability=min_probability))
                         .filter(scope_q(actor, scope)))
            .order_by("expected_close_date", "-probability", "id"))


def opportunity_get(*, actor: User, opportunity_id: int) -> Opportunity:
    opp = (with_details(visible_opportunities(actor)).filter(pk=opportunity_id).first()
           if isinstance(opportunity_id, int) and 0 < opportunity_id < 2**63 else None)
    if opp is None:
        raise NotFound(_("Opportunity not found."))
    return opp


def opportunity_lines(opp: Opportunity):
    return list(opp.lines.select_related("product").order_by("position", "id"))


def stage_history(opp: Opportunity) -> list[StageChange]:
    return list(StageChange.objects.filter(opportunity_id=opp.pk).select_related("from_stage", "to_stage", "actor")
                .order_by("at", "id"))


def stages(*, active_only: bool = True) -> list[Stage]:
    qs = Stage.objects.all()
    if active_only:
        qs = qs.filter(active=True)
    return list(qs.order_by("order", "id"))


def stage_get(*, stage_id: int) -> Stage:
    stage = Stage.objects.filter(pk=stage_id).first() if 0 < stage_id < 2**63 else None
    if stage is None:
        raise NotFound(_("Stage not found."))
    return stage


def board(*, actor: User, filters: OpportunityFilters | None = None, rows: int = BOARD_ROWS,
          today: datetime.date | None = None) -> list[dict]:
    """The kanban: one column per active stage with its first ``rows`` cards (soonest close
    first), the column's count and amount. Three queries whatever the rows: stages, totals,
    cards (a window function caps each column)."""
    f = filters or OpportunityFilters()
    columns = stages()
    qs = filtered(actor, f, today=today).filter(stage__active=True)
    totals = {r["stage_id"]: r for r in qs.order_by().values("stage_id").annotate(n=Count("id"),
                                                                                 amount=Sum("expected_amount"))}
    cards = (with_details(qs).annotate(rn=Window(RowNumber(), partition_by=[F("stage_id")],
                                                 order_by=[F("expected_close_date").asc(nulls_last=True),
                                                           F("id").desc()]))
             .filter(rn__lte=rows).order_by("stage_id", "rn"))
    by_stage: dict[int, list] = {}
    for card in cards:
        by_stage.setdefault(card.stage_id, []).append(card)
    out = []
    for stage in columns:
        t = totals.get(stage.pk, {})
        items = by_stage.get(stage.pk, [])
        out.append({"stage": stage, "cards": items, "count": t.get("n", 0),
                    "amount": t.get("amount") or Decimal("0.00"), "more": max(0, t.get("n", 0) - len(items))})
    return out


def opportunity_permissions(*, actor: User, opp: Opportunity) -> dict:
    can_write = visibility.can_write(actor, opp.customer_id)
    return {"write": can_write, "move": can_write and not opp.order_id,
            "order": can_write and opp.stage.kind == StageKind.WON and not opp.order_id}
