"""Who sees what across the sales flow (issue 5 acceptance): on a customer finance does not
otherwise see, finance sees its orders, payments and invoices but not its follow-ups or its page;
the warehouse sees approved orders with shipping data only — no payments, no invoices, no
follow-ups; a rep of another branch sees none of it: every page and record is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pharmcrm.activities import selectors as followups
from pharmcrm.activities.services import followup_create
from pharmcrm.invoicing import selectors as ledger
from pharmcrm.invoicing import services as invoicing
from pharmcrm.invoicing.models import SaleEntry
from pharmcrm.payments import selectors as pay_selectors
from pharmcrm.payments import services as payments
from pharmcrm.sales import selectors as order_selectors
from pharmcrm.sales import services as sales
from tests.invoicing.helpers import HEADER, profile
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(org, book, stocked):
    from pharmcrm.org.models import RoleScope

    RoleScope.objects.get_or_create(role="finance", area="payments", defaults={"scope": "all"})
    profile(book.gz)
    order = new_order(org.rep_gz, book.gz)
    sales.order_submit(actor=org.rep_gz, order_id=order.pk)
    sales.order_approve(actor=org.finance, order_id=order.pk)
    sales.order_outbound(actor=book.keeper, order_id=order.pk)
    pay = payments.payment_record(actor=org.finance, data={"customer_id": book.gz.pk, "amount": "50.00"})
    entry = SaleEntry.objects.get()
    inv = invoicing.invoice_issue(actor=org.finance, customer_id=book.gz.pk,
                                  header={**HEADER, "invoice_chain": "生产企业发票 1"},
                                  selections=[{"sale_entry_id": entry.pk}])
    fu = followup_create(actor=org.rep_gz, customer_id=book.gz.pk, data={"content": "院长说下季度加量，价格底线 11 元"})
    return order, pay, inv, fu


def test_finance_sees_money_and_orders_but_not_the_notes(org, book, flow, client):
    order, pay, inv, fu = flow
    assert order_selectors.order_get(actor=org.finance, order_id=order.pk) == order
    assert pay_selectors.payment_get(actor=org.finance, payment_id=pay.pk) == pay
    assert ledger.invoice_get(actor=org.finance, invoice_id=inv.pk) == inv
    assert not followups.visible_followups(org.finance).filter(pk=fu.pk).exists()
    client.force_login(org.finance)
    for name, args in (("web:order_detail", [order.pk]), ("web:payment_detail", [pay.pk]),
                       ("web:invoice_detail", [inv.pk])):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    assert client.get(reverse("web:customer_detail", args=[book.gz.pk])).status_code == 404
    assert "价格底线" not in client.get(reverse("web:followup_list")).content.decode()


def test_warehouse_sees_shipping_data_only(org, book, flow, client):
    order, pay, inv, fu = flow
    assert order_selectors.order_access(book.keeper, order) == order_selectors.SHIPPING
    assert not pay_selectors.visible_payments(book.keeper).exists()
    assert not ledger.visible_invoices(book.keeper).exists()
    assert not followups.visible_followups(book.keeper).filter(pk=fu.pk).exists()
    client.force_login(book.keeper)
    page = client.get(reverse("web:order_detail", args=[order.pk])).content.decode()
    assert order.number in page and reverse("web:customer_detail", args=[book.gz.pk]) not in page
    for name, args in (("web:payment_detail", [pay.pk]), ("web:invoice_detail", [inv.pk]),
                       ("web:order_review", [order.pk]), ("web:customer_detail", [book.gz.pk])):
        assert client.get(reverse(name, args=args)).status_code == 404, name


def test_another_branch_sees_nothing(org, book, flow, client):
    order, pay, inv, fu = flow
    client.force_login(org.rep_pd1)
    for name, args in (("web:order_detail", [order.pk]), ("web:payment_detail", [pay.pk]),
                       ("web:invoice_detail", [inv.pk]), ("web:customer_detail", [book.gz.pk])):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for page in ("web:order_list", "web:payment_list", "web:receivables"):
        assert order.number not in client.get(reverse(page)).content.decode(), page
    # the owner sees it all, the payment read-only
    client.force_login(org.rep_gz)
    assert client.get(reverse("web:payment_detail", args=[pay.pk])).status_code == 200
    assert client.get(reverse("web:order_detail", args=[order.pk])).status_code == 200
