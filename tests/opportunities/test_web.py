"""Opportunity pages: list (filters, likely to close, sort, export), the board and its drag move
(JSON), the page and its forms, the customer tab, the desktop card, settings for stages;
every route with an opportunity id is a 404 for who cannot see the customer; anonymous → login;
query counts of the list and the board do not grow with the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pharmcrm.opportunities.models import Opportunity, StageChange
from tests.opportunities.helpers import new_opp, stage
from tests.web.test_pages import _web_routes

pytestmark = pytest.mark.django_db

ID_ROUTES = {  # every web route with an opportunity id: (method, data)
    "web:opportunity_detail": ("get", {}),
    "web:opportunity_edit": ("post", {"name": "改名"}),
    "web:opportunity_move": ("post", {"stage": "STAGE"}),
    "web:opportunity_order": ("post", {}),
}


def test_every_opportunity_route_is_covered():
    names = {f"web:{n}" for route, n in _web_routes() if "opportunity_id" in route and not route.startswith("api/")}
    assert names == set(ID_ROUTES)


@pytest.mark.parametrize("peer", ["rep_pd2", "rep_gz", "south_head", "finance"])
def test_invisible_opportunity_is_404_everywhere(web_as, org, book, peer):
    opp = new_opp(org.rep_pd1, book.pd1, stage_id=stage("赢单").pk)
    c = web_as(getattr(org, peer))
    for name, (method, data) in ID_ROUTES.items():
        data = {k: (stage("需求确认").pk if v == "STAGE" else v) for k, v in data.items()}
        url = reverse(name, args=[opp.pk])
        r = c.get(url, data) if method == "get" else c.post(url, data)
        assert r.status_code == 404, (peer, name)
        r = c.get(reverse(name, args=[opp.pk + 999]))
        assert r.status_code in (404, 405)
    opp.refresh_from_db()
    assert opp.name == "阿托伐他汀进院" and opp.stage.name == "赢单" and opp.order_id is None


def test_anonymous_is_sent_to_login(client, org, book):
    opp = new_opp(org.rep_pd1, book.pd1)
    for url in (reverse("web:opportunity_list"), reverse("web:opportunity_board"), reverse("web:opportunity_export"),
                reverse("web:opportunity_detail", args=[opp.pk]), reverse("web:settings_opportunity_stages")):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("web:login")), url


def test_list_filters_and_likely(web_as, org, book):
    today = timezone.localdate()
    a = new_opp(org.rep_pd1, book.pd1, name="近期商务谈判", stage_id=stage("商务谈判").pk,
                expected_close_date=(today + datetime.timedelta(days=5)).isoformat())
    b = new_opp(org.rep_pd1, book.pd1, name="远期初步接洽", expected_close_date=(today + datetime.timedelta(90)).isoformat(),
                expected_amount="500000")
    new_opp(org.rep_pd2, book.pd2, name="李娜的机会")
    c = web_as(org.rep_pd1)
    html = c.get(reverse("web:opportunity_list")).content.decode()
    assert a.name in html and b.name in html and "李娜的机会" not in html
    html = c.get(reverse("web:opportunity_list"), {"likely": "on", "who": "mine"}).content.decode()
    assert a.name in html and b.name not in html
    html = c.get(reverse("web:opportunity_list"), {"amount_min": "100000"}).content.decode()
    assert b.name in html and a.name not in html
    html = c.get(reverse("web:opportunity_list"), {"stage": stage("商务谈判").pk, "sort": "-amount"}).content.decode()
    assert a.name in html and b.name not in html
    html = c.get(reverse("web:opportunity_list"), {"close_from": (today + datetime.timedelta(60)).isoformat()}
                 ).content.decode()
    assert b.name in html and a.name not in html
    html = web_as(org.pd_head).get(reverse("web:opportunity_list"), {"owner": org.rep_pd2.pk}).content.decode()
    assert "李娜的机会" in html and a.name not in html and 'data-testid="filter-owner"' in html
    r = c.get(reverse("web:opportunity_export"), {"likely": "on"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    lead = web_as(org.pd_head).get(reverse("web:opportunity_list"), {"who": "team"}).content.decode()
    assert a.name in lead and "李娜的机会" in lead


def test_board_and_drag_move(web_as, org, book):
    opp = new_opp(org.rep_pd1, book.pd1)
    c = web_as(org.rep_pd1)
    html = c.get(reverse("web:opportunity_board")).content.decode()
    assert f'data-opp="{opp.pk}"' in html and 'draggable="true"' in html
    r = c.post(reverse("web:opportunity_move", args=[opp.pk]), {"stage": stage("方案报价").pk},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["ok"] and r.json()["probability"] == 50
    r = c.post(reverse("web:opportunity_move", args=[opp.pk]), {"stage": stage("输单").pk},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and r.json()["need_reason"] and "lose=" in r.json()["url"]
    r = c.post(reverse("web:opportunity_move", args=[opp.pk]), {"stage": stage("输单").pk,
                                                                 "loss_reason": "预算取消", "competitor": "某竞品"})
    assert r.status_code == 302
    opp.refresh_from_db()
    assert opp.stage.name == "输单" and opp.loss_reason == "预算取消"
    # a read-only viewer sees the card but cannot drag it; a move is 403
    from tests.factories import make_share

    make_share(book.pd1, user=org.rep_gz, access="read")
    g = web_as(org.rep_gz)
    assert 'draggable="true"' not in g.get(reverse("web:opportunity_board")).content.decode()
    r = g.post(reverse("web:opportunity_move", args=[opp.pk]), {"stage": stage("方案报价").pk},
               HTTP_ACCEPT="application/json")
    assert r.status_code == 403


def test_create_edit_and_order_pages(web_as, org, book):
    c = web_as(org.rep_pd1)
    url = reverse("web:opportunity_create", args=[book.pd1.pk])
    assert c.get(url).status_code == 200
    r = c.post(url, {"name": "", "product_id": [book.product.pk], "quantity": ["-1"], "unit_price": ["12.5"]})
    assert r.status_code == 400 and not Opportunity.objects.exists()
    r = c.post(url, {"name": "瑞舒伐他汀进院", "stage_id": stage("赢单").pk, "product_id": [book.product.pk],
                     "quantity": ["100"], "unit_price": ["12.5"], "expected_close_date": "2026-12-31"})
    assert r.status_code == 302, r.content.decode()[:3000]
    opp = Opportunity.objects.get()
    assert str(opp.expected_amount) == "1250.00" and opp.probability == 100
    r = c.get(reverse("web:opportunity_detail", args=[opp.pk]))
    assert 'data-testid="create-order"' in r.content.decode()
    r = c.post(reverse("web:opportunity_edit", args=[opp.pk]), {"name": "改名", "product_id": [book.product.pk],
                                                                 "quantity": ["10"], "unit_price": ["12.5"]})
    assert r.status_code == 302
    r = c.post(reverse("web:opportunity_order", args=[opp.pk]))
    opp.refresh_from_db()
    assert opp.order_id and r["Location"] == reverse("web:order_detail", args=[opp.order_id])
    assert opp.name == "改名"


def test_customer_tab_desktop_card_and_stage_settings(web_as, org, book):
    today = timezone.localdate()
    new_opp(org.rep_pd1, book.pd1, name="即将成交的机会", stage_id=stage("商务谈判").pk,
            expected_close_date=(today + datetime.timedelta(days=3)).isoformat())
    c = web_as(org.rep_pd1)
    html = c.get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "opportunities"}).content.decode()
    assert "即将成交的机会" in html
    assert 'data-testid="card-opportunities"' in c.get(reverse("web:desktop")).content.decode()
    assert 'data-testid="card-opportunities"' not in web_as(org.rep_pd2).get(reverse("web:desktop")).content.decode()
    assert web_as(org.ceo).get(reverse("web:settings_opportunity_stages")).status_code == 403
    a = web_as(org.admin)
    assert a.get(reverse("web:settings_opportunity_stages")).status_code == 200
    r = a.post(reverse("web:settings_opportunity_stages"), {"name": "招标", "probability": "60", "kind": "open"})
    assert r.status_code == 302
    r = a.post(reverse("web:settings_opportunity_stages"), {"name": "坏", "probability": "160", "kind": "open"})
    assert r.status_code == 400


def _many(org, book, n):
    for i in range(n):
        new_opp(org.rep_pd1, book.pd1, name=f"机会{i}", stage_id=stage(["初步接洽", "商务谈判", "赢单"][i % 3]).pk)


@pytest.mark.parametrize("name", ["web:opportunity_list", "web:opportunity_board"])
def test_query_counts_do_not_grow(web_as, org, book, name):
    c = web_as(org.pd_head)
    _many(org, book, 3)
    c.get(reverse(name))
    with CaptureQueriesContext(connection) as few:
        assert c.get(reverse(name)).status_code == 200
    _many(org, book, 25)
    with CaptureQueriesContext(connection) as many:
        assert c.get(reverse(name)).status_code == 200
    assert len(many) == len(few), [q["sql"][:150] for q in many.captured_queries]
    assert len(few) <= 14
    assert StageChange.objects.count() == 28
