"""The demo payments loader on a small company (after the demo orders): payments through the
services (paid, partly paid, a credit, a cancelled one), receivables in every ageing bucket, plans
with an overdue instalment for 张伟's customer, deterministic, and every total adding up."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pharmcrm.demo.gen_orders import orders_load
from pharmcrm.demo.gen_payments import payments_load
from pharmcrm.payments import selectors
from pharmcrm.payments.models import Payment, PaymentAllocation
from pharmcrm.sales.models import SalesOrder
from tests.factories import make_customer, make_user
from tests.inventory.helpers import make_warehouse, receive
from tests.sales.conftest import address, qualify

pytestmark = pytest.mark.django_db


def _company(org, pay):
    keeper = make_user("keeper", department=org.hq, roles=("warehouse",))
    wh = make_warehouse()
    receive(keeper, wh, pay.product, "DEMO1", "100000", timezone.localdate() + datetime.timedelta(days=800))
    users = {u.username: u for u in (org.rep_pd1, org.rep_pd2, org.pd_head, org.rep_gz)}
    users.update(zhangwei=org.rep_pd1, qianfang=org.finance, jiangtao=keeper)
    ids = []
    for i, u in enumerate((org.rep_pd1, org.rep_pd2, org.rep_gz) * 4):
        c = make_customer(u, f"演示医院{i}", type="hospital", region_code="310115")
        address(c)
        qualify(c)
        ids.append(c.pk)
    return users, ids


def test_demo_payments(org, pay):
    users, ids = _company(org, pay)
    now = timezone.now()
    orders_load(seed=7, customer_ids=ids, users=users, fresh=lambda u: u, now=now)
    counts = payments_load(seed=7, users=users, fresh=lambda u: u, now=now)
    assert counts["payments"] == Payment.objects.count() >= 5
    assert Payment.objects.filter(status="cancelled").count() == 1
    assert any(p.unallocated > 0 for p in Payment.objects.filter(status="active"))  # a credit
    orders = list(SalesOrder.objects.filter(status__in=("shipped", "received", "closed")))
    assert any(o.outstanding == 0 for o in orders) and any(0 < o.paid_total < o.net_total for o in orders)
    rows, totals = selectors.ageing(actor=org.finance, group="customer")
    assert totals.b0 > 0 and totals.b31 > 0 and totals.b61 > 0 and totals.b91 > 0
    today = timezone.localdate()
    mine = list(selectors.plans_due(actor=org.rep_pd1, scope="mine", today=today))
    assert any(p.due_on < today for p in mine)  # 张伟's overdue instalment
    for o in SalesOrder.objects.all():
        active = PaymentAllocation.objects.filter(order=o, released_at__isnull=True)
        assert o.paid_total == sum((a.amount for a in active), Decimal(0))
        assert o.approved_at is None or timezone.localtime(o.approved_at).date() <= today
    assert not Payment.objects.filter(received_on__gt=today).exists()
