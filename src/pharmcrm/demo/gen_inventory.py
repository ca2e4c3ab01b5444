"""The demo company's stock (库存/批号): two warehouses, batches of most products received over
the past months, a few adjustments and held batches.

* 上海总仓 (SH01) and 广州分仓 (GZ01); the warehouse clerk 蒋涛 posts everything through
  ``inventory.services`` (rights, numbers RK-<year>-n, ledger, audit);
* about 85% of the active products get one to three batches; batch numbers as makers print them
  (production date yymmdd + a two-digit run, some with a letter prefix); shelf life 24 or 36
  months, so expiry dates spread from a few already expired (still on hand, waiting for
  destruction) through several within 180 days (近效期) to three years out;
* receipts group the lines by warehouse and month, dated back to when the goods came in;
* adjustments: a count difference, transport damage, an expired batch partly destroyed; one batch
  in quarantine (待验, just arrived) and one locked for a recall.
Deterministic (``random.Random(f"{seed}:inventory")``); every date is relative to
``timezone.localdate()``, so the picture is the same whatever the day and hour of the load.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from pharmcrm.catalog.models import Product, ProductStatus
from pharmcrm.inventory import services
from pharmcrm.inventory.models import Batch, StockMove, StockReceipt
from pharmcrm.org.models import User

CLERK = "jiangtao"
SUPPLIERS = ("浙江瑞康制药有限公司（生产企业直发）", "国药控股股份有限公司", "上海医药分销控股有限公司",
             "华润医药商业集团有限公司", "九州通医药集团股份有限公司")
# days from today to expiry: two expired, several near expiry, the rest spread to three years
EXPIRY_OFFSETS = [-45, -12, 25, 48, 75, 110, 150, 170]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def inventory_load(*, seed: int, users: dict) -> dict[str, int]:
    rng = random.Random(f"{seed}:inventory")
    clerk = User.objects.get(pk=users[CLERK].pk)  # fresh: with its roles
    today = timezone.localdate()
    sh = services.warehouse_create(actor=clerk, data={
        "code": "SH01", "name": "上海总仓", "address": "上海市浦东新区康桥工业区秀浦路 2555 号 3 号库",
        "notes": "阴凉库 2,000 m²、冷库 200 m²（2–8℃）"})
    gz = services.warehouse_create(actor=clerk, data={
        "code": "GZ01", "name": "广州分仓", "address": "广州市黄埔区科学城开源大道 11 号 B 栋",
        "notes": "华南区域配送"})
    products = list(Product.objects.filter(status=ProductStatus.ACTIVE).order_by("id"))
    offsets = list(EXPIRY_OFFSETS)
    plan: list[dict] = []
    used: set[tuple[int, str]] = set()
    for i, p in enumerate(products):
        if rng.random() < 0.15:
            continue
        shelf_months = rng.choice((24, 36, 36))
        for k in range(rng.choice((1, 2, 2, 3))):
            if offsets:
                expiry_in = offsets.pop(0) if rng.random() < 0.5 or i > len(products) // 2 else None
            else:
                expiry_in = None
            if expiry_in is None:
                expiry_in = rng.randint(200, shelf_months * 30 - 40)
            expiry = today + datetime.timedelta(days=expiry_in)
            produced = expiry - datetime.timedelta(days=shelf_months * 365 // 12) + datetime.timedelta(days=1)
            # goods arrive a few weeks after production, never in the future
            received = min(today - datetime.timedelta(days=rng.randint(1, 20)),
                           produced + datetime.timedelta(days=rng.randint(15, 60)))
            prefix = rng.choice(("", "", "C", "B", "H"))
            batch_no = f"{prefix}{produced:%y%m%d}{rng.randint(1, 12):02d}"
            while (p.pk, batch_no) in used:
                batch_no = f"{prefix}{produced:%y%m%d}{rng.randint(13, 99):02d}"
            used.add((p.pk, batch_no))
            unit = p.case_quantity or 100
            qty = Decimal(unit * rng.randint(1, 6) + rng.choice((0, 0, unit // 2, rng.randint(1, 50))))
            plan.append({"product": p, "wh": sh if (k == 0 or rng.random() < 0.4) else gz, "batch_no": batch_no,
                         "produced": produced, "expiry": expiry, "received": received, "qty": qty})
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for line in plan:
        groups[(line["wh"].pk, line["received"].strftime("%Y-%m"))].append(line)
    receipts = 0
    for (_wh, _month), lines in sorted(groups.items(), key=lambda kv: (min(ln["received"] for ln in kv[1]), kv[0])):
        received = max(ln["received"] for ln in lines)
        r = services.receipt_post(
            actor=clerk, warehouse_id=lines[0]["wh"].pk, received_on=received, supplier=rng.choice(SUPPLIERS),
            notes="随货同行单、检验报告齐全，验收合格。",
            lines=[{"product_id": ln["product"].pk, "batch_no": ln["batch_no"], "production_date": ln["produced"],
                    "expiry_date": ln["expiry"], "quantity": ln["qty"]} for ln in lines])
        StockMove.objects.filter(ref_type="inventory.receipt", ref_id=r.pk).update(at=_at(received))
        StockReceipt.objects.filter(pk=r.pk).update(created_at=_at(received), updated_at=_at(received))
        receipts += 1
    batches = list(Batch.objects.order_by("expiry_date", "id"))
    adjustments = 0
    expired = [b for b in batches if b.expiry_date < today]
    if expired:  # part of an expired batch already destroyed; the rest waits on hand
        b = expired[0]
        services.adjustment_post(actor=clerk, batch_id=b.pk, delta=-(b.on_hand // 2 or b.on_hand),
                                 reason="expiry_destruction", reason_text="过期药品销毁，监销记录见质量部档案")
        adjustments += 1
    live = [b for b in batches if b.expiry_date >= today + datetime.timedelta(days=200)]
    if len(live) >= 4:
        services.adjustment_post(actor=clerk, batch_id=live[0].pk, delta=Decimal("-2"), reason="damage",
                                 reason_text="运输途中外箱挤压，2 盒破损")
        services.adjustment_post(actor=clerk, batch_id=live[1].pk, delta=Decimal("1"), reason="count",
                                 reason_text="月末盘点盘盈")
        services.adjustment_post(actor=clerk, batch_id=live[2].pk, delta=Decimal("-1"), reason="count",
                                 reason_text="月末盘点盘亏")
        adjustments += 3
        services.batch_set_status(actor=clerk, batch_id=live[-1].pk, status="quarantine", reason="新到货待验收")
        services.batch_set_status(actor=clerk, batch_id=live[len(live) // 2].pk, status="locked",
                                  reason="生产企业召回通知（二级召回）")
    return {"warehouses": 2, "batches": len(batches), "stock_receipts": receipts, "stock_adjustments": adjustments}
