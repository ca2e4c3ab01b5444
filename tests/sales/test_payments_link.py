"""Payments meet the rest of the sales flow (here for the sales fixtures): a real payment through
``payments.services`` closes a shipped, fully invoiced order (``sales.closing``), cancelling it
reopens the order; a return of a paid order releases the excess allocations newest first back to
the customer's credit (``sales.returns.excess_payment_handlers`` → ``payments``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmcrm.invoicing import services as invoicing
from pharmcrm.invoicing.models import SaleEntry
from pharmcrm.invoicing.sales_hooks import SOURCE
from pharmcrm.payments import selectors as pay_selectors
from pharmcrm.payments import services as payments
from pharmcrm.payments.models import PaymentAllocation
from pharmcrm.sales import returns
from pharmcrm.sales import services as sales
from pharmcrm.sales.models import OrderLineAllocation, SalesOrder, Status
from tests.invoicing.helpers import HEADER, profile
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db
CHAIN = {**HEADER, "invoice_chain": "MFR-0001"}


@pytest.fixture(autouse=True)
def payments_scope(db):
    from pharmcrm.org.models import RoleScope

    RoleScope.objects.get_or_create(role="finance", area="payments", defaults={"scope": "all"})


def _shipped(org, book):
    order = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "10"}])
    sales.order_submit(actor=org.rep_pd1, order_id=order.pk)
    sales.order_approve(actor=org.finance, order_id=order.pk)
    sales.order_outbound(actor=book.keeper, order_id=order.pk)
    return sales.order_ship(actor=book.keeper, order_id=order.pk, carrier="顺丰", tracking_no="SF1")


def _pay(org, customer, amount, allocations="auto"):
    return payments.payment_record(actor=org.finance, data={"customer_id": customer.pk, "amount": amount,
                                                            "allocations": allocations})


def test_a_payment_closes_an_invoiced_order_and_its_cancel_reopens_it(org, book, stocked):
    profile(book.pd1)
    order = _shipped(org, book)
    entry = SaleEntry.objects.get(source_type=SOURCE, source_id=order.lines.get().pk)
    invoicing.invoice_issue(actor=org.finance, customer_id=book.pd1.pk, header=CHAIN,
                            selections=[{"sale_entry_id": entry.pk}])
    p = _pay(org, book.pd1, "100")
    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.outstanding == Decimal("25.00")
    _pay(org, book.pd1, "25")
    order.refresh_from_db()
    assert order.status == Status.CLOSED
    # a closed order still receives no more than it owes, and a release reopens it
    a = PaymentAllocation.objects.filter(payment=p).get()
    payments.allocation_release(actor=org.finance, allocation_id=a.pk, reason="错账")
    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.paid_total == Decimal("25.00")


def test_a_return_releases_the_excess_newest_first_to_credit(org, book, stocked):
    order = _shipped(org, book)  # 10 × 12.50 = 125.00
    p1 = _pay(org, book.pd1, "100")
    p2 = _pay(org, book.pd1, "25")
    alloc = OrderLineAllocation.objects.filter(line__order=order).first()
    ret = returns.return_request(actor=org.rep_pd1, order_id=order.pk, data={
        "reason": "破损退回", "lines": [{"allocation_id": alloc.pk, "quantity": "4"}]})
    returns.return_approve(actor=org.finance, return_id=ret.pk)
    order = SalesOrder.objects.get(pk=order.pk)
    ret.refresh_from_db()
    assert order.returned_total == Decimal("50.00") and order.paid_total == Decimal("75.00")
    assert ret.released_credit == Decimal("50.00")
    p1.refresh_from_db()
    p2.refresh_from_db()
    assert (p2.unallocated, p1.unallocated) == (Decimal("25.00"), Decimal("25.00"))  # p2 first, then 25 of p1
    assert pay_selectors.customer_credit(book.pd1.pk) == Decimal("50.00")
    active = PaymentAllocation.objects.filter(order=order, released_at__isnull=True)
    assert sum(a.amount for a in active) == order.paid_total
