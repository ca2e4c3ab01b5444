"""Reads of the customer value scores. Every per-customer read starts from
``org.visibility.visible_customers``: a customer the actor cannot see is NotFound, and counts
and movements only cover the customers the actor sees."""

from __future__ import annotations

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from pharmcrm.analytics.models import CLASSES, CustomerScore, ScoreRun
from pharmcrm.core.errors import NotFound
from pharmcrm.org import visibility


def current_run() -> ScoreRun | None:
    """The latest run (None before the first one)."""
    return ScoreRun.objects.order_by("-computed_at", "-id").first()


def previous_run(run: ScoreRun) -> ScoreRun | None:
    """The run before ``run``."""
    earlier = Q(computed_at__lt=run.computed_at) | Q(computed_at=run.computed_at, id__lt=run.pk)
    return ScoreRun.objects.filter(earlier).order_by("-computed_at", "-id").first()


def _visible_ids(actor) -> QuerySet:
    return visibility.visible_customers(actor).values("id")


def _check_visible(actor, customer_id: int) -> None:
    if not visibility.visible_customers(actor).filter(pk=customer_id).exists():
        raise NotFound()


def score_of(*, actor, customer_id: int, run: ScoreRun | None = None) -> CustomerScore | None:
    """The customer's score in ``run`` (default the current one); None if it was not scored."""
    _check_visible(actor, customer_id)
    run = run or current_run()
    if run is None:
        return None
    return CustomerScore.objects.filter(run=run, customer_id=customer_id).select_related("run").first()


def class_history(*, actor, customer_id: int) -> list[CustomerScore]:
    """The customer's score in every run, oldest first (``.run`` loaded)."""
    _check_visible(actor, customer_id)
    return list(CustomerScore.objects.filter(customer_id=customer_id).select_related("run")
                .order_by("run__computed_at", "run_id"))


def class_counts(*, actor, run: ScoreRun | None = None) -> dict[str, int]:
    """{"A": n, "B": n, "C": n, "D": n} over the customers ``actor`` sees (one query)."""
    counts = dict.fromkeys(CLASSES, 0)
    run = run or current_run()
    if run is None:
        return counts
    for klass, n in (CustomerScore.objects.filter(run=run, customer_id__in=_visible_ids(actor))
                     .values_list("klass").annotate(n=Count("id")).order_by()):
        counts[klass] = n
    return counts


def movements(*, actor, run: ScoreRun | None = None) -> dict[str, list[CustomerScore]]:
    """Visible customers whose class changed between the run before ``run`` (default the current
    one) and ``run``: {"upgraded": [...], "downgraded": [...]}, each a CustomerScore of ``run``
    with ``previous_klass`` and ``customer`` loaded, by customer name. Customers scored in only
    one of the two runs are not movements."""
    out: dict[str, list[CustomerScore]] = {"upgraded": [], "downgraded": []}
    run = run or current_run()
    prev = previous_run(run) if run else None
    if prev is None:
        return out
    before = CustomerScore.objects.filter(run=prev, customer_id=OuterRef("customer_id")).values("klass")[:1]
    rows = (CustomerScore.objects.filter(run=run, customer_id__in=_visible_ids(actor))
            .annotate(previous_klass=Subquery(before)).filter(previous_klass__isnull=False)
            .exclude(previous_klass=F("klass"))
            .select_related("customer").order_by("customer__name", "customer_id"))
    for s in rows:
        if s.klass < s.previous_klass:  # A is the best class
            out["upgraded"].append(s)
        elif s.klass > s.previous_klass:
            out["downgraded"].append(s)
    return out
