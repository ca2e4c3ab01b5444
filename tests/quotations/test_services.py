"""Quotations: numbers, lines and defaults, bad input refused with nothing written, the state
machine (stateful, against a reference) incl. the daily expiry, accepted → order draft, the
follow-up link, and rights (peers 404, read-only 403)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pharmcrm.core.daily import run_daily
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.quotations import selectors, services
from pharmcrm.quotations.models import Quotation, QuotationLine
from pharmcrm.sales.models import SalesOrder
from tests.factories import make_share
from tests.opportunities.helpers import new_opp, new_quote

pytestmark = pytest.mark.django_db


def test_number_lines_and_defaults(org, book):
    year = timezone.localdate().year
    until = timezone.localdate() + datetime.timedelta(days=20)
    q = services.quotation_create(actor=org.rep_pd1, data={
        "customer_id": book.pd1.pk, "contact_id": book.wang.pk, "terms": "含税含运费，款到发货",
        "valid_until": until.isoformat(),
        "lines": [{"product_id": book.product.pk, "quantity": "100"},  # list price 12.50
                  {"product_id": book.product2.pk, "quantity": "3.5", "unit_price": "7.1234",
                   "valid_until": (until + datetime.timedelta(days=10)).isoformat()}]})
    q2 = new_quote(org.rep_pd1, book.pd1, book.product)
    assert (q.number, q2.number) == (f"BJ-{year}-000001", f"BJ-{year}-000002")
    assert q.status == "draft" and q.contact == book.wang and q.created_by == org.rep_pd1
    lines = selectors.quotation_lines(q)
    assert [(ln.unit_price, ln.amount, ln.valid_until) for ln in lines] == [
        (Decimal("12.5000"), Decimal("1250.00"), until),
        (Decimal("7.1234"), Decimal("24.93"), until + datetime.timedelta(days=10))]
    assert q.amount_total == Decimal("1274.93") and q.valid_until == until + datetime.timedelta(days=10)


@pytest.mark.parametrize("line, header, field", [
    ({"quantity": "-1"}, {}, "lines.0.quantity"),
    ({"quantity": "0"}, {}, "lines.0.quantity"),
    ({"unit_price": "12.12345"}, {}, "lines.0.unit_price"),
    ({"unit_price": "-0.01"}, {}, "lines.0.unit_price"),
    ({"product_id": 999999}, {}, "lines.0.product_id"),
    ({"product_id": "abc"}, {}, "lines.0.product_id"),
    ({"valid_until": "2020-01-01"}, {}, "lines.0.valid_until"),
    ({"valid_until": "not a date"}, {}, "lines.0.valid_until"),
    ({}, {"contact_id": "LI"}, "contact_id"),
    ({}, {"contact_id": 999999}, "contact_id"),
    ({}, {"lines": []}, "lines"),
    ({}, {"opportunity_id": "OTHER"}, "opportunity_id"),
])
def test_bad_input_refused_nothing_written(org, book, line, header, field):
    header = dict(header)
    if header.get("contact_id") == "LI":
        header["contact_id"] = book.li.pk  # a contact of another customer
    if header.get("opportunity_id") == "OTHER":
        header["opportunity_id"] = new_opp(org.rep_pd2, book.pd2).pk
    data = {"customer_id": book.pd1.pk, "valid_until": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
            "lines": [{"product_id": book.product.pk, "quantity": "1", "unit_price": "12.5", **line}], **header}
    before = (Quotation.objects.count(), QuotationLine.objects.count())
    with pytest.raises(ApplicationError) as e:
        services.quotation_create(actor=org.rep_pd1, data=data)
    assert field in e.value.fields, e.value.fields
    assert (Quotation.objects.count(), QuotationLine.objects.count()) == before


def test_bad_edit_changes_nothing(org, book):
    q = new_quote(org.rep_pd1, book.pd1, book.product, price="12.5")
    with pytest.raises(ApplicationError):
        services.quotation_update(actor=org.rep_pd1, quotation_id=q.pk, data={
            "terms": "新条款", "lines": [{"product_id": book.product.pk, "quantity": "1", "unit_price": "1.00001"}]})
    q.refresh_from_db()
    assert q.terms == "" and [ln.unit_price for ln in q.lines.all()] == [Decimal("12.5000")]


def test_rights(org, book):
    q = new_quote(org.rep_pd1, book.pd1, book.product)
    for user in (org.rep_pd2, org.rep_gz, org.south_head, org.finance):
        with pytest.raises(NotFound):
            selectors.quotation_get(actor=user, quotation_id=q.pk)
        with pytest.raises(NotFound):
            services.quotation_send(actor=user, quotation_id=q.pk)
        with pytest.raises(NotFound):
            new_quote(user, book.pd1, book.product)
    make_share(book.pd1, user=org.rep_gz, access="read")
    assert selectors.quotation_get(actor=org.rep_gz, quotation_id=q.pk) == q
    with pytest.raises(PermissionDenied):
        services.quotation_send(actor=org.rep_gz, quotation_id=q.pk)
    assert services.quotation_send(actor=org.sh_head, quotation_id=q.pk).status == "sent"


def test_expiry_daily_step(org, book):
    today = timezone.localdate()
    q = new_quote(org.rep_pd1, book.pd1, book.product, until=today)
    services.quotation_send(actor=org.rep_pd1, quotation_id=q.pk)
    draft = new_quote(org.rep_pd1, book.pd1, book.product, until=today)
    assert services.quotations_expire(today=today) == 0  # valid through today
    run_daily(today + datetime.timedelta(days=1), only=["quotations"])
    q.refresh_from_db()
    draft.refresh_from_db()
    assert q.status == "expired" and q.decided_at is not None and draft.status == "draft"
    assert services.quotations_expire(today=today + datetime.timedelta(days=1)) == 0  # idempotent
    with pytest.raises(ApplicationError) as e:
        services.quotation_accept(actor=org.rep_pd1, quotation_id=q.pk)
    assert e.value.code == "illegal_transition"


def test_accepted_quotation_becomes_an_order_draft_at_quoted_prices(org, book):
    q = services.quotation_create(actor=org.rep_pd1, data={
        "customer_id": book.pd1.pk, "valid_until": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
        "lines": [{"product_id": book.product.pk, "quantity": "200", "unit_price": "11.8800"},
                  {"product_id": book.product2.pk, "quantity": "10.5", "unit_price": "7.5"}]})
    services.quotation_send(actor=org.rep_pd1, quotation_id=q.pk)
    with pytest.raises(ApplicationError):
        services.quotation_create_order(actor=org.rep_pd1, quotation_id=q.pk)
    services.quotation_accept(actor=org.rep_pd1, quotation_id=q.pk, note="院方确认")
    q = services.quotation_create_order(actor=org.rep_pd1, quotation_id=q.pk)
    order = q.order
    assert order.status == "draft" and order.customer == book.pd1
    assert [(ln.product_id, ln.quantity, ln.unit_price) for ln in order.lines.order_by("position")] == [
        (book.product.pk, Decimal("200.000"), Decimal("11.8800")),
        (book.product2.pk, Decimal("10.500"), Decimal("7.5000"))]
    assert order.amount_total == Decimal("2454.75")
    with pytest.raises(ApplicationError):
        services.quotation_create_order(actor=org.rep_pd1, quotation_id=q.pk)
    assert SalesOrder.objects.count() == 1


def test_followup_link(org, book):
    from pharmcrm.activities.models import FollowUp

    fu = FollowUp.objects.create(customer=book.pd1, author=org.rep_pd1, content="拜访药剂科，报价12.5")
    other = FollowUp.objects.create(customer=book.pd2, author=org.rep_pd2, content="x")
    q = new_quote(org.rep_pd1, book.pd1, book.product)
    with pytest.raises(ApplicationError):
        services.quotation_link_followup(actor=org.rep_pd1, quotation_id=q.pk, followup_id=other.pk)
    services.quotation_link_followup(actor=org.rep_pd1, quotation_id=q.pk, followup_id=fu.pk)
    assert [x.pk for x in selectors.quotations_of_followup(actor=org.rep_pd1, followup_id=fu.pk)] == [q.pk]
    assert selectors.quotations_of_followup(actor=org.rep_pd2, followup_id=fu.pk) == []
    services.quotation_link_followup(actor=org.rep_pd1, quotation_id=q.pk, followup_id=None)
    q.refresh_from_db()
    assert q.followup_id is None


MOVES = {"draft": {"send": "sent"}, "sent": {"accept": "accepted", "reject": "rejected", "expire": "expired"},
         "accepted": {}, "rejected": {}, "expired": {}}


def test_quotation_state_machine(org, book):
    today = timezone.localdate()

    class Quotes(RuleBasedStateMachine):
        @initialize()
        def start(self):
            Quotation.objects.all().delete()
            self.model: dict[int, str] = {}
            self.until: dict[int, datetime.date] = {}

        @rule(days=st.integers(0, 3))
        def create(self, days):
            q = new_quote(org.rep_pd1, book.pd1, book.product, until=today + datetime.timedelta(days=days))
            self.model[q.pk] = "draft"
            self.until[q.pk] = q.valid_until

        @rule(data=st.data(), action=st.sampled_from(["send", "accept", "reject", "edit"]))
        def act(self, data, action):
            if not self.model:
                return
            pk = data.draw(st.sampled_from(sorted(self.model)))
            status = self.model[pk]
            fn = {"send": services.quotation_send, "accept": services.quotation_accept,
                  "reject": services.quotation_reject}.get(action)
            legal = action in MOVES[status] or (action == "edit" and status == "draft")
            try:
                if fn:
                    fn(actor=org.rep_pd1, quotation_id=pk)
                else:
                    services.quotation_update(actor=org.rep_pd1, quotation_id=pk, data={"terms": "改"})
            except ApplicationError as e:
                assert not legal and e.code == "illegal_transition"
            else:
                assert legal
                if fn:
                    self.model[pk] = MOVES[status][action]

        @rule(days=st.integers(0, 5))
        def daily(self, days):
            day = today + datetime.timedelta(days=days)
            services.quotations_expire(today=day)
            for pk, s in self.model.items():
                if s == "sent" and self.until[pk] < day:
                    self.model[pk] = "expired"

        @invariant()
        def matches(self):
            assert dict(Quotation.objects.values_list("pk", "status")) == self.model

    Quotes.TestCase.settings = hsettings(max_examples=25, stateful_step_count=15, deadline=None)
    Quotes.TestCase().runTest()
