"""The demo company shows follow-ups at first login: each owned customer's newest follow-up is its
pool clock (last_followup_at), the customers due soon were really last followed up weeks ago, the
records are in words that fit the customer, and the rep's customer page lists them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse

from pharmcrm.activities import desktop, selectors
from pharmcrm.activities.models import FollowUp
from pharmcrm.customers import pool_selectors
from pharmcrm.customers.models import Customer
from pharmcrm.org.models import User

pytestmark = pytest.mark.django_db


def test_demo_follow_ups_match_the_pool_clocks(settings, client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo_load", stdout=io.StringIO())
    assert FollowUp.objects.count() >= 300
    assert FollowUp.objects.filter(contacts__isnull=False).exists()
    assert FollowUp.objects.filter(products__isnull=False).exists()
    assert len(set(FollowUp.objects.values_list("channel", flat=True))) >= 5
    newest = dict(FollowUp.objects.values("customer_id").annotate(m=Max("occurred_at")).values_list("customer_id", "m"))
    owned = Customer.objects.filter(deleted_at__isnull=True, owner__isnull=False, last_followup_at__isnull=False)
    for c in owned:
        assert newest.get(c.pk) == c.last_followup_at, c.name
    for fu in FollowUp.objects.select_related("customer"):
        assert fu.occurred_at >= fu.customer.created_at and fu.created_at >= fu.occurred_at

    rep = User.objects.get(username="zhangwei")
    for c in pool_selectors.pool_warnings(actor=rep):  # due soon: last followed up 27-29 days ago
        assert selectors.followups_last_ten(actor=rep, customer_id=c.pk)[0].occurred_at == c.last_followup_at
    mine = Customer.objects.filter(owner=rep, deleted_at__isnull=True).order_by("pk").first()
    client.force_login(rep)
    html = client.get(reverse("web:customer_detail", args=[mine.pk]) + "?tab=followups").content.decode()
    assert html.count('data-testid="followup"') == FollowUp.objects.filter(customer=mine).count() >= 1
    r = client.get(reverse("web:followup_create", args=[mine.pk]))
    assert r.status_code == 200 and 'data-testid="last-ten-item"' in r.content.decode()

    # My Desktop at first login: the rep and the head each have plans overdue, due today and upcoming
    for name, scope in (("zhangwei", "mine"), ("lijing", "mine"), ("lijing", "team")):
        plans = desktop.followup_plans(actor=User.objects.get(username=name), scope=scope)
        assert plans.overdue_count and plans.today_count and plans.upcoming_count, (name, scope)
    html = client.get(reverse("web:desktop")).content.decode()
    assert html.count('data-testid="plan-row"') >= 3 and "逾期" in html
