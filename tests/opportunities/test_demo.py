"""The demo loader of opportunities and quotations on a small company: every stage, 张伟 has two
likely to close soon, quotations in every status with a price history that changes over time,
one accepted quotation converted into an order draft; the same result twice (deterministic)."""

import pytest
from django.utils import timezone

from pharmcrm.demo.gen_opportunities import opportunities_load
from pharmcrm.opportunities import selectors
from pharmcrm.opportunities.models import Opportunity
from pharmcrm.quotations.models import Quotation, QuotationLine
from tests.factories import make_customer
from tests.opportunities.helpers import make_book

pytestmark = pytest.mark.django_db


def _load(org, now):
    from pharmcrm.customers.profile_models import ShippingAddress

    users = {u.username: u for u in (org.rep_pd1, org.rep_pd2, org.pd_head, org.rep_px, org.rep_gz)}
    users["zhangwei"] = org.rep_pd1
    ids = []
    for i in range(8):
        for u in (org.rep_pd1, org.rep_pd2, org.rep_px, org.rep_gz):
            c = make_customer(u, f"演示客户{i}-{u.username}", type="hospital")
            ShippingAddress.objects.create(customer=c, receiver="收货人", phone="13800000000", region_code="310115",
                                           address="上海市浦东新区1号", is_default=True)
            ids.append(c.pk)
    return opportunities_load(seed=7, customer_ids=ids, users=users, fresh=lambda u: u, now=now)


def test_demo_opportunities_and_quotations(org):
    make_book(org)  # products with supply prices
    now = timezone.now()
    counts = _load(org, now)
    assert counts["opportunities"] == Opportunity.objects.count() >= 55
    assert set(Opportunity.objects.values_list("stage__name", flat=True)) == {
        "初步接洽", "需求确认", "方案报价", "商务谈判", "赢单", "输单"}
    assert not Opportunity.objects.filter(stage__kind="lost", loss_reason="").exists()
    assert selectors.likely_to_close(actor=org.rep_pd1, today=timezone.localdate()).count() >= 2
    assert Opportunity.objects.filter(owner=org.rep_pd1).count() >= 4
    assert 35 <= counts["quotations"] == Quotation.objects.count() <= 50
    assert set(Quotation.objects.values_list("status", flat=True)) == {"draft", "sent", "accepted", "rejected",
                                                                       "expired"}
    assert Quotation.objects.filter(status="accepted", order__isnull=False).count() == 1
    # repeated customer × product pairs with different prices
    pairs: dict = {}
    for ln in QuotationLine.objects.filter(quotation__status__in=("sent", "accepted", "rejected", "expired")):
        pairs.setdefault((ln.quotation.customer_id, ln.product_id), set()).add(ln.unit_price)
    assert sum(len(v) >= 2 for v in pairs.values()) >= 5
    assert not Opportunity.objects.filter(created_at__gt=now).exists()
