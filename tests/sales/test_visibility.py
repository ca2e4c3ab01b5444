"""Who sees which orders (sales.selectors): an order is visible exactly when its customer is;
finance and sales admins see all orders; warehouse sees approved-and-later orders only, with
shipping access (not the customer)."""

from __future__ import annotations

import pytest

from pharmcrm.core.errors import NotFound
from pharmcrm.sales import selectors, services
from tests.factories import make_share
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db


def _ids(user):
    return set(selectors.visible_orders(user).values_list("pk", flat=True))


def test_visible_orders(org, book):
    a = new_order(org.rep_pd1, book.pd1)  # draft
    b = new_order(org.rep_pd2, book.pd2)
    services.order_submit(actor=org.rep_pd2, order_id=b.pk)
    services.order_approve(actor=org.finance, order_id=b.pk)  # approved
    c = new_order(org.rep_gz, book.gz)
    services.order_submit(actor=org.rep_gz, order_id=c.pk)  # submitted
    assert _ids(org.rep_pd1) == {a.pk}
    assert _ids(org.rep_pd2) == {b.pk}
    assert _ids(org.pd_head) == {a.pk, b.pk}
    assert _ids(org.south_head) == {c.pk}
    assert _ids(org.ceo) == _ids(org.admin) == _ids(org.finance) == _ids(book.clerk) == {a.pk, b.pk, c.pk}
    assert _ids(book.keeper) == {b.pk}
    assert selectors.order_access(book.keeper, b) == selectors.SHIPPING
    assert selectors.order_access(org.finance, b) == selectors.FULL
    assert selectors.order_access(org.rep_pd2, b) == selectors.FULL
    for user, order in ((org.rep_pd1, b), (org.rep_gz, a), (book.keeper, a), (book.keeper, c)):
        with pytest.raises(NotFound):
            selectors.order_get(actor=user, order_id=order.pk)
    make_share(book.pd2, user=org.rep_pd1)
    assert _ids(org.rep_pd1) == {a.pk, b.pk}
    org.rep_pd2.is_active = False
    org.rep_pd2.save()
    from pharmcrm.org.models import User

    assert _ids(User.objects.get(pk=org.rep_pd2.pk)) == set()


def test_filters_and_counts(org, book):
    a = new_order(org.rep_pd1, book.pd1)
    b = new_order(org.rep_pd1, book.pd1)
    services.order_submit(actor=org.rep_pd1, order_id=b.pk)
    f = selectors.OrderFilters(status="submitted")
    assert list(selectors.order_list(actor=org.rep_pd1, filters=f)) == [b]
    f = selectors.OrderFilters(q=a.number)
    assert list(selectors.order_list(actor=org.rep_pd1, filters=f)) == [a]
    f = selectors.OrderFilters(product_id=book.product.pk, sort="number")
    assert list(selectors.order_list(actor=org.rep_pd1, filters=f)) == [a, b]
    f = selectors.OrderFilters(owner_id=org.rep_pd2.pk)
    assert list(selectors.order_list(actor=org.finance, filters=f)) == []
    assert selectors.status_counts(org.rep_pd1) == {"draft": 1, "submitted": 1}
