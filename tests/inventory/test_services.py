"""Receipts, adjustments, status, rights and bad input of the stock services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.models import AuditEvent
from pharmcrm.inventory import services
from pharmcrm.inventory.models import Batch, StockMove, StockReceipt
from tests.inventory.helpers import days, ledger_ok, make_product, make_warehouse, receive

pytestmark = pytest.mark.django_db


def _line(product, batch_no="B1", qty="10", expiry=None, **kw):
    return {"product_id": product.pk, "batch_no": batch_no, "quantity": qty, "expiry_date": expiry or days(400), **kw}


def test_receipt_creates_batches_numbers_moves_and_audit(org, keeper):
    wh = make_warehouse()
    p1, p2 = make_product(), make_product()
    r = services.receipt_post(actor=keeper, warehouse_id=wh.pk, supplier="上海医药", lines=[
        _line(p1, "A1", "100"), _line(p2, "B7", "12.5", production_date=days(-30))])
    assert r.number.startswith("RK-") and r.number.endswith("000001")
    assert r.lines.count() == 2
    b = Batch.objects.get(product=p2)
    assert b.on_hand == Decimal("12.5") and b.production_date == days(-30)
    r2 = services.receipt_post(actor=keeper, warehouse_id=wh.pk, lines=[_line(p1, "A1", "5")])
    assert r2.number.endswith("000002")
    assert Batch.objects.get(product=p1).on_hand == Decimal("105")
    assert StockMove.objects.filter(kind="receipt").count() == 3
    assert AuditEvent.objects.filter(target_type="stockreceipt").count() == 2
    assert ledger_ok()


@pytest.mark.parametrize("qty", ["0", "-1", "1.2345", "abc", "", None, "1e20", "NaN"])
def test_bad_quantity_changes_nothing(org, keeper, qty):
    wh, p = make_warehouse(), make_product()
    with pytest.raises(ApplicationError) as e:
        services.receipt_post(actor=keeper, warehouse_id=wh.pk, lines=[_line(p, "OK", "1"), _line(p, "X", qty)])
    assert "lines.1.quantity" in e.value.fields
    assert "第 2 行" in e.value.message or "Line 2" in e.value.message
    assert not Batch.objects.exists() and not StockReceipt.objects.exists() and not StockMove.objects.exists()


def test_unknown_product_and_expiry_mismatch_change_nothing(org, keeper):
    wh, p = make_warehouse(), make_product()
    b = receive(keeper, wh, p, "L1", 10, days(300))
    with pytest.raises(ApplicationError) as e:
        services.receipt_post(actor=keeper, warehouse_id=wh.pk, lines=[{**_line(p), "product_id": 999999}])
    assert "lines.0.product_id" in e.value.fields
    with pytest.raises(ApplicationError) as e:
        services.receipt_post(actor=keeper, warehouse_id=wh.pk, lines=[_line(p, "NEW", "3"), _line(p, "L1", "5",
                                                                                                   days(301))])
    assert "lines.1.expiry_date" in e.value.fields and "L1" in e.value.message
    b.refresh_from_db()
    assert b.on_hand == 10 and Batch.objects.count() == 1 and StockReceipt.objects.count() == 1
    # the same batch number in another warehouse is another batch
    other = make_warehouse()
    receive(keeper, other, p, "L1", 1, days(301))
    assert ledger_ok()


def test_receipt_other_bad_input(org, keeper):
    wh, p = make_warehouse(), make_product()
    for kwargs, field in [
        ({"lines": []}, "lines"),
        ({"lines": [_line(p)], "received_on": days(3)}, "received_on"),
        ({"lines": [{**_line(p), "expiry_date": "2026-13-01"}]}, "lines.0.expiry_date"),
        ({"lines": [{**_line(p), "batch_no": " "}]}, "lines.0.batch_no"),
        ({"lines": [{**_line(p), "production_date": days(500)}]}, "lines.0.production_date"),
    ]:
        with pytest.raises(ApplicationError) as e:
            services.receipt_post(actor=keeper, warehouse_id=wh.pk, **kwargs)
        assert field in e.value.fields, (kwargs, e.value.fields)
    with pytest.raises(ApplicationError) as e:
        services.receipt_post(actor=keeper, warehouse_id=999999, lines=[_line(p)])
    assert "warehouse_id" in e.value.fields
    assert not StockMove.objects.exists()


def test_rights(org, keeper):
    wh, p = make_warehouse(), make_product()
    b = receive(org.admin, wh, p, "R1", 10, days(200))
    for user in (org.rep_pd1, org.finance, org.pd_head):
        with pytest.raises(PermissionDenied):
            services.receipt_post(actor=user, warehouse_id=wh.pk, lines=[_line(p)])
        with pytest.raises(PermissionDenied):
            services.adjustment_post(actor=user, batch_id=b.pk, delta="-1", reason="damage")
        with pytest.raises(PermissionDenied):
            services.warehouse_create(actor=user, data={"code": "X", "name": "x"})
    b.refresh_from_db()
    assert b.on_hand == 10
    services.adjustment_post(actor=keeper, batch_id=b.pk, delta="-1", reason="damage")


def test_adjustments(org, keeper):
    wh, p = make_warehouse(), make_product()
    b = receive(keeper, wh, p, "ADJ", "10", days(200))
    services.adjustment_post(actor=keeper, batch_id=b.pk, delta="-2.5", reason="count", reason_text="盘亏")
    services.adjustment_post(actor=keeper, batch_id=b.pk, delta=Decimal("1"), reason="count")
    b.refresh_from_db()
    assert b.on_hand == Decimal("8.5")
    for delta, reason, field in [("0", "count", "delta"), ("-8.501", "count", "delta"), ("1.0001", "count", "delta"),
                                 ("1", "bogus", "reason"), ("1", "other", "reason_text")]:
        with pytest.raises(ApplicationError) as e:
            services.adjustment_post(actor=keeper, batch_id=b.pk, delta=delta, reason=reason)
        assert field in e.value.fields, (delta, e.value.fields)
    b.refresh_from_db()
    assert b.on_hand == Decimal("8.5") and b.adjustments.count() == 2
    assert AuditEvent.objects.filter(target_type="batch", action="adjust").count() == 2
    assert ledger_ok()


def test_status_and_warehouses(org, keeper):
    wh = services.warehouse_create(actor=keeper, data={"code": "sh01", "name": "上海总仓"})
    assert wh.code == "SH01"
    with pytest.raises(ApplicationError) as e:
        services.warehouse_create(actor=keeper, data={"code": "SH01", "name": "重复"})
    assert "code" in e.value.fields
    services.warehouse_update(actor=keeper, warehouse_id=wh.pk, data={"address": "浦东新区"})
    p = make_product()
    b = receive(keeper, wh, p, "S1", 5, days(100))
    with pytest.raises(ApplicationError):
        services.batch_set_status(actor=keeper, batch_id=b.pk, status="locked")
    services.batch_set_status(actor=keeper, batch_id=b.pk, status="locked", reason="召回")
    b.refresh_from_db()
    assert b.status == "locked"
    with pytest.raises(ApplicationError) as e, transaction.atomic():
        services.allocate(actor=keeper, product_id=p.pk, quantity="1", ref_type="t", ref_id=1)
    assert e.value.code == "insufficient_stock"
    services.warehouse_update(actor=keeper, warehouse_id=wh.pk, data={"is_active": False})
    with pytest.raises(ApplicationError) as e:
        services.receipt_post(actor=keeper, warehouse_id=wh.pk, lines=[_line(p)])
    assert "warehouse_id" in e.value.fields
