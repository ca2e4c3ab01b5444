"""The demo company's stock: two warehouses, most products in stock, dates spread from expired to
three years out (relative to the local day), the ledger consistent, numbers in sequence."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from pharmcrm.catalog.models import Product
from pharmcrm.inventory.models import Batch, StockAdjustment, StockReceipt, Warehouse
from tests.inventory.helpers import ledger_ok

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_stock_is_realistic_and_consistent():
    call_command("demo_load", stdout=io.StringIO())
    today = timezone.localdate()
    assert sorted(Warehouse.objects.values_list("code", "name")) == [("GZ01", "广州分仓"), ("SH01", "上海总仓")]
    batches = list(Batch.objects.all())
    stocked = {b.product_id for b in batches}
    assert len(stocked) >= 0.7 * Product.objects.filter(status="active").count()
    expired = [b for b in batches if b.expiry_date < today and b.on_hand > 0]
    near = [b for b in batches if today <= b.expiry_date <= today + datetime.timedelta(days=180)]
    assert 1 <= len(expired) <= 2 and len(near) >= 4
    assert max(b.expiry_date for b in batches) <= today + datetime.timedelta(days=3 * 366)
    assert all(b.production_date and b.production_date < b.expiry_date for b in batches)
    assert {b.status for b in batches} == {"available", "quarantine", "locked"}
    assert StockReceipt.objects.count() >= 5 and StockAdjustment.objects.count() >= 3
    assert all(r.received_on <= today for r in StockReceipt.objects.all())
    assert ledger_ok()
