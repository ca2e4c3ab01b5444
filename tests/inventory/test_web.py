"""Stock pages render for warehouse staff and reps; writes are refused to reps; the receipt form
posts several lines and keeps the input on errors; the export has the filtered rows."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pharmcrm.inventory.models import Batch, StockReceipt
from tests.inventory.helpers import days, make_product, make_warehouse, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(org, keeper):
    wh, p = make_warehouse("SH", "上海总仓"), make_product("阿莫西林胶囊")
    near = receive(keeper, wh, p, "N2401", 10, days(20))
    far = receive(keeper, wh, p, "F2501", 5, days(700))
    old = receive(keeper, wh, p, "E2301", 3, days(-2))
    return {"wh": wh, "p": p, "near": near, "far": far, "old": old}


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["keeper", "rep_pd1", "admin"])
def test_pages_render(client, org, keeper, stock, who):
    user = keeper if who == "keeper" else getattr(org, who)
    _login(client, user)
    for url in [reverse("web:stock_list"), reverse("web:stock_list") + "?expired=on",
                reverse("web:stock_list") + f"?expiring=30&sort=product&warehouse={stock['wh'].pk}",
                reverse("web:stock_list") + "?expiring=abc&status=bogus",
                reverse("web:stock_batch", args=[stock["near"].pk]), reverse("web:receipt_list"),
                reverse("web:receipt_detail", args=[StockReceipt.objects.first().pk]),
                reverse("web:warehouse_list"), reverse("web:stock_export")]:
        r = client.get(url)
        assert r.status_code == 200, url
    r = client.get(reverse("web:stock_list"))
    body = r.content.decode()
    assert body.index("N2401") < body.index("F2501")  # nearest expiry first
    assert "E2301" in body  # expired stock is listed (highlighted)
    assert ("data-nav=\"inventory\"" in body)
    manage = who != "rep_pd1"
    assert (reverse("web:receipt_new") in body) == manage
    for url in [reverse("web:receipt_new"), reverse("web:adjustment_new") + f"?batch={stock['near'].pk}"]:
        assert client.get(url).status_code == (200 if manage else 403)
    assert client.get(reverse("web:stock_batch", args=[999999])).status_code == 404


def test_rep_cannot_post(client, org, stock):
    _login(client, org.rep_pd1)
    r = client.post(reverse("web:adjustment_new"), {"batch": stock["near"].pk, "delta": "-1", "reason": "damage"})
    assert r.status_code == 403
    r = client.post(reverse("web:stock_batch_status", args=[stock["near"].pk]), {"status": "locked", "reason": "x"})
    assert r.status_code == 403
    r = client.post(reverse("web:warehouse_list"), {"code": "X1", "name": "新仓"})
    assert r.status_code == 403
    stock["near"].refresh_from_db()
    assert stock["near"].on_hand == 10 and stock["near"].status == "available"


def test_receipt_form_posts_lines_and_keeps_input_on_error(client, org, keeper, stock):
    _login(client, keeper)
    p2 = make_product("头孢克肟片")
    data = {"warehouse": stock["wh"].pk, "received_on": days(0).isoformat(), "supplier": "国药控股",
            "line-product": [str(stock["p"].pk), str(p2.pk), ""],
            "line-batch_no": ["N2401", "C9", ""], "line-production_date": ["", "", ""],
            "line-expiry_date": [days(21).isoformat(), days(300).isoformat(), ""],
            "line-quantity": ["5", "0", ""]}
    r = client.post(reverse("web:receipt_new"), data)
    assert r.status_code == 400
    body = r.content.decode()
    assert body.count('data-testid="line-error"') >= 2  # expiry mismatch on line 1, zero quantity on line 2
    assert "C9" in body and "头孢克肟片" in body  # the input is kept
    assert StockReceipt.objects.count() == 3
    data["line-expiry_date"][0] = days(20).isoformat()
    data["line-quantity"][1] = "12.5"
    r = client.post(reverse("web:receipt_new"), data)
    assert r.status_code == 302
    stock["near"].refresh_from_db()
    assert stock["near"].on_hand == 15
    assert Batch.objects.get(batch_no="C9").on_hand == Decimal("12.5")
    r = client.get(r["Location"])
    assert "C9" in r.content.decode()


def test_adjustment_and_status_pages(client, org, keeper, stock):
    _login(client, keeper)
    url = reverse("web:adjustment_new")
    r = client.post(url, {"batch": stock["near"].pk, "delta": "-11", "reason": "damage"})
    assert r.status_code == 400 and "error-delta" in r.content.decode()
    r = client.post(url, {"batch": stock["near"].pk, "delta": "-2", "reason": "damage", "reason_text": "破损"})
    assert r.status_code == 302
    stock["near"].refresh_from_db()
    assert stock["near"].on_hand == 8
    r = client.post(reverse("web:stock_batch_status", args=[stock["near"].pk]), {"status": "locked", "reason": "召回"})
    assert r.status_code == 302
    stock["near"].refresh_from_db()
    assert stock["near"].status == "locked"
    r = client.post(reverse("web:warehouse_list"), {"code": "gz", "name": "广州分仓", "is_active": "on"})
    assert r.status_code == 302


def test_export_has_the_filtered_rows(client, org, stock):
    _login(client, org.rep_pd1)
    r = client.get(reverse("web:stock_export") + "?expired=on")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][5] == "E2301"


def test_desktop_card_for_warehouse_only(client, org, keeper, stock):
    _login(client, keeper)
    body = client.get(reverse("web:desktop")).content.decode()
    assert "card-inventory-expiry" in body and "N2401" in body and "F2501" not in body
    _login(client, org.rep_pd1)
    assert "card-inventory-expiry" not in client.get(reverse("web:desktop")).content.decode()


def test_stock_list_query_count_does_not_grow_with_rows(client, org, keeper):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wh = make_warehouse()
    _login(client, keeper)
    counts = []
    for n in (2, 20):
        for i in range(n):
            receive(keeper, wh, make_product(), f"Q{n}-{i}", 1, days(30 + i))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("web:stock_list")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
