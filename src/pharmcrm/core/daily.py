"""The daily job (``manage.py crm_daily``): a list of steps that areas append to.

An area registers a step in a module named ``daily_steps`` of its app (found automatically,
like ``admin.py``), or calls ``register(key, func)`` from its ``AppConfig.ready()``::

    from pharmcrm.core.daily import daily_step

    @daily_step("pool", order=10, label="Public pool: recycling and warnings")
    def pool_step(day: datetime.date) -> str:
        return pool_recycle(day=day).summary()

A step receives the day it runs for (the company's calendar day, Asia/Shanghai), must be
idempotent (running it twice for the same day changes nothing the second time: cron may
retry, an operator may re-run), and returns a one-line summary (anything printable, e.g. a
count). Each step runs in its own
transaction: a failing step is rolled back and reported, the others still run, and the
command exits non-zero. Steps run in ``order`` (then key) so that, e.g., scores can be
computed after the pool has been recycled.
"""

from __future__ import annotations

import datetime
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.module_loading import autodiscover_modules

StepFunc = Callable[[datetime.date], str]


@dataclass(frozen=True)
class DailyStep:
    key: str
    label: str
    func: StepFunc
    order: int = 100


@dataclass(frozen=True)
class StepOutcome:
    step: DailyStep
    ok: bool
    summary: str
    seconds: float


_STEPS: dict[str, DailyStep] = {}


def daily_step(key: str, *, label: str = "", order: int = 100) -> Callable[[StepFunc], StepFunc]:
    """Register ``func`` as the daily step ``key`` (re-registering a key replaces it)."""

    def decorate(func: StepFunc) -> StepFunc:
        _STEPS[key] = DailyStep(key=key, label=label or key, func=func, order=order)
        return func

    return decorate


def register(key: str, func: StepFunc, *, label: str = "", order: int = 100) -> StepFunc:
    """The same as ``daily_step`` as a plain call (e.g. from an ``AppConfig.ready``)."""
    return daily_step(key, label=label, order=order)(func)


def discover() -> None:
    autodiscover_modules("daily_steps")


def daily_steps() -> list[DailyStep]:
    discover()
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.key))


def run_daily(day: datetime.date, *, only: list[str] | None = None,
              on_done: Callable[[StepOutcome], None] | None = None) -> list[StepOutcome]:
    """Run every step (or those in ``only``) for ``day``, each in its own transaction."""
    import time

    outcomes = []
    for step in daily_steps():
        if only and step.key not in only:
            continue
        started = time.monotonic()
        try:
            with transaction.atomic():
                summary = step.func(day)
            outcome = StepOutcome(step, True, "" if summary is None else str(summary), time.monotonic() - started)
        except Exception as exc:  # one broken step must not stop the others
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            outcome = StepOutcome(step, False, detail, time.monotonic() - started)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
