"""Quotation pages: list (filters, export), the form (bad input shown, nothing written), the page
and its actions, the printable quotation in Chinese, convert to an order draft, link a
follow-up (shown on the follow-up page), the customer tab with the price history, the product
page's price history (only visible customers); every route with a quotation id is a 404 for who
cannot see the customer; the list's query count does not grow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pharmcrm.quotations import services
from pharmcrm.quotations.models import Quotation
from tests.opportunities.helpers import new_quote
from tests.web.test_pages import _web_routes

pytestmark = pytest.mark.django_db

ID_ROUTES = {
    "web:quotation_detail": ("get", {}),
    "web:quotation_edit": ("post", {"terms": "x"}),
    "web:quotation_print": ("get", {}),
    "web:quotation_order": ("post", {}),
    "web:quotation_link": ("post", {"followup": ""}),
    "web:quotation_action": ("post", {}),
}


def test_every_quotation_route_is_covered():
    names = {f"web:{n}" for route, n in _web_routes() if "quotation_id" in route and not route.startswith("api/")}
    assert names == set(ID_ROUTES)


@pytest.mark.parametrize("peer", ["rep_pd2", "rep_gz", "south_head", "finance"])
def test_invisible_quotation_is_404_everywhere(web_as, org, book, peer):
    q = new_quote(org.rep_pd1, book.pd1, book.product)
    c = web_as(getattr(org, peer))
    for name, (method, data) in ID_ROUTES.items():
        args = [q.pk, "send"] if name == "web:quotation_action" else [q.pk]
        url = reverse(name, args=args)
        r = c.get(url, data) if method == "get" else c.post(url, data)
        assert r.status_code == 404, (peer, name)
    q.refresh_from_db()
    assert q.status == "draft" and q.terms == ""


def test_form_create_edit_send_print_accept_order(web_as, org, book):
    c = web_as(org.rep_pd1)
    url = reverse("web:quotation_create", args=[book.pd1.pk])
    assert c.get(url).status_code == 200
    until = (timezone.localdate() + datetime.timedelta(days=15)).isoformat()
    r = c.post(url, {"valid_until": until, "contact_id": book.li.pk, "product_id": [book.product.pk],
                     "quantity": ["10"], "unit_price": ["12.12345"], "line_valid_until": [""]})
    assert r.status_code == 400 and not Quotation.objects.exists()
    html = r.content.decode()
    assert 'data-testid="error-contact_id"' in html and 'data-testid="line-error"' in html
    r = c.post(url, {"valid_until": until, "contact_id": book.wang.pk, "terms": "含税含运费",
                     "product_id": [book.product.pk, book.product2.pk], "quantity": ["10", "5"],
                     "unit_price": ["12.3", ""], "line_valid_until": ["", ""]})
    assert r.status_code == 302
    q = Quotation.objects.get()
    assert str(q.amount_total) == "163.00"
    r = c.post(reverse("web:quotation_edit", args=[q.pk]), {"valid_until": until, "terms": "新条款",
                                                              "product_id": [book.product.pk], "quantity": ["20"],
                                                              "unit_price": ["12.3"], "line_valid_until": [""]})
    assert r.status_code == 302
    c.post(reverse("web:quotation_action", args=[q.pk, "send"]))
    q.refresh_from_db()
    assert q.status == "sent" and q.terms == "新条款"
    html = c.get(reverse("web:quotation_print", args=[q.pk])).content.decode()
    assert "报 价 单" in html and q.number in html and "上海仁济医院" in html and "新条款" in html
    assert "@media print" in html
    c.post(reverse("web:quotation_action", args=[q.pk, "accept"]))
    r = c.post(reverse("web:quotation_order", args=[q.pk]))
    q.refresh_from_db()
    assert q.status == "accepted" and q.order_id and r["Location"] == reverse("web:order_detail", args=[q.order_id])
    r = c.post(reverse("web:quotation_action", args=[q.pk, "reject"]), follow=True)
    q.refresh_from_db()
    assert q.status == "accepted"


def test_followup_link_shown_on_the_followup(web_as, org, book):
    from pharmcrm.activities.models import FollowUp

    fu = FollowUp.objects.create(customer=book.pd1, author=org.rep_pd1, content="拜访药剂科", price_quoted="12.5元/盒")
    q = new_quote(org.rep_pd1, book.pd1, book.product)
    c = web_as(org.rep_pd1)
    assert c.post(reverse("web:quotation_link", args=[q.pk]), {"followup": fu.pk}).status_code == 302
    q.refresh_from_db()
    assert q.followup_id == fu.pk
    html = c.get(reverse("web:quotation_detail", args=[q.pk])).content.decode()
    assert 'data-testid="linked-followup"' in html
    html = c.get(reverse("web:followup_edit", args=[fu.pk])).content.decode()
    assert q.number in html
    services.quotation_send(actor=org.rep_pd1, quotation_id=q.pk)
    html = c.get(reverse("web:followup_create", args=[book.pd1.pk])).content.decode()
    assert 'data-testid="followup-price-history"' in html and q.number in html
    html = web_as(org.rep_gz).get(reverse("web:followup_create", args=[book.gz.pk])).content.decode()
    assert 'data-testid="followup-price-history"' not in html


def test_customer_tab_shows_price_history(web_as, org, book):
    q = new_quote(org.rep_pd1, book.pd1, book.product, price="11.1111")
    services.quotation_send(actor=org.rep_pd1, quotation_id=q.pk)
    html = web_as(org.rep_pd1).get(reverse("web:customer_detail", args=[book.pd1.pk]),
                                   {"tab": "quotations"}).content.decode()
    assert q.number in html and "11.1111" in html and 'data-testid="price-history-row"' in html


def _quoted(actor, customer, product, price):
    q = new_quote(actor, customer, product, price=price)
    services.quotation_send(actor=actor, quotation_id=q.pk)
    return q


def test_product_page_block_shows_only_visible_customers(org, book, web_as):
    _quoted(org.rep_pd1, book.pd1, book.product, "12.3456")
    _quoted(org.rep_gz, book.gz, book.product, "10.9876")
    for url in (reverse("web:product_price_history", args=[book.product.pk]),
                reverse("web:product_detail", args=[book.product.pk]) + "?tab=quotes"):
        html = web_as(org.rep_gz).get(url).content.decode()
        assert "10.9876" in html and "12.3456" not in html and "上海仁济医院" not in html
        html = web_as(org.rep_pd1).get(url).content.decode()
        assert "12.3456" in html and "10.9876" not in html


def test_list_and_export(web_as, org, book):
    new_quote(org.rep_pd1, book.pd1, book.product)
    other = new_quote(org.rep_pd2, book.pd2, book.product)
    c = web_as(org.rep_pd1)
    html = c.get(reverse("web:quotation_list")).content.decode()
    assert 'data-testid="quotation-row"' in html and other.number not in html
    assert "quotation-row" not in c.get(reverse("web:quotation_list"), {"status": "sent"}).content.decode()
    r = c.get(reverse("web:quotation_export"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    r = web_as(org.rep_pd1).client if False else None
    anon = reverse("web:quotation_list")
    from django.test import Client

    assert Client().get(anon).status_code == 302


def test_list_query_count_does_not_grow(web_as, org, book):
    c = web_as(org.pd_head)
    for _ in range(2):
        new_quote(org.rep_pd1, book.pd1, book.product)
    c.get(reverse("web:quotation_list"))
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("web:quotation_list"))
    for _ in range(20):
        new_quote(org.rep_pd2, book.pd2, book.product)
    with CaptureQueriesContext(connection) as many:
        c.get(reverse("web:quotation_list"))
    assert len(many) == len(few)
