"""Follow-up selectors: the last ten (correct, newest first, visible-only), the list's filters and
its constant query count, permissions, and the two places follow-ups plug into (the customer
timeline and a contact's interactions across companies)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pharmcrm.activities import selectors, services
from pharmcrm.activities.models import FollowUp
from pharmcrm.contacts import services as contact_services
from pharmcrm.contacts.interactions import contact_interactions
from pharmcrm.core.errors import NotFound
from pharmcrm.customers.selectors import customer_permissions
from pharmcrm.customers.timeline import timeline_page
from tests.activities.conftest import log, shift_created

pytestmark = pytest.mark.django_db


def _ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def test_last_ten_are_the_newest_ten_of_this_customer(org, book):
    made = [log(org.rep_pd1, book.pd1, f"第{i}次", occurred_at=_ago(20 - i)) for i in range(14)]
    log(org.rep_pd2, book.pd2, "别人的客户")
    rows = selectors.followups_last_ten(actor=org.rep_pd1, customer_id=book.pd1.pk)
    assert [f.pk for f in rows] == [f.pk for f in reversed(made)][:10]
    # occurred_at orders them, not the order of logging (a late entry for last month sorts low)
    late = log(org.rep_pd1, book.pd1, "补录", occurred_at=_ago(30))
    assert late.pk not in {f.pk for f in selectors.followups_last_ten(actor=org.rep_pd1, customer_id=book.pd1.pk)}


def test_last_ten_is_visible_only(org, book):
    log(org.rep_pd1, book.pd1)
    assert len(selectors.followups_last_ten(actor=org.pd_head, customer_id=book.pd1.pk)) == 1
    for peer in (org.rep_pd2, org.rep_gz, org.finance):
        with pytest.raises(NotFound):
            selectors.followups_last_ten(actor=peer, customer_id=book.pd1.pk)


def test_list_filters_and_constant_queries(org, book):
    for i in range(3):
        fu = log(org.rep_pd1, book.pd1, f"拜访{i}", channel="visit", contact_ids=[book.wang.pk],
                 product_ids=[book.product.pk])
        services.followup_comment_add(actor=org.rep_pd1, followup_id=fu.pk, text="补充")
    log(org.pd_head, book.pd1, "电话", channel="phone")
    log(org.rep_pd2, book.pd2)
    head = org.pd_head
    assert len(selectors.followup_list(actor=head)) == 5
    assert len(selectors.followup_list(actor=head, customer_id=book.pd1.pk, channel="phone")) == 1
    assert len(selectors.followup_list(actor=head, contact_id=book.wang.pk)) == 3
    assert len(selectors.followup_list(actor=head, author_id=org.rep_pd1.pk)) == 3

    def count(n_extra: int) -> int:
        for _ in range(n_extra):
            log(org.rep_pd1, book.pd1, contact_ids=[book.wang.pk], product_ids=[book.product.pk])
        with CaptureQueriesContext(connection) as ctx:
            for fu in selectors.followup_list(actor=head, customer_id=book.pd1.pk):
                _ = (fu.author.full_name, fu.customer.name, list(fu.contacts.all()), list(fu.products.all()),
                     [c.author.full_name for c in fu.comments.all()])
        return len(ctx.captured_queries)

    assert count(0) == count(5)


def test_permissions(org, book):
    fu = log(org.rep_pd1, book.pd1)
    perms = selectors.followup_permissions(actor=org.rep_pd1, followup=fu)
    assert perms["edit"] and perms["comment"]
    assert selectors.followup_permissions(actor=org.pd_head, followup=fu) | {"edit_until": None} == {
        "edit": False, "comment": True, "edit_until": None}
    shift_created(fu, hours=25)
    assert not selectors.followup_permissions(actor=org.rep_pd1, followup=fu)["edit"]


def test_follow_ups_on_the_customer_timeline(org, book):
    fu = log(org.rep_pd1, book.pd1, "介绍新品", channel="wechat", occurred_at=_ago(1))
    services.followup_comment_add(actor=org.pd_head, followup_id=fu.pk, text="下周我一起去")
    perms = customer_permissions(actor=org.rep_pd1, customer=book.pd1)
    page = timeline_page(actor=org.rep_pd1, customer=book.pd1, perms=perms, sources=["followups"])
    assert [e.kind for e in page.entries] == ["followups.comment", "followups.log"]
    assert page.entries[1].detail == "介绍新品" and f"#followup-{fu.pk}" in page.entries[1].link
    assert "微信" in page.entries[1].text or "WeChat" in page.entries[1].text


def test_a_contacts_follow_ups_across_companies_visible_only(org, book):
    log(org.rep_pd1, book.pd1, "在仁济谈的", contact_ids=[book.wang.pk])
    emp = book.wang.employments.get()
    contact_services.contact_move(actor=org.pd_head, contact_id=book.wang.pk, from_employment_id=emp.pk,
                                  to_customer_id=book.pd2.pk, data={"role": "purchasing"})
    services.followup_create(actor=org.rep_pd2, customer_id=book.pd2.pk,
                             data={"content": "在国药谈的", "contact_ids": [book.wang.pk]})

    def texts(user) -> list[str]:
        return [i.text for i in contact_interactions(actor=user, contact=book.wang) if i.kind == "follow_up"]

    assert texts(org.pd_head) == ["在国药谈的", "在仁济谈的"]
    assert texts(org.rep_pd1) == ["在仁济谈的"]
    assert texts(org.rep_pd2) == ["在国药谈的"]
    rows = [i for i in contact_interactions(actor=org.rep_pd2, contact=book.wang) if i.kind == "follow_up"]
    assert rows[0].customer_name == "国药控股上海有限公司" and rows[0].actor_name == "李娜"


def test_nothing_is_deleted(org, book):
    log(org.rep_pd1, book.pd1)
    assert not hasattr(services, "followup_delete")
    assert FollowUp.objects.count() == 1
