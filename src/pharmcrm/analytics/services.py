"""Customer value scoring (issue 7 item 1). The rules, in full, are in docs/analytics.md.

``score_customers`` writes a ``ScoreRun`` and one ``CustomerScore`` per live customer with a
single ``INSERT … SELECT`` (window functions PERCENT_RANK and ROW_NUMBER: SQLite ≥ 3.25 and
PostgreSQL), never a Python loop over customers:

- the period is ``[period_start 00:00, period_end + 1 day 00:00)`` in Asia/Shanghai, on the
  orders' ``approved_at``; only orders whose status is approved or later count (cancelled ones
  never do, even if they were approved once);
- transactions = number of such orders; volume = Σ (amount_total − returned_total);
  avg_size = volume / transactions (rounded to cents);
- profit = Σ over their lines (amount − quantity × cost) − Σ over approved or received return
  lines of those orders (amount − quantity × cost), where cost is the line's stored
  ``floor_price`` (the floor price when the order was written) and 0 when it has none;
- each measure is ranked with PERCENT_RANK over all scored customers (ascending: the highest
  value gets 1, ties share a rank, a single customer gets 0), rounded to 6 decimals;
- score = Σ weight × rank / Σ weights (rounded to 6 decimals);
- classes: customers are ordered by score (highest first, ties by customer id); the customer at
  position p (1-based) of n is A when (p − 1) / n < A %, B when < (A + B) %, C when
  < (A + B + C) %, else D. A customer without orders in the period is always D.
"""

from __future__ import annotations

import calendar
import datetime
import time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.analytics.models import DEFAULT_CUTOFFS, DEFAULT_WEIGHTS, MEASURES, CustomerScore, ScoreRun
from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, PermissionDenied
from pharmcrm.customers.models import Customer
from pharmcrm.sales.models import (
    APPROVED_AND_LATER,
    ReturnLine,
    ReturnOrder,
    ReturnStatus,
    SalesOrder,
    SalesOrderLine,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# returns in these states have taken their amount off the order (returned_total)
RETURN_COUNTED = (ReturnStatus.APPROVED, ReturnStatus.RECEIVED)
MAX_MONTHS = 120


def months_back(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved ``months`` calendar months back (the day clamped to the month's length)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_for(*, period_end: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The ``months`` months ending with ``period_end`` (inclusive): e.g. 12 months ending
    2026-11-29 start 2025-11-30."""
    return months_back(period_end + datetime.timedelta(days=1), months), period_end


def _decimal(value, field: str, key: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        d = None
    if d is None or not d.is_finite():
        raise ApplicationError(_("%(key)s: not a number.") % {"key": key}, code="invalid",
                               fields={field: [_("%(key)s: not a number.") % {"key": key}]})
    return d


def validate_weights(weights: dict | None) -> dict[str, Decimal]:
    """The four weights (transactions, avg_size, volume, profit): numbers ≥ 0, not all zero; a
    missing one is 0."""
    if weights is None:
        weights = DEFAULT_WEIGHTS
    if not isinstance(weights, dict):
        raise ApplicationError(_("Weights must be given per measure."), fields={"weights": [
            _("Weights must be given per measure.")]})
    unknown = sorted(set(weights) - set(MEASURES))
    if unknown:
        msg = _("Unknown measure(s): %(names)s.") % {"names": ", ".join(map(str, unknown))}
        raise ApplicationError(msg, fields={"weights": [msg]})
    out = {m: _decimal(weights.get(m, 0), "weights", m) for m in MEASURES}
    if any(v < 0 for v in out.values()):
        msg = _("A weight cannot be negative.")
        raise ApplicationError(msg, fields={"weights": [msg]})
    if not any(out.values()):
        msg = _("At least one weight must be above zero.")
        raise ApplicationError(msg, fields={"weights": [msg]})
    return out


def validate_cutoffs(cutoffs: dict | None) -> dict[str, Decimal]:
    """The shares of A, B and C in per cent (D is the rest): each 0–100, together ≤ 100."""
    if cutoffs is None:
        cutoffs = DEFAULT_CUTOFFS
    if not isinstance(cutoffs, dict):
        raise ApplicationError(_("Cut-offs must be given per class."), fields={"cutoffs": [
            _("Cut-offs must be given per class.")]})
    unknown = sorted(set(cutoffs) - {"A", "B", "C"})
    if unknown:
        msg = _("Cut-offs are given for classes A, B and C only (D is the rest).")
        raise ApplicationError(msg, fields={"cutoffs": [msg]})
    out = {k: _decimal(cutoffs.get(k, 0), "cutoffs", k) for k in ("A", "B", "C")}
    if any(v < 0 or v > 100 for v in out.values()):
        msg = _("Each cut-off is a percentage between 0 and 100.")
        raise ApplicationError(msg, fields={"cutoffs": [msg]})
    if sum(out.values()) > 100:
        msg = _("The cut-offs of A, B and C add up to more than 100 %.")
        raise ApplicationError(msg, fields={"cutoffs": [msg]})
    return out


def _plain(d: Decimal) -> str:
    """A Decimal as stored in the run's JSON: '5', '0.25' (exact, no exponent)."""
    s = format(d.normalize(), "f")
    return s


def _score_sql(run_id: int, start: datetime.datetime, end: datetime.datetime,
               weights: dict[str, Decimal], cutoffs: dict[str, Decimal]) -> tuple[str, list]:
    ops = connection.ops
    t_score, t_cust = CustomerScore._meta.db_table, Customer._meta.db_table
    t_order, t_line = SalesOrder._meta.db_table, SalesOrderLine._meta.db_table
    t_ret, t_rline = ReturnOrder._meta.db_table, ReturnLine._meta.db_table
    statuses = [str(s) for s in APPROVED_AND_LATER]
    st_in = ", ".join(["%s"] * len(statuses))
    ret_in = ", ".join(["%s"] * len(RETURN_COUNTED))
    bounds = [ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end)]
    order_filter = f"o.status IN ({st_in}) AND o.approved_at >= %s AND o.approved_at < %s"
    order_params = [*statuses, *bounds]
    cost = "COALESCE(l.floor_price, 0)"
    total_w = sum(weights.values())
    a = cutoffs["A"]
    b = a + cutoffs["B"]
    c = b + cutoffs["C"]
    # ranks: PERCENT_RANK over all customers, ascending (the highest value ranks 1)
    rank = "ROUND(CAST(PERCENT_RANK() OVER (ORDER BY {m}) AS NUMERIC), 6)"
    sql = f"""
INSERT INTO {t_score} (run_id, customer_id, transactions, avg_size, volume, profit,
                       rank_transactions, rank_avg_size, rank_volume, rank_profit, score, klass)
WITH ord AS (
    SELECT o.customer_id AS customer_id, COUNT(*) AS tx, SUM(o.amount_total - o.returned_total) AS vol
    FROM {t_order} o WHERE {order_filter} GROUP BY o.customer_id
), lin AS (
    SELECT o.customer_id AS customer_id, SUM(l.amount - l.quantity * {cost}) AS p
    FROM {t_line} l JOIN {t_order} o ON o.id = l.order_id
    WHERE {order_filter} GROUP BY o.customer_id
), ret AS (
    SELECT o.customer_id AS customer_id, SUM(rl.amount - rl.quantity * {cost}) AS p
    FROM {t_rline} rl JOIN {t_ret} r ON r.id = rl.ret_id
    JOIN {t_line} l ON l.id = rl.line_id JOIN {t_order} o ON o.id = l.order_id
    WHERE r.status IN ({ret_in}) AND {order_filter} GROUP BY o.customer_id
), base AS (
    SELECT c.id AS customer_id, COALESCE(ord.tx, 0) AS tx,
           ROUND(COALESCE(ord.vol, 0), 2) AS vol,
           CASE WHEN ord.tx > 0 THEN ROUND(ord.vol * 1.0 / ord.tx, 2) ELSE 0 END AS avg_size,
           ROUND(COALESCE(lin.p, 0) - COALESCE(ret.p, 0), 2) AS profit
    FROM {t_cust} c
    LEFT JOIN ord ON ord.customer_id = c.id
    LEFT JOIN lin ON lin.customer_id = c.id
    LEFT JOIN ret ON ret.customer_id = c.id
    WHERE c.deleted_at IS NULL
), ranked AS (
    SELECT base.*, {rank.format(m="tx")} AS r_tx, {rank.format(m="avg_size")} AS r_avg,
           {rank.format(m="vol")} AS r_vol, {rank.format(m="profit")} AS r_profit
    FROM base
), scored AS (
    SELECT ranked.*, ROUND((CAST(%s AS NUMERIC) * r_tx + CAST(%s AS NUMERIC) * r_avg
                            + CAST(%s AS NUMERIC) * r_vol + CAST(%s AS NUMERIC) * r_profit)
                           / CAST(%s AS NUMERIC), 6) AS score
    FROM ranked
), ordered AS (
    SELECT scored.*, ROW_NUMBER() OVER (ORDER BY score DESC, customer_id) AS pos, COUNT(*) OVER () AS n
    FROM scored
)
SELECT %s, customer_id, tx, avg_size, vol, profit, r_tx, r_avg, r_vol, r_profit, score,
       CASE WHEN tx = 0 THEN 'D'
            WHEN (pos - 1) * 100 < n * CAST(%s AS NUMERIC) THEN 'A'
            WHEN (pos - 1) * 100 < n * CAST(%s AS NUMERIC) THEN 'B'
            WHEN (pos - 1) * 100 < n * CAST(%s AS NUMERIC) THEN 'C'
            ELSE 'D' END
FROM ordered
"""
    params = [*order_params, *order_params, *[str(s) for s in RETURN_COUNTED], *order_params,
              *(weights[m] for m in MEASURES), total_w, run_id, a, b, c]
    return sql, params


@transaction.atomic
def score_customers(*, actor=None, period_end: datetime.date | None = None, months: int = 12,
                    weights: dict | None = None, cutoffs: dict | None = None) -> ScoreRun:
    """Score every live customer over the ``months`` months ending ``period_end`` (a Shanghai
    date, inclusive; default today) and store the run. ``actor`` None is the system (daily job,
    ``crm_score``); a person must be an administrator."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied(_("Only an administrator may recompute the customer value scores."))
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        msg = _("The period is 1 to %(max)d months.") % {"max": MAX_MONTHS}
        raise ApplicationError(msg, fields={"months": [msg]})
    w = validate_weights(weights)
    cut = validate_cutoffs(cutoffs)
    if period_end is None:
        period_end = timezone.now().astimezone(SHANGHAI).date()
    start_day, end_day = period_for(period_end=period_end, months=months)
    start = datetime.datetime.combine(start_day, datetime.time.min, tzinfo=SHANGHAI)
    end = datetime.datetime.combine(end_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=SHANGHAI)

    began = time.monotonic()
    run = ScoreRun.objects.create(
        computed_at=timezone.now(), period_start=start_day, period_end=end_day,
        weights={m: _plain(v) for m, v in w.items()}, cutoffs={k: _plain(v) for k, v in cut.items()},
        triggered_by=actor if getattr(actor, "pk", None) else None)
    sql, params = _score_sql(run.pk, start, end, w, cut)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        scored = cur.rowcount
    run.customers_scored = max(scored, 0) if scored is not None else run.scores.count()
    run.duration_ms = int((time.monotonic() - began) * 1000)
    run.save(update_fields=["customers_scored", "duration_ms"])
    audit_record(actor=actor, action="analytics.score_run", target=run,
                 changes={"period_start": start_day.isoformat(), "period_end": end_day.isoformat(),
                          "weights": run.weights, "cutoffs": run.cutoffs, "customers": run.customers_scored})
    return run
