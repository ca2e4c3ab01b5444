"""The order pages: list, form, detail, review, warehouse, outbound, ship, delivery note, the
customer tab, the desktop card; 404 for who may not see an order; no customer link for warehouse."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from pharmcrm.sales import services
from pharmcrm.sales.models import SalesOrder
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _approved(org, book, **kw):
    o = new_order(org.rep_pd1, book.pd1, **kw)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    return services.order_approve(actor=org.finance, order_id=o.pk)


def test_create_through_the_form(org, book, as_):
    c = as_(org.rep_pd1)
    url = reverse("web:order_new") + f"?customer={book.pd1.pk}"
    r = c.get(url)
    assert r.status_code == 200 and "order-form" in r.content.decode()
    addr = book.pd1.shipping_addresses.get()
    bad = {"customer": book.pd1.pk, "shipping_address_id": addr.pk, "terminal_type": "public_hospital",
           "product_id": [book.product.pk], "quantity": ["0"], "unit_price": ["12.34567"], "then": "save"}
    r = c.post(url, bad)
    assert r.status_code == 400 and not SalesOrder.objects.exists()
    body = r.content.decode()
    assert body.count('data-testid="line-error"') == 2
    ok = {**bad, "quantity": ["3", "2"], "unit_price": ["", "11.5"], "product_id": [book.product.pk, book.product.pk],
          "then": "submit"}
    r = c.post(url, ok)
    o = SalesOrder.objects.get()
    assert r.status_code == 302 and r.url == reverse("web:order_detail", args=[o.pk])
    assert o.status == "submitted" and o.amount_total == Decimal("60.50")


def test_peer_and_warehouse_get_404_on_pages(org, book, as_):
    draft = new_order(org.rep_pd1, book.pd1)
    approved = _approved(org, book)
    pages = ["web:order_detail", "web:order_edit", "web:order_review", "web:order_outbound", "web:order_ship",
             "web:order_delivery_note", "web:order_outbound_check"]
    c = as_(org.rep_pd2)
    for name in pages:
        for o in (draft, approved):
            assert c.get(reverse(name, args=[o.pk])).status_code == 404, name
    for action in ("submit", "cancel", "approve", "reject", "receive"):
        assert c.post(reverse("web:order_action", args=[draft.pk, action]), {"reason": "x"}).status_code == 404
    c = as_(book.keeper)
    assert c.get(reverse("web:order_detail", args=[draft.pk])).status_code == 404
    r = c.get(reverse("web:order_detail", args=[approved.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert reverse("web:customer_detail", args=[book.pd1.pk]) not in body  # no link to a page they cannot open
    assert 'data-testid="floor-price"' not in body
    assert c.get(reverse("web:order_review", args=[approved.pk])).status_code == 404


def test_floor_price_shown_only_to_those_allowed(org, book, as_):
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "1", "unit_price": "9"}])
    body = as_(org.rep_pd1).get(reverse("web:order_detail", args=[o.pk])).content.decode()
    assert 'data-testid="floor-price"' not in body and "10.0000" not in body and "¥10" not in body
    assert 'data-testid="below-floor"' in body and 'data-testid="exception-form"' in body
    body = as_(org.pd_head).get(reverse("web:order_detail", args=[o.pk])).content.decode()
    assert 'data-testid="floor-price"' in body and "¥10" in body


def test_list_tabs_filters_export(org, book, as_):
    a = new_order(org.rep_pd1, book.pd1)
    b = _approved(org, book)
    c = as_(org.rep_pd1)
    r = c.get(reverse("web:order_list"))
    body = r.content.decode()
    assert a.number in body and b.number in body and 'data-testid="order-tabs"' in body
    body = c.get(reverse("web:order_list") + "?status=approved").content.decode()
    assert a.number not in body and b.number in body
    body = c.get(reverse("web:order_list") + f"?q={a.number}&sort=amount&from=2000-01-01&to=2999-01-01").content.decode()
    assert a.number in body and b.number not in body
    r = c.get(reverse("web:order_export") + "?status=draft")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    body = as_(org.rep_pd2).get(reverse("web:order_list")).content.decode()
    assert a.number not in body and 'data-testid="orders-empty"' in body


def test_review_page_and_approve_with_override(org, book, as_):
    sz = book.pd1.shipping_addresses.create(receiver="深圳仓", phone="1", region_code="440304", address="深圳")
    o = new_order(org.rep_pd1, book.pd1, address=sz)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    c = as_(org.finance)
    body = c.get(reverse("web:order_review", args=[o.pk])).content.decode()
    assert body.count('data-testid="check"') == 6 and 'data-key="region" data-passed="0"' in body
    r = c.post(reverse("web:order_action", args=[o.pk, "approve"]), {"override_reason": ""})
    assert r.status_code == 400 and 'data-testid="error-approve"' in r.content.decode()
    r = c.post(reverse("web:order_action", args=[o.pk, "approve"]), {"override_reason": "客户深圳仓"})
    assert r.status_code == 302
    o.refresh_from_db()
    assert o.status == "approved"


def test_warehouse_flow_pages(org, book, stocked, as_):
    o = _approved(org, book, lines=[{"product_id": book.product.pk, "quantity": "5"}])
    c = as_(book.keeper)
    body = c.get(reverse("web:order_warehouse")).content.decode()
    assert o.number in body
    body = c.get(reverse("web:order_outbound", args=[o.pk])).content.decode()
    assert 'data-testid="proposal"' in body and "B2401" in body
    r = c.post(reverse("web:order_outbound", args=[o.pk]), {})
    assert r.status_code == 302
    r = c.post(reverse("web:order_ship", args=[o.pk]), {"carrier": "", "tracking_no": ""})
    assert r.status_code == 400
    r = c.post(reverse("web:order_ship", args=[o.pk]), {"carrier": "顺丰", "tracking_no": "SF1"})
    assert r.status_code == 302
    body = c.get(reverse("web:order_delivery_note", args=[o.pk])).content.decode()
    for text in ("B2401", book.product.approval_number, book.product.manufacturer, book.pd1.name, "62.50"):
        assert text in body
    body = c.get(reverse("web:order_outbound_check", args=[o.pk])).content.decode()
    assert 'data-testid="check-batch">B2401<' in body and book.product.approval_number in body
    assert o.number in body and "62.50" not in body  # the check record carries no prices


def test_customer_tab_and_desktop_card(org, book, as_, django_assert_max_num_queries):
    o = new_order(org.rep_pd1, book.pd1)
    body = as_(org.rep_pd1).get(reverse("web:customer_detail", args=[book.pd1.pk]) + "?tab=orders").content.decode()
    assert 'data-testid="orders-tab"' in body and o.number in body
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    from django.utils import timezone

    from pharmcrm.sales.desktop import waiting_card

    card = waiting_card(org.finance, "mine", timezone.localdate())
    assert [s["key"] for s in card["sections"]] == ["review"] and card["sections"][0]["rows"] == [o]
    for _ in range(10):
        services.order_submit(actor=org.rep_pd1, order_id=new_order(org.rep_pd1, book.pd1).pk)
    with django_assert_max_num_queries(12):
        card = waiting_card(org.finance, "mine", timezone.localdate())
    assert len(card["sections"][0]["rows"]) == 6 and card["sections"][0]["more"]
    services.order_reject(actor=org.finance, order_id=o.pk, reason="价格不对")
    card = waiting_card(org.rep_pd1, "mine", timezone.localdate())
    assert [s["key"] for s in card["sections"]] == ["rejected"]
    assert waiting_card(org.rep_pd2, "mine", timezone.localdate()) is None
    body = as_(org.finance).get(reverse("web:desktop")).content.decode()
    assert 'data-testid="card-orders"' in body


def test_desktop_card_for_heads_and_warehouse(org, book):
    from django.utils import timezone

    from pharmcrm.sales.desktop import waiting_card

    today = timezone.localdate()
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "1", "unit_price": "9"}])
    exc = services.price_exception_request(actor=org.rep_pd1, order_id=o.pk, line_id=o.lines.get().pk, reason="竞品")
    card = waiting_card(org.pd_head, "mine", today)
    assert [s["key"] for s in card["sections"]] == ["exceptions"] and card["sections"][0]["rows"] == [exc]
    assert waiting_card(org.south_head, "mine", today) is None  # not above the owner
    services.price_exception_decide(actor=org.pd_head, exception_id=exc.pk, approve=True)
    assert [s["key"] for s in waiting_card(org.rep_pd1, "mine", today)["sections"]] == ["answered"]
    a = _approved(org, book)
    card = waiting_card(book.keeper, "mine", today)
    assert [s["key"] for s in card["sections"]] == ["outbound"] and card["sections"][0]["rows"] == [a]
