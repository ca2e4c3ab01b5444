"""The customer page's key figures and 动态 tab (customers/key_figures.py, customers/timeline.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pharmcrm.customers import pool_services, services
from pharmcrm.customers.conflict_models import ConflictStatus, CustomerConflict
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _url(customer, **query):
    base = reverse("web:customer_detail", args=[customer.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_activity_tab_lists_what_happened(as_user, org):
    from tests.contacts.conftest import new_contact

    c = services.customer_create(actor=org.rep_pd1, data={"name": "浦东康健医药有限公司", "type": "agent"})
    services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"phone": "021-58881234"})
    new_contact(org.rep_pd1, c, "王建华")
    html = as_user(org.rep_pd1).get(_url(c, tab="activity")).content.decode()
    assert 'data-testid="tab-activity"' in html and 'data-testid="activity"' in html
    assert html.index('data-testid="tab-agreements"') < html.index('data-testid="tab-activity"') \
        < html.index('data-testid="tab-shares"')
    assert "王建华" in html and 'data-kind="record.create"' in html and 'data-kind="record.update"' in html
    # newest first: the contact joined after the edit, which came after the creation
    assert html.index('data-kind="contacts.join"') < html.index('data-kind="record.update"') \
        < html.index('data-kind="record.create"')
    # the filter by area
    html = as_user(org.rep_pd1).get(_url(c, tab="activity", src="contacts")).content.decode()
    assert 'data-kind="contacts.join"' in html and 'data-kind="record.create"' not in html


def test_activity_empty_state_and_pages(as_user, org):
    c = make_customer(org.rep_pd1, "空白医药有限公司")  # made without the services: nothing recorded
    html = as_user(org.rep_pd1).get(_url(c, tab="activity")).content.decode()
    assert 'data-testid="activity-empty"' in html
    for i in range(31):
        services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"phone": f"021-588{i:05d}"})
    html = as_user(org.rep_pd1).get(_url(c, tab="activity")).content.decode()
    assert html.count('class="activity-item"') == 30 and 'data-testid="activity-older"' in html
    html = as_user(org.rep_pd1).get(_url(c, tab="activity", page=2)).content.decode()
    assert html.count('class="activity-item"') == 1 and 'data-testid="activity-newer"' in html


def test_a_peer_gets_404_and_entries_hide_invisible_customers(as_user, org):
    existing = make_customer(org.rep_gz, "广州医药有限公司", type="distributor")
    mine = make_customer(org.rep_pd1, "广州医药（浦东录入）", type="distributor")
    CustomerConflict.objects.create(customer=existing, owner=org.rep_gz, claimant=org.rep_pd1,
                                    claimant_customer=mine, reason="我先跟进的", status=ConflictStatus.OPEN)
    assert as_user(org.rep_pd2).get(_url(existing, tab="activity")).status_code == 404
    assert as_user(org.rep_pd1).get(_url(existing, tab="activity")).status_code == 404
    html = as_user(org.rep_pd1).get(_url(mine, tab="activity")).content.decode()
    assert 'data-kind="duplicates.conflict_raise"' in html and "广州医药有限公司" not in html
    html = as_user(org.rep_gz).get(_url(existing, tab="activity")).content.decode()
    assert 'data-kind="duplicates.conflict_raise"' in html and "浦东录入" not in html


def test_header_figures(as_user, org):
    c = make_customer(org.rep_pd1, "浙江康源医药有限公司", type="agent")
    html = as_user(org.rep_pd1).get(_url(c)).content.decode()
    for key in ("value_class", "sales_this_year", "receivables", "last_followup", "contacts", "qualifications",
                "active_agreements", "owned_for", "customer_since"):
        assert f'data-testid="figure-{key}"' in html, key
    pool_services.customer_release(actor=org.rep_pd1, customer_id=c.pk, reason="不再跟进")
    html = as_user(org.pd_head).get(_url(c)).content.decode()
    assert 'data-testid="figure-owned_for"' not in html  # the pool header says since when


def _fill(org, customer, n):
    """n rounds of recorded activity in every area the timeline reads."""
    from pharmcrm.contacts import services as cs
    from pharmcrm.contacts.models import Employment
    from tests.contacts.conftest import new_contact

    for i in range(n):
        services.customer_update(actor=org.rep_pd1, customer_id=customer.pk, data={"phone": f"021-{customer.pk:03d}{i:05d}"})
        share = services.share_create(actor=org.rep_pd1, customer_id=customer.pk, user_id=org.rep_gz.pk)
        services.share_delete(actor=org.rep_pd1, customer_id=customer.pk, share_id=share.pk)
        contact = new_contact(org.rep_pd1, customer, f"联系人{i}")
        if i % 2:
            emp = Employment.objects.get(contact=contact, customer=customer)
            cs.employment_end(actor=org.rep_pd1, contact_id=contact.pk, employment_id=emp.pk)
        other = make_customer(org.rep_gz, f"广州{customer.pk}-{i}医药有限公司")
        CustomerConflict.objects.create(customer=customer, owner=org.rep_pd1, claimant=org.rep_gz,
                                        claimant_customer=other, reason="撞单", status=ConflictStatus.KEPT,
                                        decided_by=org.ceo, decided_at=timezone.now())


def _queries(client, url) -> int:
    from pharmcrm.org.models import User

    User.objects.get(pk=client.session["_auth_user_id"])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_activity(as_user, org):
    small = make_customer(org.rep_pd1, "小客户医药有限公司", type="agent")
    big = make_customer(org.rep_pd1, "大客户医药有限公司", type="agent")
    _fill(org, small, 2)
    _fill(org, big, 20)
    c = as_user(org.rep_pd1)
    for tab in ("activity", "shares"):  # the activity tab, and the header's figures on another tab
        _queries(c, _url(small, tab=tab))  # warm the caches
        assert _queries(c, _url(small, tab=tab)) == _queries(c, _url(big, tab=tab)), tab
