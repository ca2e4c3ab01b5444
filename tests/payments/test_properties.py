"""Properties of the payment services under random sequences of record / allocate / release /
cancel (hypothesis): after every step, for every order ``paid_total`` equals the sum of its active
allocations and 0 ≤ paid ≤ net total; for every payment ``allocated_total`` equals the sum of its
active allocations and never exceeds its amount; a cancelled payment has nothing allocated.
Refused steps (ApplicationError) must change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from pharmcrm.core.errors import ApplicationError
from pharmcrm.payments import services
from pharmcrm.payments.models import Payment, PaymentAllocation
from pharmcrm.sales.models import SalesOrder
from tests.payments.conftest import order_for

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=-100, max_value=40000).map(lambda c: Decimal(c).scaleb(-2))
step = st.one_of(
    st.tuples(st.just("record"), st.integers(0, 1), cents, st.sampled_from(["auto", "none", "explicit"]),
              st.lists(st.tuples(st.integers(0, 5), cents), max_size=3)),
    st.tuples(st.just("allocate"), st.integers(0, 7), st.sampled_from(["auto", "explicit"]),
              st.lists(st.tuples(st.integers(0, 5), cents), min_size=1, max_size=3)),
    st.tuples(st.just("release"), st.integers(0, 15)),
    st.tuples(st.just("cancel"), st.integers(0, 7)),
)


def _state():
    return (list(SalesOrder.objects.order_by("pk").values_list("pk", "paid_total")),
            list(Payment.objects.order_by("pk").values_list("pk", "allocated_total", "status")),
            list(PaymentAllocation.objects.order_by("pk").values_list("pk", "released_at")))


def _check_invariants():
    active = PaymentAllocation.objects.filter(released_at__isnull=True)
    by_order = {r["order_id"]: r["s"] for r in active.values("order_id").annotate(s=Sum("amount"))}
    for o in SalesOrder.objects.all():
        assert o.paid_total == Decimal(str(by_order.get(o.pk, 0))).quantize(Decimal("0.01"))
        assert 0 <= o.paid_total <= o.net_total
    by_payment = {r["payment_id"]: r["s"] for r in active.values("payment_id").annotate(s=Sum("amount"))}
    for p in Payment.objects.all():
        assert p.allocated_total == Decimal(str(by_payment.get(p.pk, 0))).quantize(Decimal("0.01"))
        assert 0 <= p.allocated_total <= p.amount
        if p.status == "cancelled":
            assert p.allocated_total == 0


@pytest.fixture
def world(org, pay):
    orders = [order_for(org.rep_pd1, pay.c1, amt, days_ago=d) for amt, d in (("100", 40), ("250.5", 20), ("80", 5))]
    orders += [order_for(org.rep_pd2, pay.c2, "120", days_ago=10), order_for(org.rep_pd1, pay.c1, "60",
                                                                             status="submitted")]
    orders.append(order_for(org.rep_pd1, pay.c1, "70", status="cancelled"))
    return org, [pay.c1, pay.c2], orders


@settings(max_examples=60)
@given(steps=st.lists(step, max_size=12))
def test_random_sequences_keep_the_totals(world, steps):
    org, customers, orders = world
    with transaction.atomic():
        for s in steps:
            before = _state()
            try:
                if s[0] == "record":
                    _k, ci, amount, mode, rows = s
                    allocations = {"auto": "auto", "none": []}.get(mode) or [
                        {"order_id": orders[i].pk, "amount": str(a)} for i, a in rows]
                    services.payment_record(actor=org.finance, data={
                        "customer_id": customers[ci].pk, "amount": str(amount), "allocations": allocations})
                elif s[0] == "allocate":
                    _k, pi, mode, rows = s
                    pays = list(Payment.objects.order_by("pk").values_list("pk", flat=True))
                    if not pays:
                        continue
                    allocations = "auto" if mode == "auto" else [
                        {"order_id": orders[i].pk, "amount": str(a)} for i, a in rows]
                    services.payment_allocate(actor=org.finance, payment_id=pays[pi % len(pays)],
                                              allocations=allocations)
                elif s[0] == "release":
                    allocs = list(PaymentAllocation.objects.order_by("pk").values_list("pk", flat=True))
                    if not allocs:
                        continue
                    services.allocation_release(actor=org.finance, allocation_id=allocs[s[1] % len(allocs)])
                else:
                    pays = list(Payment.objects.order_by("pk").values_list("pk", flat=True))
                    if not pays:
                        continue
                    services.payment_cancel(actor=org.finance, payment_id=pays[s[1] % len(pays)], reason="测试")
            except ApplicationError:
                assert _state() == before  # a refused step changes nothing
            _check_invariants()
        transaction.set_rollback(True)
