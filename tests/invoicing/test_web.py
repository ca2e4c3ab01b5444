"""The invoice pages render for finance, refuse reps where they must, and the issue screen works
end to end without a browser (preview, then confirm)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from pharmcrm.invoicing import services
from pharmcrm.invoicing.models import Invoice, PriceMismatch
from tests.factories import make_customer
from tests.invoicing.helpers import HEADER, make_product, profile, sale


@pytest.fixture
def data(org):
    c = make_customer(org.rep_pd1, "浦东医药有限公司")
    profile(c)
    p = make_product("头孢克肟片")
    s = sale(c, p, "12.5", "10").entry
    inv = services.invoice_issue(actor=org.finance, customer_id=c.pk, header=HEADER,
                                 selections=[{"sale_entry_id": s.pk, "quantity": "2"}])
    pre = services.pre_invoice_issue(actor=org.finance, customer_id=c.pk, header=HEADER,
                                     lines=[{"product_id": p.pk, "unit_price": "11", "quantity": "3"}])
    sale(c, p, "12.5", "1")  # a mismatch against the pre-invoice at 11
    return c, p, s, inv, pre


def _login(client, user):
    client.force_login(user)
    return client


def test_pages_render_for_finance(client, org, data):
    c, p, s, inv, pre = data
    _login(client, org.finance)
    for url in [reverse("web:invoice_ledger"), reverse("web:invoice_ledger") + "?q=浦东&open=1",
                reverse("web:invoice_list"), reverse("web:invoice_list") + "?kind=pre_invoice&status=issued&from=2020-01-01",
                reverse("web:invoice_detail", args=[inv.pk]), reverse("web:invoice_detail", args=[pre.pk]),
                reverse("web:invoice_reverse", args=[inv.pk]), reverse("web:invoice_issue", args=[c.pk]),
                reverse("web:pre_invoice", args=[c.pk]), reverse("web:invoice_mismatches"),
                reverse("web:invoice_mismatches") + "?status="]:
        r = client.get(url)
        assert r.status_code == 200, url
    r = client.get(reverse("web:invoice_ledger"))
    assert "浦东医药有限公司" in r.content.decode()
    for url in [reverse("web:invoice_ledger") + "?export=xlsx", reverse("web:invoice_list") + "?export=xlsx"]:
        r = client.get(url)
        assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_customer_tab(client, org, data):
    c, *_rest = data
    r = _login(client, org.rep_pd1).get(reverse("web:customer_detail", args=[c.pk]) + "?tab=invoices")
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="invoices-tab"' in body and 'data-testid="issue-invoice"' not in body
    r = _login(client, org.admin).get(reverse("web:customer_detail", args=[c.pk]) + "?tab=invoices")
    assert 'data-testid="issue-invoice"' in r.content.decode()


def test_rep_is_refused_and_peer_gets_404(client, org, data):
    c, p, s, inv, pre = data
    _login(client, org.rep_pd1)
    assert client.get(reverse("web:invoice_issue", args=[c.pk])).status_code == 403
    assert client.post(reverse("web:invoice_reverse", args=[inv.pk]), {"reason": "x", "confirm": "1"}).status_code == 403
    assert client.get(reverse("web:invoice_detail", args=[inv.pk])).status_code == 200
    _login(client, org.rep_pd2)
    assert client.get(reverse("web:invoice_detail", args=[inv.pk])).status_code == 404
    assert "浦东医药有限公司" not in client.get(reverse("web:invoice_ledger")).content.decode()
    assert "浦东医药有限公司" not in client.get(reverse("web:invoice_list")).content.decode()


def test_issue_screen_preview_then_confirm(client, org, data):
    c, p, s, inv, pre = data
    _login(client, org.finance)
    url = reverse("web:invoice_issue", args=[c.pk])
    form = {f"sel_{s.pk}": "1", f"qty_{s.pk}": "3", "tax_invoice_number": "87654321", "invoice_type": "vat_special",
            "medium": "paper", "action": "preview"}
    r = client.post(url, form)
    assert r.status_code == 200 and 'data-testid="preview-total"' in r.content.decode() and "37.50" in r.content.decode()
    assert Invoice.objects.count() == 2
    r = client.post(url, {**form, f"qty_{s.pk}": "99", "action": "confirm"})
    assert r.status_code == 400 and Invoice.objects.count() == 2
    r = client.post(url, {**form, "action": "confirm"})
    new = Invoice.objects.order_by("-id").first()
    assert r.status_code == 302 and new.amount == Decimal("37.50") and new.tax_invoice_number == "87654321"
    assert services.check_invariant() == []


def test_reverse_and_settle_pages(client, org, data):
    c, p, s, inv, pre = data
    _login(client, org.finance)
    url = reverse("web:invoice_reverse", args=[inv.pk])
    assert client.post(url, {"reason": "抬头错"}).status_code == 400  # not confirmed
    r = client.post(url, {"reason": "抬头错", "confirm": "1"})
    assert r.status_code == 302
    inv.refresh_from_db()
    assert inv.status == "reversed"
    m = PriceMismatch.objects.get()
    r = client.post(reverse("web:invoice_mismatch_settle", args=[m.pk]), {"action": "dismiss", "reason": "按存票"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "dismissed"


def test_pre_invoice_form(client, org, data):
    c, p, *_rest = data
    _login(client, org.finance)
    url = reverse("web:pre_invoice", args=[c.pk])
    r = client.post(url, {"product_id_0": str(p.pk), "unit_price_0": "1.23456", "quantity_0": "1",
                          "invoice_type": "vat_normal", "medium": "electronic"})
    assert r.status_code == 400 and 'data-testid="form-error"' in r.content.decode()
    r = client.post(url, {"product_id_0": str(p.pk), "unit_price_0": "9.9", "quantity_0": "5",
                          "invoice_type": "vat_normal", "medium": "electronic"})
    assert r.status_code == 302
    assert Invoice.objects.filter(kind="pre_invoice").count() == 2


@pytest.mark.parametrize("peer", ["rep_pd2", "rep_px", "rep_gz", "south_head"])
@pytest.mark.parametrize("name", ["web:invoice_issue", "web:pre_invoice"])
def test_customer_routes_are_404_to_those_who_cannot_see_the_customer(client, org, data, peer, name):
    c, *_rest = data
    _login(client, getattr(org, peer))
    url = reverse(name, args=[c.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "confirm"}).status_code == 404


def test_list_pages_cost_the_same_queries_whatever_their_length(client, org, data, django_assert_max_num_queries):
    c, p, *_rest = data
    _login(client, org.finance)
    for _i in range(15):
        services.pre_invoice_issue(actor=org.finance, customer_id=c.pk, header=HEADER,
                                   lines=[{"product_id": p.pk, "unit_price": "9.9", "quantity": "1"}])
    with django_assert_max_num_queries(25):
        assert client.get(reverse("web:invoice_list")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("web:invoice_ledger") + "?q=头孢").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("web:invoice_mismatches")).status_code == 200
