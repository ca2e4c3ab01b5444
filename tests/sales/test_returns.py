"""Return orders (sales/returns.py) and automatic closing (sales/closing.py): the seller
requests, finance approves (receivable and ledger change), the warehouse takes the goods back
into their batches; bad input changes nothing; an order closes once paid and invoiced, and
reopens when that stops being true."""

from __future__ import annotations

from decimal import Decimal
from decimal import Decimal as D

import pytest

from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.inventory.models import Batch
from pharmcrm.invoicing import services as invoicing
from pharmcrm.invoicing.models import SaleEntry
from pharmcrm.invoicing.sales_hooks import SOURCE
from pharmcrm.sales import closing, returns
from pharmcrm.sales import services as sales
from pharmcrm.sales.models import (
    EventKind,
    OrderLineAllocation,
    ReturnLine,
    ReturnOrder,
    ReturnStatus,
    SalesOrder,
    Status,
)
from tests.invoicing.helpers import HEADER, profile
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db
CHAIN = {**HEADER, "invoice_chain": "MFR-0001"}  # public hospital: two-invoice rule


def _shipped(org, book, qty="10", customer=None, rep=None):
    customer, rep = customer or book.pd1, rep or org.rep_pd1
    order = new_order(rep, customer, lines=[{"product_id": book.product.pk, "quantity": qty}])
    sales.order_submit(actor=rep, order_id=order.pk)
    sales.order_approve(actor=org.finance, order_id=order.pk)
    sales.order_outbound(actor=book.keeper, order_id=order.pk)
    return sales.order_ship(actor=book.keeper, order_id=order.pk, carrier="顺丰", tracking_no="SF1")


def _alloc(order):
    return OrderLineAllocation.objects.filter(line__order=order).order_by("id")


def _request(org, order, qty, *, actor=None, alloc=None):
    alloc = alloc or _alloc(order).first()
    return returns.return_request(actor=actor or org.rep_pd1, order_id=order.pk, data={
        "reason": "近效期，客户退回", "lines": [{"allocation_id": alloc.pk, "quantity": qty}]})


def _on_hand(batch) -> Decimal:
    return Batch.objects.get(pk=batch.pk).on_hand


def test_the_whole_return_changes_receivable_ledger_and_stock(org, book, stocked):
    order = _shipped(org, book)
    assert _on_hand(stocked.b1) == Decimal("20")  # 30 - 10 (nearest expiry first)
    ret = _request(org, order, "4")
    assert ret.status == ReturnStatus.REQUESTED and ret.amount_total == Decimal("50.00")
    assert ret.number.startswith("TH-")
    order.refresh_from_db()
    assert order.returned_total == 0  # nothing changes before finance approves
    returns.return_approve(actor=org.finance, return_id=ret.pk)
    order.refresh_from_db()
    assert order.returned_total == Decimal("50.00") and order.outstanding == Decimal("75.00")
    entry = SaleEntry.objects.get(source_type=SOURCE, source_id=order.lines.get().pk)
    assert entry.quantity == Decimal("6") and entry.reversed_quantity == Decimal("4")
    assert invoicing.check_invariant(book.pd1.pk) == []
    assert _on_hand(stocked.b1) == Decimal("20")  # the goods are not back yet
    returns.return_receive(actor=book.keeper, return_id=ret.pk)
    assert _on_hand(stocked.b1) == Decimal("24")
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.RETURN_REQUESTED, EventKind.RETURN_APPROVED, EventKind.RETURN_RECEIVED]


def test_returning_everything_returns_exactly_the_line_amount(org, book, stocked):
    order = new_order(org.rep_pd1, book.pd1, lines=[
        {"product_id": book.product.pk, "quantity": "3", "unit_price": "3.3333"}])
    sales.order_submit(actor=org.rep_pd1, order_id=order.pk)
    # below the floor: a head approves the exception first
    line = order.lines.get()
    exc = sales.price_exception_request(actor=org.rep_pd1, order_id=order.pk, line_id=line.pk, reason="清库存")
    sales.price_exception_decide(actor=org.pd_head, exception_id=exc.pk, approve=True)
    sales.order_approve(actor=org.finance, order_id=order.pk)
    sales.order_outbound(actor=book.keeper, order_id=order.pk)
    a = _alloc(order).get()
    r1 = _request(org, order, "1", alloc=a)
    r2 = _request(org, order, "2", alloc=a)
    line.refresh_from_db()
    assert r1.amount_total + r2.amount_total == line.amount == Decimal("10.00")
    with pytest.raises(ApplicationError) as e:
        _request(org, order, "0.001", alloc=a)
    assert "lines.0.quantity" in e.value.fields


@pytest.mark.parametrize("qty", ["0", "-1", "1.0001", "11", "abc", ""])
def test_bad_quantities_are_refused_and_nothing_is_written(org, book, stocked, qty):
    order = _shipped(org, book)
    with pytest.raises(ApplicationError) as e:
        _request(org, order, qty)
    assert "lines.0.quantity" in e.value.fields
    assert not ReturnOrder.objects.exists() and not ReturnLine.objects.exists()


def test_other_bad_input_is_refused(org, book, stocked):
    order = _shipped(org, book)
    other = _shipped(org, book, qty="2")
    foreign = _alloc(other).first()
    cases = [
        ({"reason": "x", "lines": [{"allocation_id": foreign.pk, "quantity": "1"}]}, "lines.0.allocation_id"),
        ({"reason": "x", "lines": []}, "lines"),
        ({"reason": "", "lines": [{"allocation_id": _alloc(order).first().pk, "quantity": "1"}]}, "reason"),
        ({"reason": "x", "lines": [{"allocation_id": _alloc(order).first().pk, "quantity": "1"}] * 2},
         "lines.1.allocation_id"),
        ({"reason": "x", "lines": [], "amount": "5"}, "amount"),
    ]
    for data, field in cases:
        with pytest.raises(ApplicationError) as e:
            returns.return_request(actor=org.rep_pd1, order_id=order.pk, data=data)
        assert field in e.value.fields, (data, e.value.fields)
    assert not ReturnOrder.objects.exists()


def test_units_in_a_live_return_cannot_be_returned_again_until_it_is_rejected(org, book, stocked):
    order = _shipped(org, book)
    ret = _request(org, order, "10")
    with pytest.raises(ApplicationError):
        _request(org, order, "1")
    returns.return_reject(actor=org.finance, return_id=ret.pk, reason="包装已拆")
    assert _request(org, order, "10").amount_total == order.amount_total


def test_only_after_outbound(org, book, stocked):
    order = new_order(org.rep_pd1, book.pd1)
    sales.order_submit(actor=org.rep_pd1, order_id=order.pk)
    sales.order_approve(actor=org.finance, order_id=order.pk)
    with pytest.raises(ApplicationError) as e:
        returns.return_request(actor=org.rep_pd1, order_id=order.pk, data={"reason": "x", "lines": []})
    assert e.value.code == "illegal_transition"


def test_who_may_do_what(org, book, stocked):
    order = _shipped(org, book)
    with pytest.raises(NotFound):  # another branch's rep does not see the order
        _request(org, order, "1", actor=org.rep_gz)
    with pytest.raises(PermissionDenied):  # warehouse sees it but does not request returns
        _request(org, order, "1", actor=book.keeper)
    ret = _request(org, order, "1")
    with pytest.raises(NotFound):
        returns.return_approve(actor=org.rep_gz, return_id=ret.pk)
    for actor in (org.rep_pd1, book.keeper):
        with pytest.raises(PermissionDenied):
            returns.return_approve(actor=actor, return_id=ret.pk)
    with pytest.raises(ApplicationError) as e:  # not approved yet
        returns.return_receive(actor=book.keeper, return_id=ret.pk)
    assert e.value.code == "illegal_transition"
    returns.return_approve(actor=org.finance, return_id=ret.pk)
    with pytest.raises(ApplicationError):  # twice: illegal
        returns.return_approve(actor=org.finance, return_id=ret.pk)
    with pytest.raises(PermissionDenied):
        returns.return_receive(actor=org.finance, return_id=ret.pk)
    returns.return_receive(actor=book.keeper, return_id=ret.pk)


def test_an_invoiced_quantity_needs_a_red_letter_first(org, book, stocked):
    profile(book.pd1)
    order = _shipped(org, book)
    entry = SaleEntry.objects.get(source_type=SOURCE, source_id=order.lines.get().pk)
    inv = invoicing.invoice_issue(actor=org.finance, customer_id=book.pd1.pk, header=CHAIN,
                                  selections=[{"sale_entry_id": entry.pk}])
    ret = _request(org, order, "4")
    with pytest.raises(ApplicationError) as e:
        returns.return_approve(actor=org.finance, return_id=ret.pk)
    assert e.value.code == "already_invoiced"
    ret.refresh_from_db()
    order.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED and order.returned_total == 0
    invoicing.invoice_reverse(actor=org.finance, invoice_id=inv.pk, reason="退货重开")
    returns.return_approve(actor=org.finance, return_id=ret.pk)
    assert invoicing.check_invariant(book.pd1.pk) == []


def _pay(order, amount):
    """What the payments area does: raise paid_total, then let the order settle."""
    from django.db import transaction

    with transaction.atomic():
        SalesOrder.objects.filter(pk=order.pk).update(paid_total=Decimal(amount))
        closing.order_settle_sync(actor=None, order_id=order.pk)
    order.refresh_from_db()
    return order


def test_an_order_closes_when_paid_and_invoiced_and_reopens_on_a_red_letter(org, book, stocked):
    profile(book.pd1)
    order = _shipped(org, book)
    order = _pay(order, order.amount_total)
    assert order.status == Status.SHIPPED  # paid but not invoiced
    entry = SaleEntry.objects.get(source_type=SOURCE, source_id=order.lines.get().pk)
    inv = invoicing.invoice_issue(actor=org.finance, customer_id=book.pd1.pk, header=CHAIN,
                                  selections=[{"sale_entry_id": entry.pk, "quantity": "6"}])
    order.refresh_from_db()
    assert order.status == Status.SHIPPED  # partly invoiced
    invoicing.invoice_issue(actor=org.finance, customer_id=book.pd1.pk, header=CHAIN,
                            selections=[{"sale_entry_id": entry.pk}])
    order.refresh_from_db()
    assert order.status == Status.CLOSED
    invoicing.invoice_reverse(actor=org.finance, invoice_id=inv.pk, reason="抬头错误")
    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    assert list(order.events.values_list("kind", flat=True))[-2:] == [EventKind.CLOSED, EventKind.REOPENED]


def test_an_order_covered_by_a_pre_invoice_and_prepaid_closes_when_it_ships(org, book, stocked):
    profile(book.pd1)
    invoicing.pre_invoice_issue(actor=org.finance, customer_id=book.pd1.pk, header=HEADER, lines=[
        {"product_id": book.product.pk, "unit_price": "12.5", "quantity": "10", "tax_rate": "13"}])
    order = new_order(org.rep_pd1, book.pd1)
    sales.order_submit(actor=org.rep_pd1, order_id=order.pk)
    sales.order_approve(actor=org.finance, order_id=order.pk)
    _pay(order, "125.00")
    sales.order_outbound(actor=book.keeper, order_id=order.pk)
    order = sales.order_ship(actor=book.keeper, order_id=order.pk, carrier="顺丰", tracking_no="SF2")
    assert order.status == Status.CLOSED


def test_a_full_return_of_an_unpaid_order_closes_it(org, book, stocked):
    order = _shipped(org, book)
    ret = _request(org, order, "10")
    returns.return_approve(actor=org.finance, return_id=ret.pk)
    order.refresh_from_db()
    assert order.outstanding == 0 and order.status == Status.CLOSED


def test_money_paid_beyond_the_new_total_is_released_by_the_payments_area(org, book, stocked, monkeypatch):
    order = _pay(_shipped(org, book), "125.00")
    ret = _request(org, order, "4")
    released = []

    def release(actor, order, net_after):
        SalesOrder.objects.filter(pk=order.pk).update(paid_total=net_after)
        released.append(order.paid_total - net_after)
        return order.paid_total - net_after

    monkeypatch.setattr(returns, "excess_payment_handlers", [release])
    returns.return_approve(actor=org.finance, return_id=ret.pk)
    order.refresh_from_db()
    ret.refresh_from_db()
    assert released == [Decimal("50.00")] and ret.released_credit == Decimal("50.00")
    assert order.paid_total == Decimal("75.00") and order.outstanding == 0


def test_without_a_payments_area_an_overpaid_return_is_refused(org, book, stocked, monkeypatch):
    order = _pay(_shipped(org, book), "125.00")
    ret = _request(org, order, "4")
    monkeypatch.setattr(returns, "excess_payment_handlers", [])
    with pytest.raises(ApplicationError) as e:
        returns.return_approve(actor=org.finance, return_id=ret.pk)
    assert e.value.code == "overpaid"
    order.refresh_from_db()
    assert order.returned_total == 0 and SaleEntry.objects.get().reversed_quantity == 0


def test_a_return_of_a_paid_order_at_awkward_cents_passes_the_database_check(org, book, stocked):
    """621.00 − 124.20 is 496.79999… in floating point (SQLite): the paid ≤ net check must still hold."""
    from pharmcrm.org.models import RoleScope
    from pharmcrm.payments import services as payments

    RoleScope.objects.get_or_create(role="finance", area="payments", defaults={"scope": "all"})
    order = new_order(org.rep_pd1, book.pd1, lines=[
        {"product_id": book.product.pk, "quantity": "5", "unit_price": "124.20"}])
    sales.order_submit(actor=org.rep_pd1, order_id=order.pk)
    sales.order_approve(actor=org.finance, order_id=order.pk)
    sales.order_outbound(actor=book.keeper, order_id=order.pk)
    payments.payment_record(actor=org.finance, data={"customer_id": book.pd1.pk, "amount": "621.00"})
    ret = _request(org, order, "1")
    returns.return_approve(actor=org.finance, return_id=ret.pk)
    order.refresh_from_db()
    assert (order.paid_total, order.returned_total, order.outstanding) == (D("496.80"), D("124.20"), 0)
