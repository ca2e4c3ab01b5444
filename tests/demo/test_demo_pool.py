"""The demo company shows the public pool at first login: pools with released and recycled
customers, a claim and an assignment, owners warned, an exemption — and loading it twice gives
the same pool."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from pharmcrm.customers import pool_selectors
from pharmcrm.customers.models import Customer, PoolEvent
from pharmcrm.org.models import User

pytestmark = pytest.mark.django_db


def _clock_at(monkeypatch, hour: int, minute: int) -> None:
    """Run the clock as if it were ``hour:minute`` today in Asia/Shanghai (still ticking)."""
    from django.utils import timezone

    real_now = timezone.now
    local = timezone.localtime(real_now())
    target = local.replace(hour=hour, minute=minute)
    offset = target - local
    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)


# the demo is loaded whenever `make run` first starts: mid-morning, and in the small hours (a
# follow-up "29 days and a few hours ago" then falls a day earlier, and the customer that should
# only be warned is recycled at once)
@pytest.fixture(params=[(10, 0), (3, 30)], ids=["morning", "small-hours"])
def demo(settings, monkeypatch, request):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _clock_at(monkeypatch, *request.param)
    call_command("demo_load", stdout=io.StringIO())


def test_demo_pool(demo, client):
    kinds = set(PoolEvent.objects.values_list("kind", flat=True))
    assert kinds == {"release", "auto_recycle", "claim", "assign", "warning"}
    assert Customer.objects.filter(owner__isnull=True, deleted_at__isnull=True).count() >= 8
    assert Customer.objects.filter(pool_exempt=True).count() == 1
    assert not Customer.objects.filter(owner__isnull=False, pool_department__isnull=False).exists()

    rep = User.objects.get(username="zhangwei")
    assert pool_selectors.pool_list(actor=rep).count() >= 3  # 浦东组's pool and those above it
    warned = pool_selectors.pool_warnings(actor=rep)
    assert len(warned) == 3 and all(c.owner_id == rep.pk for c in warned)
    assert pool_selectors.pool_warnings(actor=User.objects.get(username="lijing"), team=True)

    client.force_login(rep)
    r = client.get(reverse("web:pool_list"))
    assert r.status_code == 200 and len(r.context["rows"]) >= 3
    assert "客户暂无" in r.content.decode() or "竞品" in r.content.decode() or r.context["rows"][0].release_reason

    # nothing is due today: a crm_daily run right after loading changes nothing
    out = io.StringIO()
    call_command("crm_daily", "--only", "pool", stdout=out)
    assert "0 个客户退回公海" in out.getvalue()
