"""The demo tenders loader on the small test company: every tender and listing state, a won
tender with competitors' prices, an approved and a pending below-floor bid, a renewal, and
deadline reminders sent at load time for deadlines 1, 3 and 7 days out."""

import pytest
from django.utils import timezone

from pharmcrm.demo.gen_tenders import tenders_load
from pharmcrm.notifications.models import Notification
from pharmcrm.tenders.models import (
    CompetitorPrice,
    PlatformListing,
    Tender,
    TenderPriceException,
    TenderStatus,
)
from tests.agency.helpers import make_product
from tests.tenders.conftest import floor

pytestmark = pytest.mark.django_db


def test_demo_tenders(org, tb, django_capture_on_commit_callbacks):
    for i in range(8):
        floor(make_product(f"演示药{i}"), f"{5 + i}.5000", org.admin)
    users = {"weilin": tb.weilin, "zhangwei": org.rep_pd1, "lijing": org.pd_head, "wanghaifeng": org.sh_head,
             "admin": org.admin}
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        counts = tenders_load(seed=7, users=users, fresh=lambda u: u, now=now)
    assert counts["tenders"] == Tender.objects.count() == 25
    assert set(Tender.objects.values_list("status", flat=True)) == set(TenderStatus.values)
    assert Tender.objects.filter(owner=tb.weilin).count() >= 18
    assert Tender.objects.filter(customer__isnull=False).count() >= 3
    assert Tender.objects.filter(renewal_of__isnull=False).count() == 1
    won = Tender.objects.filter(status="won")
    assert CompetitorPrice.objects.filter(line__tender__in=won).exists()
    assert set(TenderPriceException.objects.values_list("state", flat=True)) == {"approved", "pending"}
    assert set(PlatformListing.objects.values_list("status", flat=True)) == {
        "not_applied", "applying", "listed", "suspended", "delisted"}
    assert counts["listings"] == 30
    keys = set(Notification.objects.filter(kind="tender_deadline", recipient=tb.weilin).values_list("key", flat=True))
    assert {k.rsplit(":", 1)[1] for k in keys} == {"1", "3", "7"}
    assert Tender.objects.filter(status="won", result_on__isnull=False).count() == won.count()
