"""Payment services: recording with the oldest-first proposal or explicit allocations, the
customer's credit, allocating credit later, releasing, cancelling, the return orders'
``order_release_excess``, payment plans; and every bad input refused with a field error and
nothing changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.models import AuditEvent
from pharmcrm.notifications.models import Notification
from pharmcrm.payments import selectors, services
from pharmcrm.payments.models import Payment, PaymentAllocation, PaymentPlan
from pharmcrm.sales.models import OrderEvent, SalesOrder
from tests.factories import make_user
from tests.payments.conftest import order_for

D = Decimal
pytestmark = pytest.mark.django_db


def _paid(o) -> Decimal:
    return SalesOrder.objects.get(pk=o.pk).paid_total


def _record(org, customer, amount, allocations="auto", **extra):
    return services.payment_record(actor=org.finance, data={
        "customer_id": customer.pk, "amount": amount, "received_on": timezone.localdate().isoformat(),
        "method": "bank_transfer", "reference": "工行流水 0001", "allocations": allocations, **extra})


def _snapshot():
    return (list(SalesOrder.objects.order_by("pk").values_list("pk", "paid_total", "status")),
            Payment.objects.count(), PaymentAllocation.objects.count(), OrderEvent.objects.count(),
            AuditEvent.objects.count(), PaymentPlan.objects.count())


def test_auto_allocation_pays_oldest_approved_first_and_keeps_the_rest_as_credit(org, pay):
    newer = order_for(org.rep_pd1, pay.c1, "300", days_ago=5)
    older = order_for(org.rep_pd1, pay.c1, "200", days_ago=40)
    order_for(org.rep_pd1, pay.c1, "999", status="submitted")  # not a receivable
    p = _record(org, pay.c1, "450")
    assert p.number.startswith(f"HK-{timezone.localdate().year}-")
    assert _paid(older) == D("200") and _paid(newer) == D("250")
    assert p.allocated_total == D("450") and selectors.customer_credit(pay.c1.pk) == D("0")
    p2 = _record(org, pay.c1, "100")
    assert _paid(newer) == D("300")
    assert selectors.customer_credit(pay.c1.pk) == D("50")
    assert Payment.objects.get(pk=p2.pk).unallocated == D("50")
    note = OrderEvent.objects.filter(order=newer, kind="payment").last().note
    assert p2.number in note


def test_explicit_allocations_and_an_empty_list_leaves_all_as_credit(org, pay):
    a = order_for(org.rep_pd1, pay.c1, "300", days_ago=50)
    b = order_for(org.rep_pd1, pay.c1, "200", days_ago=10)
    p = _record(org, pay.c1, "250", allocations=[{"order_id": b.pk, "amount": "200"},
                                                 {"order_id": a.pk, "amount": "20.5"}])
    assert _paid(a) == D("20.50") and _paid(b) == D("200")
    assert p.unallocated == D("29.50")
    q = _record(org, pay.c1, "80", allocations=[])
    assert q.allocated_total == 0 and selectors.customer_credit(pay.c1.pk) == D("109.50")


def test_credit_is_allocated_later_and_the_creator_hears_when_the_order_is_paid(
        org, pay, django_capture_on_commit_callbacks):
    p = _record(org, pay.c1, "500", allocations=[])
    o = order_for(org.rep_pd1, pay.c1, "120", days_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_allocate(actor=org.finance, payment_id=p.pk, allocations="auto")
    assert _paid(o) == D("120")
    assert Payment.objects.get(pk=p.pk).allocated_total == D("120")
    n = Notification.objects.get(recipient=org.rep_pd1, kind="payment_order_paid")
    assert o.number in n.params["number"]


def test_release_puts_money_back_to_credit_and_cancel_releases_everything(org, pay):
    o1 = order_for(org.rep_pd1, pay.c1, "100", days_ago=20)
    o2 = order_for(org.rep_pd1, pay.c1, "100", days_ago=10)
    p = _record(org, pay.c1, "150")
    a1 = PaymentAllocation.objects.get(payment=p, order=o1)
    services.allocation_release(actor=org.finance, allocation_id=a1.pk, reason="分错了")
    assert _paid(o1) == 0 and _paid(o2) == D("50")
    assert Payment.objects.get(pk=p.pk).unallocated == D("100")
    a1.refresh_from_db()
    assert a1.released_at is not None and a1.released_by == org.finance  # never deleted
    with pytest.raises(ApplicationError) as e:
        services.allocation_release(actor=org.finance, allocation_id=a1.pk)
    assert e.value.code == "illegal_transition"
    with pytest.raises(ApplicationError) as e:
        services.payment_cancel(actor=org.finance, payment_id=p.pk, reason="  ")
    assert "reason" in e.value.fields
    services.payment_cancel(actor=org.finance, payment_id=p.pk, reason="重复录入")
    p.refresh_from_db()
    assert p.status == "cancelled" and p.allocated_total == 0 and p.unallocated == 0
    assert _paid(o2) == 0 and selectors.customer_credit(pay.c1.pk) == 0
    assert PaymentAllocation.objects.filter(payment=p).count() == 2
    with pytest.raises(ApplicationError):
        services.payment_cancel(actor=org.finance, payment_id=p.pk, reason="again")
    with pytest.raises(ApplicationError):
        services.payment_allocate(actor=org.finance, payment_id=p.pk, allocations="auto")


def test_release_excess_newest_first_partly_back_to_credit(org, pay):
    o = order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    p1 = _record(org, pay.c1, "60")
    p2 = _record(org, pay.c1, "40")
    assert _paid(o) == D("100")
    with transaction.atomic():
        SalesOrder.objects.select_for_update().get(pk=o.pk)
        released = services.order_release_excess(actor=org.finance, order_id=o.pk, net_after=D("45"))
        SalesOrder.objects.filter(pk=o.pk).update(returned_total=D("55"))
    assert released == D("55")
    o.refresh_from_db()
    assert o.paid_total == D("45") and o.outstanding == 0
    # newest (p2: 40) released whole, then 15 of p1
    assert Payment.objects.get(pk=p2.pk).unallocated == D("40")
    assert Payment.objects.get(pk=p1.pk).unallocated == D("15")
    active = PaymentAllocation.objects.filter(order=o, released_at__isnull=True)
    assert sum(a.amount for a in active) == D("45")
    assert services.order_release_excess(actor=org.finance, order_id=o.pk) == 0


def test_plans_set_by_the_seller_and_their_state(org, pay):
    o = order_for(org.rep_pd1, pay.c1, "300", days_ago=20)
    today = timezone.localdate()
    # the order was created today: a due date before that is refused
    with pytest.raises(ApplicationError) as e:
        services.plan_set(actor=org.rep_pd1, order_id=o.pk, plans=[
            {"due_on": (today - datetime.timedelta(days=1)).isoformat(), "amount": "100"}])
    assert "plans.0.due_on" in e.value.fields
    SalesOrder.objects.filter(pk=o.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    services.plan_set(actor=org.rep_pd1, order_id=o.pk, plans=[
        {"due_on": (today - datetime.timedelta(days=1)).isoformat(), "amount": "100"},
        {"due_on": (today + datetime.timedelta(days=3)).isoformat(), "amount": "100", "note": "第二期"},
        {"due_on": (today + datetime.timedelta(days=30)).isoformat(), "amount": "100"}])
    o.refresh_from_db()
    assert [r.state for r in selectors.plan_rows(o)] == ["overdue", "due", "due"]
    _record(org, pay.c1, "150")
    o.refresh_from_db()
    assert [r.state for r in selectors.plan_rows(o)] == ["paid", "partly", "due"]
    assert [p.amount for p in selectors.plans_due(actor=org.rep_pd1, scope="mine", today=today)] == [D("100")]
    assert list(selectors.plans_due(actor=org.rep_pd2, scope="mine", today=today)) == []
    assert len(selectors.plans_due(actor=org.pd_head, scope="team", today=today)) == 1
    assert len(selectors.plans_due(actor=org.finance, scope="mine", today=today)) == 1
    with pytest.raises(ApplicationError) as e:
        services.plan_set(actor=org.rep_pd1, order_id=o.pk, plans=[
            {"due_on": today.isoformat(), "amount": "200"}, {"due_on": today.isoformat(), "amount": "1"}])
    assert "plans.1.due_on" in e.value.fields
    with pytest.raises(ApplicationError) as e:
        services.plan_set(actor=org.rep_pd1, order_id=o.pk, plans=[{"due_on": today.isoformat(), "amount": "300.01"}])
    assert "plans" in e.value.fields
    with pytest.raises(NotFound):
        services.plan_set(actor=org.rep_gz, order_id=o.pk, plans=[])
    keeper = make_user("keeper", department=org.hq, roles=("warehouse",))
    with pytest.raises(PermissionDenied):  # sees the approved order (shipping), may not plan its payments
        services.plan_set(actor=keeper, order_id=o.pk, plans=[])
    services.plan_set(actor=org.finance, order_id=o.pk, plans=[])
    assert not PaymentPlan.objects.filter(order=o).exists()


def test_only_finance_records(org, pay):
    order_for(org.rep_pd1, pay.c1, "100")
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        _record(SimpleOrg(org.rep_pd1), pay.c1, "10")
    with pytest.raises(NotFound):  # a customer rep_pd1 does not see: 404 before 403
        _record(SimpleOrg(org.rep_pd1), pay.gz, "10")
    assert _snapshot() == before


class SimpleOrg:
    def __init__(self, user):
        self.finance = user


# --- bad input: a clear field error, nothing changed ------------------------------------------

@pytest.mark.parametrize("amount,field", [("0", "amount"), ("-5", "amount"), ("1.234", "amount"), ("abc", "amount"),
                                          ("", "amount")])
def test_bad_amounts(org, pay, amount, field):
    order_for(org.rep_pd1, pay.c1, "100")
    before = _snapshot()
    with pytest.raises(ApplicationError) as e:
        _record(org, pay.c1, amount)
    assert field in e.value.fields
    assert _snapshot() == before


def test_bad_allocations_change_nothing(org, pay):
    mine = order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    other = order_for(org.rep_pd2, pay.c2, "100", days_ago=3)
    draft = order_for(org.rep_pd1, pay.c1, "100", status="draft")
    submitted = order_for(org.rep_pd1, pay.c1, "100", status="submitted")
    cancelled = order_for(org.rep_pd1, pay.c1, "100", status="cancelled")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    before = _snapshot()
    cases = [
        ([{"order_id": other.pk, "amount": "10"}], "allocations.0.order_id"),
        ([{"order_id": draft.pk, "amount": "10"}], "allocations.0.order_id"),
        ([{"order_id": submitted.pk, "amount": "10"}], "allocations.0.order_id"),
        ([{"order_id": cancelled.pk, "amount": "10"}], "allocations.0.order_id"),
        ([{"order_id": mine.pk, "amount": "100.01"}], "allocations.0.amount"),
        ([{"order_id": mine.pk, "amount": "0"}], "allocations.0.amount"),
        ([{"order_id": mine.pk, "amount": "1.001"}], "allocations.0.amount"),
        ([{"order_id": mine.pk, "amount": "5"}, {"order_id": mine.pk, "amount": "5"}], "allocations.1.order_id"),
    ]
    for allocations, field in cases:
        with pytest.raises(ApplicationError) as e:
            _record(org, pay.c1, "50", allocations=allocations)
        assert field in e.value.fields, (allocations, e.value.fields)
    o2 = order_for(org.rep_pd1, pay.c1, "100", days_ago=1)
    before = _snapshot()
    with pytest.raises(ApplicationError) as e:  # more than the payment
        _record(org, pay.c1, "50", allocations=[{"order_id": mine.pk, "amount": "30"},
                                                {"order_id": o2.pk, "amount": "30"}])
    assert "allocations" in e.value.fields
    with pytest.raises(ApplicationError) as e:
        _record(org, pay.c1, "50", received_on=tomorrow)
    assert "received_on" in e.value.fields
    with pytest.raises(NotFound):
        _record(org, pay.c1, "50", allocations=[{"order_id": 987654321, "amount": "1"}])
    with pytest.raises(NotFound):
        services.payment_record(actor=org.finance, data={"customer_id": 987654321, "amount": "1"})
    with pytest.raises(ApplicationError) as e:
        _record(org, pay.c1, "50", method="bitcoin")
    assert "method" in e.value.fields
    assert _snapshot() == before


def test_allocating_credit_beyond_what_is_left_is_refused(org, pay):
    o = order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    p = _record(org, pay.c1, "30", allocations=[])
    before = _snapshot()
    with pytest.raises(ApplicationError) as e:
        services.payment_allocate(actor=org.finance, payment_id=p.pk, allocations=[{"order_id": o.pk, "amount": "31"}])
    assert "allocations" in e.value.fields
    with pytest.raises(NotFound):
        services.payment_allocate(actor=org.finance, payment_id=987654, allocations="auto")
    with pytest.raises(NotFound):  # a rep of another branch does not see the payment
        services.payment_allocate(actor=org.rep_gz, payment_id=p.pk, allocations="auto")
    with pytest.raises(PermissionDenied):  # the rep sees it, read-only
        services.payment_allocate(actor=org.rep_pd1, payment_id=p.pk, allocations="auto")
    assert _snapshot() == before
