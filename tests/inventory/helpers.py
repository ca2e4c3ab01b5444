"""Builders for stock tests: they go through the services (ledger and audit included)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from pharmcrm.catalog.models import Product
from pharmcrm.inventory import services
from pharmcrm.inventory.models import Batch, Warehouse

_seq = itertools.count(1)


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def make_product(generic_name: str | None = None, **fields) -> Product:
    n = next(_seq)
    fields.setdefault("dosage_form", "tablet")
    fields.setdefault("manufacturer", "测试制药有限公司")
    fields.setdefault("approval_number", f"国药准字H{30000000 + n}")
    fields.setdefault("spec", "10mg*10片")
    from pharmcrm.catalog.services import build_search_text

    p = Product(generic_name=generic_name or f"库存测试药{n}", **fields)
    p.search_text = build_search_text(p)  # as the catalog services write it: the pickers search it
    p.save()
    return p


def make_warehouse(code: str | None = None, name: str | None = None) -> Warehouse:
    n = next(_seq)
    return Warehouse.objects.create(code=code or f"WH{n}", name=name or f"测试仓{n}")


def receive(actor, warehouse, product, batch_no: str, qty, expiry: datetime.date, *, produced=None) -> Batch:
    services.receipt_post(actor=actor, warehouse_id=warehouse.pk, lines=[{
        "product_id": product.pk, "batch_no": batch_no, "expiry_date": expiry, "production_date": produced,
        "quantity": Decimal(str(qty))}])
    return Batch.objects.get(warehouse=warehouse, product=product, batch_no=batch_no)


def ledger_ok() -> bool:
    for b in Batch.objects.all():
        total = sum(b.moves.values_list("quantity", flat=True), Decimal(0))  # SQLite's SUM is a float
        if total != b.on_hand or b.on_hand < 0:
            return False
    return True
