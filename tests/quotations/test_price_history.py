"""The price history (报价历史): for a customer × product, every price quoted in sent / accepted /
rejected / expired quotations (never drafts), newest first, when and by whom — and only for
customers the actor can see, also when asked by product (the product page)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pharmcrm.core.errors import NotFound
from pharmcrm.quotations import selectors, services
from pharmcrm.quotations.models import Quotation
from tests.opportunities.helpers import new_quote

pytestmark = pytest.mark.django_db


def quoted(actor, customer, product, price, *, status="sent", sent_days_ago=0):
    q = new_quote(actor, customer, product, price=price)
    if status != "draft":
        services.quotation_send(actor=actor, quotation_id=q.pk)
        Quotation.objects.filter(pk=q.pk).update(sent_at=timezone.now() - datetime.timedelta(days=sent_days_ago))
    if status == "accepted":
        services.quotation_accept(actor=actor, quotation_id=q.pk)
    if status == "rejected":
        services.quotation_reject(actor=actor, quotation_id=q.pk)
    if status == "expired":
        Quotation.objects.filter(pk=q.pk).update(status="expired")
    return q


def test_history_lists_every_quoted_price_newest_first(org, book):
    q1 = quoted(org.rep_pd1, book.pd1, book.product, "13.0000", status="rejected", sent_days_ago=90)
    q2 = quoted(org.pd_head, book.pd1, book.product, "12.5000", status="expired", sent_days_ago=60)
    q3 = quoted(org.rep_pd1, book.pd1, book.product, "12.2000", status="accepted", sent_days_ago=10)
    quoted(org.rep_pd1, book.pd1, book.product, "9.0000", status="draft")  # never seen by the customer
    quoted(org.rep_pd1, book.pd1, book.product2, "8.0000")  # other product
    quoted(org.rep_pd2, book.pd2, book.product, "11.0000")  # other customer
    rows = list(selectors.price_history(actor=org.rep_pd1, customer_id=book.pd1.pk, product_id=book.product.pk))
    assert [(r.quotation_id, r.unit_price, r.quotation.created_by) for r in rows] == [
        (q3.pk, Decimal("12.2000"), org.rep_pd1), (q2.pk, Decimal("12.5000"), org.pd_head),
        (q1.pk, Decimal("13.0000"), org.rep_pd1)]
    assert len(list(selectors.price_history(actor=org.rep_pd1, customer_id=book.pd1.pk))) == 4


def test_a_rep_never_sees_another_reps_prices(org, book):
    quoted(org.rep_pd1, book.pd1, book.product, "12.0000")
    mine = quoted(org.rep_pd2, book.pd2, book.product, "11.0000")
    quoted(org.rep_gz, book.gz, book.product, "10.0000")
    # by product (the product page): only the customers each user can see
    assert [r.quotation_id for r in selectors.price_history(actor=org.rep_pd2, product_id=book.product.pk)] == [
        mine.pk]
    assert {r.quotation.customer_id for r in selectors.price_history(actor=org.pd_head,
                                                                      product_id=book.product.pk)} == {
        book.pd1.pk, book.pd2.pk}
    assert len(list(selectors.price_history(actor=org.admin, product_id=book.product.pk))) == 3
    with pytest.raises(NotFound):
        list(selectors.price_history(actor=org.rep_pd2, customer_id=book.pd1.pk))
    assert not selectors.price_history(actor=org.finance, product_id=book.product.pk).exists()

