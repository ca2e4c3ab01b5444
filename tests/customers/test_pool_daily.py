"""``manage.py crm_daily``: the registry of steps (core/daily.py), each in its own transaction, the
pool step, --date / --only / --list, idempotency, a failing step does not stop the others."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pharmcrm.core import daily
from pharmcrm.customers import pool
from pharmcrm.customers.models import Customer, PoolEvent
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("crm_daily", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def extra_steps():
    """Register temporary steps; remove them afterwards."""
    added = []

    def add(key, func, order=100):
        daily.register(key, func, order=order)
        added.append(key)

    yield add
    for key in added:
        daily._STEPS.pop(key, None)


def test_pool_step_recycles_once(org):
    c = make_customer(org.rep_pd1)
    old = pool.local_midnight(datetime.date(2026, 1, 1))
    Customer.objects.filter(pk=c.pk).update(created_at=old, owned_since=old)
    out = run("--date", "2026-01-30", "--only", "pool")
    assert "crm_daily 2026-01-30" in out and "pool:" in out and "0 个客户退回公海" in out
    out = run("--date", "2026-01-31", "--only", "pool")
    assert "1 个客户退回公海" in out
    assert Customer.objects.get(pk=c.pk).owner_id is None
    out = run("--date", "2026-01-31", "--only", "pool")
    assert "0 个客户退回公海" in out
    assert PoolEvent.objects.filter(kind="auto_recycle").count() == 1


def test_list_and_errors(db):
    assert "pool\t" in run("--list")
    with pytest.raises(CommandError):
        run("--date", "2026-13-01")
    with pytest.raises(CommandError):
        run("--only", "no-such-step")


def test_steps_run_in_order_each_in_its_own_transaction(org, extra_steps):
    ran = []

    def first(day):
        ran.append(("first", day))
        make_customer(org.rep_pd1, "第一步写的")
        return "wrote one"

    def broken(day):
        ran.append(("broken", day))
        make_customer(org.rep_pd1, "失败的步骤写的")
        raise RuntimeError("boom")

    def last(day):
        ran.append(("last", day))
        return 3

    extra_steps("zz_last", last, order=999)
    extra_steps("aa_broken", broken, order=-2)
    extra_steps("aa_first", first, order=-3)
    with pytest.raises(CommandError, match="aa_broken"):
        run("--date", "2026-02-01", "--only", "aa_first", "aa_broken", "zz_last")
    day = datetime.date(2026, 2, 1)
    assert ran == [("first", day), ("broken", day), ("last", day)]
    assert Customer.objects.filter(name="第一步写的").exists()
    assert not Customer.objects.filter(name="失败的步骤写的").exists()  # rolled back alone


def test_registry_api(extra_steps):
    def step(day):
        return "x"

    extra_steps("t_step", step, order=5)
    steps = {s.key: s for s in daily.daily_steps()}
    assert steps["t_step"].order == 5 and steps["pool"].order == 10
    outcomes = daily.run_daily(datetime.date(2026, 1, 1), only=["t_step"])
    assert [(o.step.key, o.ok, o.summary) for o in outcomes] == [("t_step", True, "x")]
