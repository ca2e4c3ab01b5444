"""Tender statistics: win rate and won amount by owner, product, province, type or period, in
SQL, over the tenders the actor sees (``visible_tenders``).

Rules (docs/tenders.md):
* A tender is *won* when its status is won, executing or expired, *lost* when lost; other
  states (open, cancelled) are not counted. Win rate = won / (won + lost).
* Won amount of a won tender = Σ winning price × quantity over its lines marked won that have
  a quantity; when none of its won lines has a quantity, the tender's own ``won_amount`` (0 if
  empty).
* By product the unit is the tender line: a line is won when its tender is won and the line is
  not marked lost (``won`` is not false), lost when its tender is lost or the line is marked
  lost; its won amount is winning price × quantity (0 without a quantity).
* Period: the result date (a calendar date, Asia/Shanghai), by month (YYYY-MM) or year.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncYear

from pharmcrm.org.models import User
from pharmcrm.tenders.models import WON_STATUSES, TenderLine, TenderStatus
from pharmcrm.tenders.selectors import visible_tenders

DIMENSIONS = ("owner", "product", "province", "type", "month", "year")
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)


def _line_amount():
    return ExpressionWrapper(F("winning_price") * F("quantity"), output_field=DecimalField(max_digits=28,
                                                                                          decimal_places=7))


def _tender_amount():
    """The won amount of one tender, as an expression over Tender rows."""
    won_lines = TenderLine.objects.filter(tender_id=OuterRef("pk"), won=True, quantity__isnull=False,
                                          winning_price__isnull=False)
    summed = (won_lines.order_by().values("tender_id").annotate(s=Sum(_line_amount())).values("s"))
    return Case(
        When(Exists(won_lines), then=Subquery(summed, output_field=MONEY)),
        default=Coalesce(F("won_amount"), Value(ZERO), output_field=MONEY),
        output_field=MONEY)


def tender_stats(*, actor: User, by: str, date_from: datetime.date | None = None,
                 date_to: datetime.date | None = None) -> list[dict]:
    """[{key, label, won, lost, total, win_rate (Decimal % or None), won_amount}] sorted by won
    amount, then key."""
    if by not in DIMENSIONS:
        by = "owner"
    if by == "product":
        return _product_stats(actor, date_from, date_to)
    qs = visible_tenders(actor).filter(status__in=[*WON_STATUSES, TenderStatus.LOST])
    if date_from:
        qs = qs.filter(result_on__gte=date_from)
    if date_to:
        qs = qs.filter(result_on__lte=date_to)
    key = {"owner": F("owner_id"), "province": F("province"), "type": F("type"),
           "month": TruncMonth("result_on"), "year": TruncYear("result_on")}[by]
    is_won = Q(status__in=WON_STATUSES)
    rows = (qs.annotate(k=key, amount=_tender_amount()).values("k").order_by("k")
            .annotate(n_won=Count("id", filter=is_won), n_lost=Count("id", filter=Q(status=TenderStatus.LOST)),
                      won_amount=Coalesce(Sum(Case(When(is_won, then=F("amount")), default=Value(ZERO),
                                                   output_field=MONEY)), Value(ZERO), output_field=MONEY)))
    return _finish(list(rows), by)


def _product_stats(actor, date_from, date_to) -> list[dict]:
    lines = TenderLine.objects.filter(tender__in=visible_tenders(actor).values("id"),
                                      tender__status__in=[*WON_STATUSES, TenderStatus.LOST])
    if date_from:
        lines = lines.filter(tender__result_on__gte=date_from)
    if date_to:
        lines = lines.filter(tender__result_on__lte=date_to)
    is_won = Q(tender__status__in=WON_STATUSES) & ~Q(won=False)
    rows = (lines.annotate(k=F("product_id")).values("k").order_by("k")
            .annotate(n_won=Count("id", filter=is_won), n_lost=Count("id", filter=~is_won),
                      won_amount=Coalesce(Sum(Case(When(is_won & Q(quantity__isnull=False,
                                                                  winning_price__isnull=False),
                                                        then=_line_amount()),
                                                   default=Value(ZERO)), output_field=MONEY),
                                          Value(ZERO), output_field=MONEY)))
    return _finish(list(rows), "product")


def _labels(by: str, keys: list) -> dict:
    from pharmcrm.catalog.models import Product
    from pharmcrm.core.regions import region_label
    from pharmcrm.tenders.models import TenderType

    if by == "owner":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    if by == "product":
        return {p.pk: str(p) for p in Product.objects.filter(pk__in=keys)}
    if by == "province":
        return {k: region_label(k) or k for k in keys}
    if by == "type":
        return {k: str(TenderType(k).label) if k in TenderType.values else k for k in keys}
    fmt = "%Y-%m" if by == "month" else "%Y"
    return {k: (k.strftime(fmt) if k else "—") for k in keys}


def _finish(rows: list[dict], by: str) -> list[dict]:
    labels = _labels(by, [r["k"] for r in rows])
    out = []
    for r in rows:
        decided = r["n_won"] + r["n_lost"]
        rate = (Decimal(r["n_won"] * 100) / decided).quantize(Decimal("0.1")) if decided else None
        key = r["k"]
        if isinstance(key, datetime.datetime):
            key = key.date()
        out.append({"key": key.isoformat() if isinstance(key, datetime.date) else key,
                    "label": labels.get(r["k"], str(r["k"])), "won": r["n_won"], "lost": r["n_lost"], "total": decided,
                    "win_rate": rate, "won_amount": Decimal(r["won_amount"] or 0).quantize(Decimal("0.01"))})
    out.sort(key=lambda x: (-x["won_amount"], -x["won"], str(x["key"])))
    return out


def totals(rows: list[dict]) -> dict:
    won = sum(r["won"] for r in rows)
    lost = sum(r["lost"] for r in rows)
    return {"won": won, "lost": lost, "total": won + lost,
            "win_rate": (Decimal(won * 100) / (won + lost)).quantize(Decimal("0.1")) if won + lost else None,
            "won_amount": sum((r["won_amount"] for r in rows), ZERO)}
