"""The customer's follow-up plan (``Customer.next_followup_on``): the next date of its latest
follow-up, kept by the services and by a merge."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from pharmcrm.activities import services
from pharmcrm.customers.merge import customer_merge
from pharmcrm.customers.models import Customer
from tests.activities.conftest import log
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def plan(customer) -> datetime.date | None:
    return Customer._base_manager.get(pk=customer.pk).next_followup_on


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_the_plan_follows_the_latest_follow_up(org, book):
    assert plan(book.pd1) is None
    now = timezone.now()
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(days=3), next_date=days(2), next_plan="送样品")
    assert plan(book.pd1) == days(2)
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(hours=1), next_date=days(9), next_plan="见主任")
    assert plan(book.pd1) == days(9)
    log(org.rep_pd1, book.pd1, "电话回访，暂无下一步")  # the newest without a next date: no plan
    assert plan(book.pd1) is None


def test_a_backdated_follow_up_does_not_supersede_a_newer_one(org, book):
    now = timezone.now()
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(hours=2), next_date=days(5), next_plan="报价")
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(days=20), next_date=days(1), next_plan="补录")
    assert plan(book.pd1) == days(5)


def test_same_time_the_later_id_wins(org, book):
    when = timezone.now() - datetime.timedelta(hours=1)
    log(org.rep_pd1, book.pd1, occurred_at=when, next_date=days(3), next_plan="A")
    log(org.rep_pd1, book.pd1, occurred_at=when, next_date=days(4), next_plan="B")
    assert plan(book.pd1) == days(4)


def test_editing_within_the_window_refreshes_the_plan(org, book):
    now = timezone.now()
    newer = log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(hours=1), next_date=days(3),
                next_plan="送资料")
    older = log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(days=2), next_date=days(1),
                next_plan="旧计划")
    assert plan(book.pd1) == days(3)
    services.followup_update(actor=org.rep_pd1, followup_id=newer.pk, data={"next_date": days(6)})
    assert plan(book.pd1) == days(6)
    # the older one is moved after the newer: it becomes the latest and its plan counts
    services.followup_update(actor=org.rep_pd1, followup_id=older.pk, data={"occurred_at": now})
    assert plan(book.pd1) == days(1)
    services.followup_update(actor=org.rep_pd1, followup_id=older.pk, data={"next_date": None, "next_plan": ""})
    assert plan(book.pd1) is None


def test_merge_recomputes_the_target_plan_from_the_moved_follow_ups(org, book):
    now = timezone.now()
    source = make_customer(org.rep_pd1, "上海仁济医院（东院）", type="hospital")
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(days=4), next_date=days(1), next_plan="旧")
    log(org.rep_pd1, source, occurred_at=now - datetime.timedelta(hours=2), next_date=days(8), next_plan="新")
    customer_merge(actor=org.pd_head, source_id=source.pk, target_id=book.pd1.pk)
    assert plan(book.pd1) == days(8)
    assert plan(source) is None  # no follow-ups left on the merged source


def test_merge_keeps_the_target_plan_when_it_is_the_latest(org, book):
    now = timezone.now()
    source = make_customer(org.rep_pd1, "上海仁济医院（东院）", type="hospital")
    log(org.rep_pd1, source, occurred_at=now - datetime.timedelta(days=4), next_date=days(8), next_plan="旧")
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(hours=2), next_date=days(2), next_plan="新")
    customer_merge(actor=org.pd_head, source_id=source.pk, target_id=book.pd1.pk)
    assert plan(book.pd1) == days(2)


def test_the_data_migration_fills_the_plan(org, book):
    from importlib import import_module

    from django.apps import apps

    now = timezone.now()
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(hours=2), next_date=days(3), next_plan="A")
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(days=3), next_date=days(1), next_plan="B")
    Customer.objects.update(next_followup_on=None)
    import_module("pharmcrm.customers.migrations.0009_followup_plan").fill_plans(apps, None)
    assert plan(book.pd1) == days(3) and plan(book.pd2) is None
