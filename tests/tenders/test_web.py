"""The tender and listing pages: every page opens for every role; every route with a tender id
is a 404 for who cannot see the tender; anonymous users go to the login page; the list costs a
constant number of queries; the main flow through the forms."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pharmcrm.tenders import listing_services, services
from pharmcrm.tenders.models import Tender, TenderStatus
from tests.tenders.conftest import advance, new_tender

pytestmark = pytest.mark.django_db

PAGES = ["web:tender_list", "web:tender_export", "web:tender_create", "web:tender_stats", "web:tender_calendar",
         "web:listing_list", "web:listing_export"]


def _tender_routes(t, line, exc, att, share, cp):
    return [
        ("get", reverse("web:tender_detail", args=[t.pk])),
        ("get", reverse("web:tender_edit", args=[t.pk])),
        ("post", reverse("web:tender_edit", args=[t.pk])),
        ("post", reverse("web:tender_line_add", args=[t.pk])),
        ("post", reverse("web:tender_line_edit", args=[t.pk, line.pk])),
        ("post", reverse("web:tender_competitor", args=[t.pk, line.pk])),
        ("post", reverse("web:tender_exception", args=[t.pk, line.pk])),
        ("post", reverse("web:tender_exception_decide", args=[t.pk, exc.pk])),
        ("post", reverse("web:tender_attachment_add", args=[t.pk])),
        ("get", reverse("web:tender_attachment", args=[t.pk, att.pk])),
        ("post", reverse("web:tender_share", args=[t.pk])),
        ("post", reverse("web:tender_action", args=[t.pk, "register"])),
    ]


@pytest.fixture
def full(org, tb):
    from django.core.files.uploadedfile import SimpleUploadedFile

    t = new_tender(org.rep_pd1)
    line = services.tender_line_add(actor=org.rep_pd1, tender_id=t.pk, data={"product_id": tb.p1.pk,
                                                                             "bid_price": "9"})
    exc = services.price_exception_request(actor=org.rep_pd1, line_id=line.pk, reason="低价")
    att = services.tender_attachment_add(actor=org.rep_pd1, tender_id=t.pk,
                                         upload=SimpleUploadedFile("公告.pdf", b"%PDF-1.4"))
    share = services.tender_share_add(actor=org.rep_pd1, tender_id=t.pk, user_id=org.rep_px.pk)
    cp = services.competitor_price_add(actor=org.rep_pd1, line_id=line.pk, competitor="齐鲁", price="8")
    return t, line, exc, att, share, cp


def test_anonymous_goes_to_login(client, full):
    for name in PAGES:
        r = client.get(reverse(name))
        assert r.status_code == 302 and r["Location"].startswith(reverse("web:login")), name
    for method, url in _tender_routes(*full):
        r = getattr(client, method)(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("web:login")), url


@pytest.mark.parametrize("who", ["rep_pd1", "pd_head", "admin", "finance", "rep_gz"])
def test_pages_open_for_every_role(web_as, org, tb, full, who):
    c = web_as(getattr(org, who))
    for name in PAGES:
        assert c.get(reverse(name)).status_code == 200, (who, name)
    body = c.get(reverse("web:desktop")).content.decode()
    assert 'data-nav="tenders"' in body


def test_specialist_pages_and_tabs(web_as, org, tb, full):
    t = full[0]
    c = web_as(tb.weilin)
    for tab in ("lines", "documents", "timeline", "attachments", "sharing"):
        r = c.get(reverse("web:tender_detail", args=[t.pk]), {"tab": tab})
        assert r.status_code == 200, tab
    assert c.get(reverse("web:tender_attachment", args=[t.pk, full[3].pk])).status_code == 200


@pytest.mark.parametrize("who", ["rep_pd2", "rep_gz", "south_head", "finance"])
def test_invisible_tender_is_404_on_every_route(web_as, org, tb, full, who):
    c = web_as(getattr(org, who))
    for method, url in _tender_routes(*full):
        assert getattr(c, method)(url).status_code == 404, (who, url)


def test_missing_ids_404(web_as, org, tb, full):
    t, line, exc, att, share, cp = full
    c = web_as(org.rep_pd1)
    other = new_tender(org.rep_pd1)
    assert c.post(reverse("web:tender_line_edit", args=[other.pk, line.pk])).status_code == 404
    assert c.get(reverse("web:tender_attachment", args=[other.pk, att.pk])).status_code == 404
    assert c.post(reverse("web:tender_exception_decide", args=[other.pk, exc.pk])).status_code == 404
    assert c.post(reverse("web:tender_action", args=[t.pk, "explode"])).status_code == 404
    assert c.get(reverse("web:tender_detail", args=[2**40])).status_code == 404
    assert c.get(reverse("web:listing_detail", args=[2**40])).status_code == 404


def test_list_query_count_is_constant(web_as, org, tb):
    c = web_as(tb.weilin)
    new_tender(tb.weilin, customer_id=tb.hospital.pk)
    c.get(reverse("web:tender_list"))
    with CaptureQueriesContext(connection) as few:
        assert c.get(reverse("web:tender_list")).status_code == 200
    for i in range(15):
        new_tender(tb.weilin if i % 2 else org.rep_pd1, name=f"项目{i}",
                   customer_id=tb.hospital.pk if i % 3 == 0 else None)
    with CaptureQueriesContext(connection) as many:
        r = c.get(reverse("web:tender_list"))
    assert len(r.context["tenders"]) == 16
    assert len(many) == len(few), [q["sql"] for q in many]


def test_list_filters_and_export(web_as, org, tb):
    a = new_tender(tb.weilin, name="广东省集采", province="440000", type="vbp")
    new_tender(tb.weilin, name="上海挂网")
    c = web_as(tb.weilin)
    r = c.get(reverse("web:tender_list"), {"province": "440000"})
    assert [t.pk for t in r.context["tenders"]] == [a.pk]
    r = c.get(reverse("web:tender_list"), {"type": "vbp", "status": "open", "q": "广东"})
    assert [t.pk for t in r.context["tenders"]] == [a.pk]
    r = c.get(reverse("web:tender_export"), {"province": "440000"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [row[1] for row in ws.iter_rows(min_row=2, values_only=True)] == ["广东省集采"]


def test_create_edit_and_advance_through_the_forms(web_as, org, tb):
    c = web_as(tb.weilin)
    r = c.post(reverse("web:tender_create"), {"name": "", "type": "provincial", "province": ""})
    assert r.status_code == 400 and 'data-testid="error-name"' in r.content.decode()
    r = c.post(reverse("web:tender_create"), {"name": "上海市第九批集采", "type": "vbp", "province": "310000",
                                               "bid_opening_at": "2026-12-20T09:30", "bond_amount": "50000"})
    t = Tender.objects.get()
    assert r.status_code == 302 and t.bond_amount == 50000
    r = c.post(reverse("web:tender_line_add", args=[t.pk]), {"product": tb.p2.pk, "bid_price": "6.5",
                                                             "quantity": "1000"})
    assert r.status_code == 302
    r = c.post(reverse("web:tender_line_add", args=[t.pk]), {"product": tb.p2.pk})
    assert r.status_code == 400
    for action in ("register", "prepare", "submit"):
        c.post(reverse("web:tender_action", args=[t.pk, action]))
    t.refresh_from_db()
    assert t.status == TenderStatus.SUBMITTED
    line = t.lines.get()
    r = c.post(reverse("web:tender_action", args=[t.pk, "win"]), {f"winning_price_{line.pk}": "6.2"})
    t.refresh_from_db()
    assert t.status == "won"
    body = c.get(reverse("web:tender_detail", args=[t.pk])).content.decode()
    assert "¥6.2" in body
    r = c.post(reverse("web:tender_edit", args=[t.pk]), {"name": "上海市第九批集采（改）", "type": "vbp",
                                                          "province": "310000", "bond_amount": "1.234"})
    assert r.status_code == 400 and 'data-testid="error-bond_amount"' in r.content.decode()


def test_below_floor_shown_and_floor_hidden_from_reps(web_as, org, tb, full):
    t = full[0]
    rep = web_as(org.rep_pd1).get(reverse("web:tender_detail", args=[t.pk])).content.decode()
    assert 'data-testid="below-floor"' in rep and "¥10" not in re.sub(r"\s+", "", rep.split("below-floor")[1][:300])
    head = web_as(org.pd_head).get(reverse("web:tender_detail", args=[t.pk])).content.decode()
    assert 'data-testid="approve"' in head


def test_listing_pages(web_as, org, tb):
    c = web_as(tb.weilin)
    r = c.post(reverse("web:listing_create"), {"product": tb.p1.pk, "province": "310000", "listing_price": "12.5"})
    assert r.status_code == 302
    listing = listing_services.PlatformListing.objects.get()
    r = c.post(reverse("web:listing_create"), {"product": tb.p1.pk, "province": "310000"})
    assert r.status_code == 400
    c.post(reverse("web:listing_action", args=[listing.pk, "apply"]))
    listing.refresh_from_db()
    assert listing.status == "applying"
    rep = web_as(org.rep_pd1)
    assert rep.get(reverse("web:listing_detail", args=[listing.pk])).status_code == 200
    assert rep.get(reverse("web:listing_create")).status_code == 403
    assert rep.post(reverse("web:listing_action", args=[listing.pk, "list"])).status_code == 403
    listing.refresh_from_db()
    assert listing.status == "applying"
    r = rep.get(reverse("web:listing_list"), {"province": "310000", "status": "applying"})
    assert [x.pk for x in r.context["listings"]] == [listing.pk]


def test_advance_helper(org, tb):
    t = advance(tb.weilin, new_tender(tb.weilin), "register")
    assert t.status == "registered"


def test_product_page_shows_its_listings(web_as, org, tb):
    listing_services.listing_create(actor=tb.weilin, data={"product_id": tb.p1.pk, "province": "440000",
                                                           "platform_code": "GD-778"})
    body = web_as(org.rep_pd1).get(reverse("web:product_detail", args=[tb.p1.pk])).content.decode()
    assert 'data-testid="product-listings"' in body and "GD-778" in body


def test_customer_tab(web_as, org, tb):
    t = new_tender(org.rep_pd1, name="仁济医院药品遴选", customer_id=tb.hospital.pk)
    body = web_as(org.rep_pd1).get(reverse("web:customer_detail", args=[tb.hospital.pk]),
                                   {"tab": "tenders"}).content.decode()
    assert 'data-testid="tenders-tab"' in body and t.number in body
    assert web_as(org.rep_gz).get(reverse("web:customer_detail", args=[tb.hospital.pk]),
                                  {"tab": "tenders"}).status_code == 404


def test_owner_filter(web_as, org, tb):
    a = new_tender(org.rep_pd1, name="张伟的项目")
    new_tender(tb.weilin, name="韦琳的项目")
    r = web_as(tb.weilin).get(reverse("web:tender_list"), {"owner": org.rep_pd1.pk})
    assert [t.pk for t in r.context["tenders"]] == [a.pk]
    assert web_as(tb.weilin).get(reverse("web:tender_list"), {"owner": "x"}).status_code == 200
