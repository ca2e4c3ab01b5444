"""Payment pages: every page opens for the roles that use it; a payment, allocation or order the
user may not see is a 404 on every route (never a 403); anonymous users go to the login page;
the record form refuses bad input with messages next to the fields; query counts of the list and
ageing pages do not grow with the rows; Excel exports."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pharmcrm.payments import services
from pharmcrm.payments.models import Payment, PaymentAllocation
from pharmcrm.sales.models import SalesOrder
from tests.payments.conftest import order_for

pytestmark = pytest.mark.django_db


def _pay(org, customer, amount, allocations="auto"):
    return services.payment_record(actor=org.finance, data={"customer_id": customer.pk, "amount": amount,
                                                            "allocations": allocations})


def _routes(p, a, o):
    return [("web:payment_detail", [p.pk], "get", {}), ("web:payment_allocate", [p.pk], "post", {"auto": "1"}),
            ("web:payment_cancel", [p.pk], "post", {"reason": "x"}),
            ("web:payment_allocation_release", [a.pk], "post", {}),
            ("web:payment_order_plan", [o.pk], "get", {}), ("web:payment_order_plan", [o.pk], "post", {})]


def test_anonymous_goes_to_login(client, org, pay):
    for name in ("web:payment_list", "web:payment_new", "web:receivables", "web:payment_export",
                 "web:payment_customer_options"):
        r = client.get(reverse(name))
        assert r.status_code == 302 and r["Location"].startswith(reverse("web:login")), name


def test_invisible_is_404_on_every_route(as_user, org, pay):
    o = order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    p = _pay(org, pay.c1, "60")
    a = PaymentAllocation.objects.get(payment=p)
    for user in (org.rep_gz, org.rep_px, org.south_head):  # another branch, a peer group, another head
        c = as_user(user)
        for name, args, method, data in _routes(p, a, o):
            r = getattr(c, method)(reverse(name, args=args), data)
            assert r.status_code == 404, (user.username, name)
        r = c.get(reverse("web:receivable_orders"), {"customer": pay.c1.pk})
        assert r.status_code == 404
        assert c.get(reverse("web:payment_new"), {"customer": pay.c1.pk}).status_code == 404
    for name, _args, method, data in _routes(p, a, o):
        r = getattr(as_user(org.finance), method)(reverse(name, args=[987654321]), data)
        assert r.status_code == 404, name
    assert Payment.objects.get(pk=p.pk).status == "active"
    assert SalesOrder.objects.get(pk=o.pk).paid_total == Decimal("60")


def test_rep_sees_own_customers_payments_read_only(as_user, org, pay):
    order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    order_for(org.rep_gz, pay.gz, "100", days_ago=3)
    p1 = _pay(org, pay.c1, "60")
    p2 = _pay(org, pay.gz, "70")
    c = as_user(org.rep_pd1)
    r = c.get(reverse("web:payment_list"))
    assert [p.pk for p in r.context["payments"]] == [p1.pk]
    r = c.get(reverse("web:payment_detail", args=[p1.pk]))
    assert r.status_code == 200 and b'data-testid="cancel-form"' not in r.content
    assert c.post(reverse("web:payment_cancel", args=[p1.pk]), {"reason": "x"}).status_code == 403
    assert c.get(reverse("web:payment_new")).status_code == 403
    r = as_user(org.finance).get(reverse("web:payment_list"))
    assert {p.pk for p in r.context["payments"]} == {p1.pk, p2.pk}


def test_record_form_proposal_and_errors(as_user, org, pay):
    old = order_for(org.rep_pd1, pay.c1, "100", days_ago=40)
    new = order_for(org.rep_pd1, pay.c1, "200", days_ago=2)
    c = as_user(org.finance)
    r = c.get(reverse("web:payment_new"))
    assert b'data-testid="choose-customer"' in r.content
    r = c.get(reverse("web:payment_customer_options"), {"q": "仁济"})
    assert [x["id"] for x in r.json()] == [pay.c1.pk]
    r = c.get(reverse("web:payment_new"), {"customer": pay.c1.pk})
    assert [o.pk for o in r.context["orders"]] == [old.pk, new.pk]
    url = reverse("web:payment_new")
    r = c.post(url, {"customer": pay.c1.pk, "amount": "1.234", "received_on": timezone.localdate().isoformat(),
                     "method": "bank_transfer"})
    assert r.status_code == 400 and "amount" in r.context["errors"]
    assert "小数" in r.content.decode()  # the message is in Chinese
    r = c.post(url, {"customer": pay.c1.pk, "amount": "150", "received_on": timezone.localdate().isoformat(),
                     "method": "bank_transfer", f"alloc_{old.pk}": "120"})
    assert r.status_code == 400 and f"alloc_{old.pk}" in r.context["errors"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    r = c.post(url, {"customer": pay.c1.pk, "amount": "150", "received_on": tomorrow, "method": "cash"})
    assert r.status_code == 400 and "received_on" in r.context["errors"]
    assert not Payment.objects.exists()
    r = c.post(url, {"customer": pay.c1.pk, "amount": "150", "received_on": timezone.localdate().isoformat(),
                     "method": "bank_acceptance", "reference": "银承 123", f"alloc_{old.pk}": "100",
                     f"alloc_{new.pk}": "30"})
    p = Payment.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("web:payment_detail", args=[p.pk])
    assert p.unallocated == Decimal("20")
    body = c.get(reverse("web:order_detail", args=[new.pk])).content.decode()
    assert 'data-testid="order-payments"' in body and p.number in body
    r = c.post(reverse("web:payment_allocate", args=[p.pk]), {"auto": "1"})
    assert r.status_code == 302
    assert SalesOrder.objects.get(pk=new.pk).paid_total == Decimal("50")


def test_plan_form(as_user, org, pay):
    o = order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    c = as_user(org.rep_pd1)
    url = reverse("web:payment_order_plan", args=[o.pk])
    assert c.get(url).status_code == 200
    today = timezone.localdate()
    r = c.post(url, {"due_on": [today.isoformat(), (today + datetime.timedelta(days=30)).isoformat()],
                     "amount": ["60", "50"], "note": ["首付", ""]})
    assert r.status_code == 400 and r.context["errors"]
    r = c.post(url, {"due_on": [today.isoformat(), (today + datetime.timedelta(days=30)).isoformat()],
                     "amount": ["60", "40"], "note": ["首付", ""]})
    assert r.status_code == 302
    body = c.get(reverse("web:order_detail", args=[o.pk])).content.decode()
    assert body.count('data-testid="plan-row"') == 2
    body = c.get(reverse("web:desktop")).content.decode()
    assert 'data-testid="card-payment-plans"' in body


def test_query_counts_do_not_grow(as_user, org, pay):
    c = as_user(org.finance)

    def count(name, **params):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse(name), params).status_code == 200
        return len(ctx)

    order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    _pay(org, pay.c1, "10")
    base = {n: count(n) for n in ("web:payment_list", "web:receivables")}
    base_owner = count("web:receivables", group="owner")
    base_dept = count("web:receivables", group="department")
    for i in range(6):
        cust = (pay.c1, pay.c2, pay.gz)[i % 3]
        order_for(cust.owner, cust, str(100 + i), days_ago=10 * i)
        _pay(org, cust, "5")
    assert {n: count(n) for n in ("web:payment_list", "web:receivables")} == base
    assert count("web:receivables", group="owner") == base_owner
    assert count("web:receivables", group="department") == base_dept


def test_exports(as_user, org, pay):
    order_for(org.rep_pd1, pay.c1, "100", days_ago=3)
    _pay(org, pay.c1, "10")
    c = as_user(org.finance)
    r = c.get(reverse("web:payment_export"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    r = c.get(reverse("web:receivables"), {"group": "department", "export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_navigation(as_user, org, pay):
    body = as_user(org.finance).get(reverse("web:desktop")).content.decode()
    assert 'data-nav="payments"' in body
    body = as_user(org.rep_pd1).get(reverse("web:desktop")).content.decode()
    assert 'data-nav="payments"' not in body and 'data-nav="receivables"' in body
