"""Orders feed the invoice ledger (invoicing/sales_hooks.py): approval records each line as an
approved sale (consuming a matching pre-invoice at once, and the order shows which invoice
covered it); cancelling an approved order takes its lines out again, unless a normal invoice
already covered them (then the cancellation is refused and nothing changes)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmcrm.core.errors import ApplicationError
from pharmcrm.invoicing import selectors as ledger_selectors
from pharmcrm.invoicing import services as invoicing
from pharmcrm.invoicing.models import SaleEntry
from pharmcrm.invoicing.sales_hooks import SOURCE
from pharmcrm.sales import services as sales
from pharmcrm.sales.models import SalesOrder, Status
from tests.invoicing.helpers import HEADER, profile
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db


def _approved(org, book, qty="10"):
    order = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": qty}])
    sales.order_submit(actor=org.rep_pd1, order_id=order.pk)
    return sales.order_approve(actor=org.finance, order_id=order.pk)


def _row(org, book):
    rows = ledger_selectors.ledger(actor=org.finance, customer_id=book.pd1.pk)
    assert len(rows) == 1
    return rows[0]


def test_approval_records_each_line_and_the_invariant_holds(org, book):
    order = _approved(org, book)
    line = order.lines.get()
    entry = SaleEntry.objects.get(source_type=SOURCE, source_id=line.pk)
    assert (entry.customer_id, entry.product_id, entry.unit_price, entry.quantity, entry.amount) == (
        book.pd1.pk, book.product.pk, line.unit_price, line.quantity, line.amount)
    row = _row(org, book)
    assert row.open_quantity == Decimal("10") and row.open_amount == line.amount
    assert invoicing.check_invariant(book.pd1.pk) == []


def test_an_approved_order_consumes_a_pre_invoice_and_shows_it(org, book):
    profile(book.pd1)
    unit = Decimal("12.5000")
    pre = invoicing.pre_invoice_issue(actor=org.finance, customer_id=book.pd1.pk, header=HEADER, lines=[
        {"product_id": book.product.pk, "unit_price": unit, "quantity": "4", "tax_rate": "13"}])
    order = _approved(org, book, qty="10")
    line = order.lines.get()
    assert line.unit_price == unit  # the supply price of the book
    covered = ledger_selectors.sale_coverage(actor=org.finance, source_type=SOURCE, source_id=line.pk)
    assert [(c["invoice"].pk, c["quantity"]) for c in covered] == [(pre.pk, Decimal("4"))]
    row = _row(org, book)
    assert row.pre_quantity == 0 and row.open_quantity == Decimal("6")
    assert invoicing.check_invariant(book.pd1.pk) == []


def test_cancelling_an_approved_order_takes_it_out_of_the_ledger(org, book):
    order = _approved(org, book)
    sales.order_cancel(actor=org.finance, order_id=order.pk, reason="客户取消采购")
    entry = SaleEntry.objects.get(source_type=SOURCE, source_id=order.lines.get().pk)
    assert entry.quantity == 0 and entry.reversed_quantity == Decimal("10")
    assert _row(org, book).open_quantity == 0 and invoicing.check_invariant(book.pd1.pk) == []


def test_an_invoiced_order_cannot_be_cancelled_until_the_invoice_is_reversed(org, book):
    profile(book.pd1)
    order = _approved(org, book)
    # a public hospital's sale: the invoice records the two-invoice chain (两票制)
    header = {**HEADER, "invoice_chain": "生产企业发票 No.00012345"}
    invoice = invoicing.invoice_issue(actor=org.finance, customer_id=book.pd1.pk, header=header, selections=[
        {"product_id": book.product.pk, "unit_price": order.lines.get().unit_price}])
    with pytest.raises(ApplicationError):
        sales.order_cancel(actor=org.finance, order_id=order.pk, reason="客户取消采购")
    assert SalesOrder.objects.get(pk=order.pk).status == Status.APPROVED  # nothing changed
    assert invoicing.check_invariant(book.pd1.pk) == []
    invoicing.invoice_reverse(actor=org.finance, invoice_id=invoice.pk, reason="开错")
    sales.order_cancel(actor=org.finance, order_id=order.pk, reason="客户取消采购")
    assert SalesOrder.objects.get(pk=order.pk).status == Status.CANCELLED
    assert _row(org, book).open_quantity == 0 and invoicing.check_invariant(book.pd1.pk) == []


def test_the_order_page_shows_which_invoice_covered_each_line(org, book, client):
    profile(book.pd1)
    pre = invoicing.pre_invoice_issue(actor=org.finance, customer_id=book.pd1.pk, header=HEADER, lines=[
        {"product_id": book.product.pk, "unit_price": "12.5", "quantity": "4", "tax_rate": "13"}])
    order = _approved(org, book, qty="10")
    for user in (org.finance, org.rep_pd1):
        client.force_login(user)
        html = client.get(f"/orders/{order.pk}/").content.decode()
        assert html.count('data-testid="line-invoice"') == 1 and pre.number in html
    client.force_login(org.rep_pd2)  # a peer: the order is not there at all
    assert client.get(f"/orders/{order.pk}/").status_code == 404


def test_the_issue_screen_names_the_order_behind_each_balance(org, book, client):
    from django.urls import reverse

    profile(book.pd1)
    order = _approved(org, book)
    client.force_login(org.finance)
    page = client.get(reverse("web:invoice_issue", args=[book.pd1.pk])).content.decode()
    assert f'href="{reverse("web:order_detail", args=[order.pk])}"' in page and order.number in page
