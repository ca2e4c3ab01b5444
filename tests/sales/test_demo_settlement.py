"""The demo's after-sales step (demo/gen_settlement.py) on a small company: returns in every
state, invoices from the orders' stored balances, orders that close because they are paid and
invoiced, and 张伟's order consuming a pre-invoice; the ledger invariant holds."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from pharmcrm.demo.gen_orders import orders_load
from pharmcrm.demo.gen_payments import payments_load
from pharmcrm.demo.gen_settlement import settlement_load
from pharmcrm.invoicing.models import PreInvoiceConsumption
from pharmcrm.invoicing.services import check_invariant
from pharmcrm.sales.models import ReturnOrder, SalesOrder
from tests.factories import make_customer
from tests.inventory.helpers import make_warehouse, receive
from tests.invoicing.helpers import profile
from tests.sales.conftest import address, qualify

pytestmark = pytest.mark.django_db


def test_demo_settlement(org, book):
    from pharmcrm.org.models import RoleScope

    RoleScope.objects.get_or_create(role="finance", area="payments", defaults={"scope": "all"})
    wh = make_warehouse()
    receive(book.keeper, wh, book.product, "DEMO1", "100000", timezone.localdate() + datetime.timedelta(days=800))
    users = {u.username: u for u in (org.rep_pd1, org.rep_pd2, org.pd_head, org.rep_gz)}
    users.update(zhangwei=org.rep_pd1, qianfang=org.finance, jiangtao=book.keeper)
    ids = [book.pd1.pk, book.pd2.pk, book.gz.pk]
    for i, u in enumerate((org.rep_pd1, org.rep_pd2, org.rep_gz) * 3):
        c = make_customer(u, f"演示医院{i}", type="hospital", region_code="310115")
        address(c)
        qualify(c)
        ids.append(c.pk)
    for c in SalesOrder.objects.none().model.customer.field.related_model.objects.filter(pk__in=ids):
        profile(c)
    now = timezone.now()
    orders_load(seed=7, customer_ids=ids, users=users, fresh=lambda u: u, now=now)
    payments_load(seed=7, users=users, fresh=lambda u: u, now=now)
    counts = settlement_load(seed=7, users=users, fresh=lambda u: u, now=now)
    assert set(ReturnOrder.objects.values_list("status", flat=True)) == {"requested", "approved", "received",
                                                                          "rejected"}
    assert counts["order_invoices"] >= 3
    assert counts["orders_closed"] >= 1 and SalesOrder.objects.filter(status="closed").count() == counts[
        "orders_closed"]
    consumed = PreInvoiceConsumption.objects.filter(active=True, sale__source_type="sales.order_line")
    assert consumed.filter(sale__customer__owner=org.rep_pd1).exists()
    assert check_invariant() == []
    assert not ReturnOrder.objects.filter(created_at__gt=now).exists()
