"""The ledger's services: stored invoices, pre-invoices, red letter, mismatches, rounding, rights."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.invoicing import selectors, services
from pharmcrm.invoicing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    MismatchStatus,
    PriceMismatch,
    SaleEntry,
)
from tests.factories import make_customer
from tests.invoicing.helpers import HEADER, make_product, profile, sale

D = Decimal


@pytest.fixture
def cust(org):
    c = make_customer(org.rep_pd1, "浦东医药有限公司")
    profile(c)
    return c


@pytest.fixture
def product(db):
    return make_product("阿莫西林胶囊")


def _state():
    return (sorted(SaleEntry.objects.values_list("id", "quantity", "amount", "invoiced_quantity", "invoiced_amount",
                                                 "consumed_quantity", "consumed_amount")),
            sorted(InvoiceLine.objects.filter(invoice__kind="pre_invoice", invoice__status="issued")
                   .values_list("id", "consumed_quantity", "consumed_amount")))


@pytest.mark.django_db(transaction=True)
def test_record_sale_requires_a_transaction(org, cust, product):
    with pytest.raises(RuntimeError):
        services.record_sale(actor=org.admin, source_type="x", source_id=1, customer_id=cust.pk,
                             product_id=product.pk, unit_price=D("1"), quantity=D("1"), amount=D("1"), tax_rate=D("13"))


def test_record_sale_is_idempotent(org, cust, product):
    a = sale(cust, product, "10", "5", source_id=777)
    b = sale(cust, product, "10", "5", source_id=777)
    assert a.created and not b.created and a.entry.pk == b.entry.pk
    assert SaleEntry.objects.count() == 1


def test_stored_invoice_whole_and_partial(org, cust, product):
    s = sale(cust, product, "12.5", "10").entry
    inv = services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                 selections=[{"sale_entry_id": s.pk, "quantity": "4"}])
    assert inv.kind == InvoiceKind.NORMAL and inv.number.startswith("FP-")
    assert inv.amount == D("50.00") and inv.tax == D("5.75") and inv.amount_excl_tax == D("44.25")
    assert inv.title == "浦东医药有限公司" and inv.taxpayer_id == "91310000MA1FL0001X"
    [row] = selectors.ledger(actor=org.finance, customer_id=cust.pk)
    assert (row.approved_quantity, row.invoiced_quantity, row.open_quantity) == (D("10"), D("4"), D("6"))
    assert (row.approved_amount, row.invoiced_amount, row.open_amount) == (D("125"), D("50"), D("75"))
    services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                           selections=[{"product_id": product.pk, "unit_price": "12.5"}])
    [row] = selectors.ledger(actor=org.finance, customer_id=cust.pk)
    assert row.open_quantity == 0 and row.open_amount == 0 and row.invoiced_amount == D("125")
    assert services.check_invariant() == []


def test_three_thirds_sum_exactly_to_the_sale(org, cust, product):
    s = sale(cust, product, "3.3333", "3", amount="10.00").entry
    amounts = []
    for _i in range(3):
        inv = services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                     selections=[{"sale_entry_id": s.pk, "quantity": "1"}])
        amounts.append(inv.amount)
    assert amounts == [D("3.33"), D("3.33"), D("3.34")] and sum(amounts) == D("10.00")
    s.refresh_from_db()
    assert s.open_quantity == 0 and s.open_amount == 0
    assert services.check_invariant() == []


def test_pre_invoice_consumed_oldest_first_and_partly(org, cust, product):
    first = services.pre_invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                       lines=[{"product_id": product.pk, "unit_price": "10", "quantity": "5"}])
    second = services.pre_invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                        lines=[{"product_id": product.pk, "unit_price": "10", "quantity": "5"}])
    r = sale(cust, product, "10", "7")
    assert [(c.line.invoice_id, c.quantity, c.amount) for c in r.consumptions] == [
        (first.pk, D("5"), D("50.00")), (second.pk, D("2"), D("20.00"))]
    assert r.entry.open_quantity == 0
    line2 = second.lines.get()
    assert line2.open_quantity == D("3") and line2.open_amount == D("30.00")
    covered = selectors.sale_coverage(actor=org.finance, source_type="test.sale", source_id=r.entry.source_id)
    assert [c["invoice"].number for c in covered] == [first.number, second.number]
    r2 = sale(cust, product, "10", "4")  # 3 from the second pre-invoice, 1 left un-invoiced
    assert r2.entry.consumed_quantity == 3 and r2.entry.open_quantity == 1
    [row] = selectors.ledger(actor=org.finance, customer_id=cust.pk)
    assert row.pre_quantity == 0 and row.open_quantity == 1 and row.invoiced_quantity == 10
    assert services.check_invariant() == []


def test_price_mismatch_is_listed_not_consumed(org, cust, product):
    pre = services.pre_invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                     lines=[{"product_id": product.pk, "unit_price": "10", "quantity": "5"}])
    r = sale(cust, product, "9.5", "2")
    assert r.consumptions == [] and r.entry.open_quantity == 2
    [m] = PriceMismatch.objects.all()
    assert m.status == MismatchStatus.OPEN and m.sale_id == r.entry.pk and m.line.invoice_id == pre.pk
    assert list(selectors.mismatch_list(actor=org.finance)) == [m]
    with pytest.raises(ApplicationError) as e:  # 2 × 10 = 20 > 19: would over-invoice
        services.settle_mismatch(actor=org.finance, mismatch_id=m.pk, action="consume", reason="客户确认")
    assert e.value.code == "over_invoice"
    services.settle_mismatch(actor=org.finance, mismatch_id=m.pk, action="dismiss", reason="按存票开")
    m.refresh_from_db()
    assert m.status == MismatchStatus.DISMISSED
    # a sale at a higher price: consumed by hand at the pre-invoice's price; the difference stays open
    r2 = sale(cust, product, "10.5", "2")
    m2 = PriceMismatch.objects.get(sale=r2.entry)
    services.settle_mismatch(actor=org.finance, mismatch_id=m2.pk, action="consume", reason="调价差额另开")
    r2.entry.refresh_from_db()
    assert r2.entry.open_quantity == 0 and r2.entry.open_amount == D("1.00")
    inv = services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                 selections=[{"sale_entry_id": r2.entry.pk}])
    assert inv.amount == D("1.00")
    assert services.check_invariant() == []


def test_invoice_chain_required_for_public_hospital(org, cust, product):
    s = sale(cust, product, "8", "3", terminal_type="public_hospital").entry
    with pytest.raises(ApplicationError) as e:
        services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                               selections=[{"sale_entry_id": s.pk}])
    assert e.value.code == "invoice_chain_required" and "invoice_chain" in e.value.fields
    assert Invoice.objects.count() == 0
    inv = services.invoice_issue(actor=org.finance, customer_id=cust.pk,
                                 header={**HEADER, "invoice_chain": "生产企业 某制药 No.0001234"},
                                 selections=[{"sale_entry_id": s.pk}])
    assert inv.invoice_chain.startswith("生产企业")


def test_red_letter_restores_exactly(org, cust, product):
    s = sale(cust, product, "7.77", "9").entry
    before = _state()
    inv = services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                 selections=[{"sale_entry_id": s.pk, "quantity": "4"}])
    red = services.invoice_reverse(actor=org.finance, invoice_id=inv.pk, reason="抬头有误")
    assert red.kind == InvoiceKind.RED_LETTER and red.original_id == inv.pk and red.amount == -inv.amount
    inv.refresh_from_db()
    assert inv.status == "reversed"
    assert _state() == before
    with pytest.raises(ApplicationError):
        services.invoice_reverse(actor=org.finance, invoice_id=inv.pk, reason="again")
    # a consumed pre-invoice: the sales it covered go back to un-invoiced, its remainder disappears
    pre = services.pre_invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                     lines=[{"product_id": product.pk, "unit_price": "5", "quantity": "10"}])
    r = sale(cust, product, "5", "4")
    assert r.entry.consumed_quantity == 4
    services.invoice_reverse(actor=org.finance, invoice_id=pre.pk, reason="客户取消")
    r.entry.refresh_from_db()
    assert r.entry.open_quantity == 4 and r.entry.open_amount == D("20.00")
    rows = {row.unit_price: row for row in selectors.ledger(actor=org.finance, customer_id=cust.pk)}
    assert rows[D("5")].pre_quantity == 0 and rows[D("5")].invoiced_quantity == 0
    assert services.check_invariant() == []


def test_reverse_sale(org, cust, product):
    r = sale(cust, product, "10", "6")
    services.reverse_sale(actor=org.admin, source_type="test.sale", source_id=r.entry.source_id, quantity="2",
                          reason="退货")
    r.entry.refresh_from_db()
    assert r.entry.quantity == 4 and r.entry.amount == D("40.00")
    services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                           selections=[{"sale_entry_id": r.entry.pk, "quantity": "3"}])
    with pytest.raises(ApplicationError) as e:
        services.reverse_sale(actor=org.admin, source_type="test.sale", source_id=r.entry.source_id, reason="取消")
    assert e.value.code == "already_invoiced" and "FP-" in e.value.message
    services.reverse_sale(actor=org.admin, source_type="test.sale", source_id=r.entry.source_id, quantity="1",
                          reason="退货")
    # a sale covered by a pre-invoice gives the pre-invoice back
    pre = services.pre_invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                     lines=[{"product_id": product.pk, "unit_price": "10", "quantity": "5"}])
    r2 = sale(cust, product, "10", "5")
    services.reverse_sale(actor=org.admin, source_type="test.sale", source_id=r2.entry.source_id, reason="取消")
    assert pre.lines.get().open_quantity == 5
    assert services.check_invariant() == []


@pytest.mark.parametrize("selection", [
    {"quantity": "11"},  # more than the balance
    {"quantity": "0"},
    {"quantity": "-1"},
    {"quantity": "1.0001"},  # 4 decimals
    {"quantity": "abc"},
])
def test_bad_selection_changes_nothing(org, cust, product, selection):
    s = sale(cust, product, "10", "10").entry
    before = _state()
    with pytest.raises(ApplicationError):
        services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                               selections=[{"sale_entry_id": s.pk, **selection}])
    assert _state() == before and Invoice.objects.count() == 0


def test_bad_pre_invoice_and_foreign_balance(org, cust, product):
    other = make_customer(org.rep_px, "浦西药房")
    profile(other)
    s_other = sale(other, product, "10", "10").entry
    before = _state()
    with pytest.raises(ApplicationError):
        services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                               selections=[{"sale_entry_id": s_other.pk}])
    with pytest.raises(ApplicationError):  # 5-decimal price
        services.pre_invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                   lines=[{"product_id": product.pk, "unit_price": "1.23456", "quantity": "1"}])
    with pytest.raises(ApplicationError):
        services.pre_invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                   lines=[{"product_id": product.pk, "unit_price": "1", "quantity": "0"}])
    with pytest.raises(ApplicationError), transaction.atomic():
        services.record_sale(actor=None, source_type="t", source_id=99, customer_id=cust.pk,
                             product_id=product.pk, unit_price="1.23456", quantity="1", amount="1.23",
                             tax_rate="13")
    assert _state() == before and Invoice.objects.count() == 0


def test_rights(org, cust, product):
    s = sale(cust, product, "10", "1").entry
    with pytest.raises(PermissionDenied):
        services.invoice_issue(actor=org.rep_pd1, customer_id=cust.pk, header=HEADER,
                               selections=[{"sale_entry_id": s.pk}])
    with pytest.raises(PermissionDenied):
        services.pre_invoice_issue(actor=org.rep_pd1, customer_id=cust.pk, header=HEADER,
                                   lines=[{"product_id": product.pk, "unit_price": "1", "quantity": "1"}])
    inv = services.invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                 selections=[{"sale_entry_id": s.pk}])
    with pytest.raises(PermissionDenied):
        services.invoice_reverse(actor=org.rep_pd1, invoice_id=inv.pk, reason="x")
    # the owner and heads read; a peer and another branch get NotFound
    assert len(selectors.ledger(actor=org.rep_pd1, customer_id=cust.pk)) == 1
    assert len(selectors.ledger(actor=org.sh_head, customer_id=cust.pk)) == 1
    for outsider in (org.rep_pd2, org.rep_gz):
        with pytest.raises(NotFound):
            selectors.ledger(actor=outsider, customer_id=cust.pk)
        with pytest.raises(NotFound):
            selectors.invoice_get(actor=outsider, invoice_id=inv.pk)
        assert list(selectors.invoice_list(actor=outsider)) == []
    assert selectors.invoice_get(actor=org.finance, invoice_id=inv.pk) == inv


def test_merge_moves_the_ledger_whole(org, cust, product):
    from pharmcrm.customers.merge import customer_merge

    dup = make_customer(org.rep_pd1, "浦东医药有限公司（重复）")
    pre = services.pre_invoice_issue(actor=org.finance, customer_id=cust.pk, header=HEADER,
                                     lines=[{"product_id": product.pk, "unit_price": "10", "quantity": "5"}])
    sale(dup, product, "10", "3")
    customer_merge(actor=org.admin, source_id=dup.pk, target_id=cust.pk)
    assert services.check_invariant() == []
    [row] = selectors.ledger(actor=org.finance, customer_id=cust.pk)
    assert row.approved_quantity == 3 and row.pre_quantity == 5 and row.open_quantity == 3
    r = sale(cust, product, "10", "2")  # the surviving customer's later sale consumes the pre-invoice
    assert [c.line.invoice_id for c in r.consumptions] == [pre.pk]
    assert services.check_invariant() == []
