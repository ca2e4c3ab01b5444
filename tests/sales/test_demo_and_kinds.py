"""The demo orders loader on a small company (every state, dated back, nothing in the future,
deterministic whatever the hour), the notification kinds' sentences, and the list's query count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pharmcrm.demo.gen_orders import orders_load
from pharmcrm.notifications.kinds import kind_of
from pharmcrm.notifications.models import Notification
from pharmcrm.sales.models import OrderEvent, PriceException, SalesOrder
from tests.factories import make_customer
from tests.inventory.helpers import make_warehouse, receive
from tests.sales.conftest import address, qualify

pytestmark = pytest.mark.django_db


def test_demo_orders(org, book):
    wh = make_warehouse()
    receive(book.keeper, wh, book.product, "DEMO1", "100000", timezone.localdate() + datetime.timedelta(days=800))
    users = {u.username: u for u in (org.rep_pd1, org.rep_pd2, org.pd_head, org.rep_gz)}
    users.update(zhangwei=org.rep_pd1, qianfang=org.finance, jiangtao=book.keeper)
    ids = [book.pd1.pk, book.pd2.pk, book.gz.pk]
    for i, u in enumerate((org.rep_pd1, org.rep_pd2, org.rep_gz) * 3):
        c = make_customer(u, f"演示医院{i}", type="hospital", region_code="310115")
        address(c)
        if i % 3:
            qualify(c)
        ids.append(c.pk)
    now = timezone.now()
    counts = orders_load(seed=7, customer_ids=ids, users=users, fresh=lambda u: u, now=now)
    assert counts["orders"] == SalesOrder.objects.count() >= 35
    states = set(SalesOrder.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "approved", "outbound", "shipped", "received", "cancelled"} <= states
    assert SalesOrder.objects.filter(status="draft").exclude(reject_reason="").filter(created_by=org.rep_pd1).exists()
    assert PriceException.objects.filter(state="pending").count() == 1
    assert not OrderEvent.objects.filter(at__gt=now).exists()
    assert not SalesOrder.objects.filter(created_at__gt=now).exists()
    for o in SalesOrder.objects.filter(status__in=("shipped", "received")):
        assert o.lines.first().allocations.exists() and o.shipped_on <= timezone.localdate()
    # the stamps on the order agree with its (dated back) timeline: receivables age from approval
    for o in SalesOrder.objects.exclude(approved_at=None):
        approved = OrderEvent.objects.filter(order=o, kind="approved").values_list("at", flat=True).get()
        assert o.approved_at == approved, o.number
    for o in SalesOrder.objects.exclude(outbound_at=None):
        assert o.outbound_at == OrderEvent.objects.filter(order=o, kind="outbound").values_list("at", flat=True).get()
    assert SalesOrder.objects.filter(approved_at__lt=now - datetime.timedelta(days=20)).exists()


def test_every_kind_renders(org, book):
    for kind in ("order_submitted", "order_approved", "order_rejected", "order_shipped", "order_cancelled",
                 "order_price_exception", "order_price_exception_decided"):
        n = Notification(recipient=org.rep_pd1, kind=kind, actor=org.finance, params={
            "number": "XS-2026-000001", "customer": "上海仁济医院", "amount": "1.00", "reason": "原因",
            "product": "阿托伐他汀钙片", "price": "9", "carrier": "顺丰", "tracking_no": "SF1", "state": "approved"})
        text = kind_of(kind).render(n)
        assert "XS-2026-000001" in text, kind


def test_list_query_count(org, book, client, django_assert_max_num_queries):
    from tests.sales.conftest import new_order

    for _ in range(5):
        new_order(org.rep_pd1, book.pd1)
    client.force_login(org.rep_pd1)
    client.get(reverse("web:order_list"))
    with django_assert_max_num_queries(25) as ctx:
        client.get(reverse("web:order_list"))
    n = len(ctx.captured_queries)
    for _ in range(10):
        new_order(org.rep_pd1, book.pd1)
    with django_assert_max_num_queries(n):  # constant whatever the rows
        client.get(reverse("web:order_list"))
