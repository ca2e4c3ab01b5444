"""Tender services: numbers, input checks, lines, the floor-price approval, winning and losing,
renewal, shares, 404 / 403."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.tenders import services
from pharmcrm.tenders.models import TenderEvent, TenderLine, TenderPriceException, TenderStatus
from tests.tenders.conftest import GD, advance, new_tender

pytestmark = pytest.mark.django_db


def test_create_numbers_and_defaults(org, tb):
    t1 = new_tender(tb.weilin)
    t2 = new_tender(org.rep_pd1, customer_id=tb.hospital.pk, type="hospital")
    year = timezone.localdate().year
    assert t1.number == f"ZB-{year}-0001" and t2.number == f"ZB-{year}-0002"
    assert t1.status == TenderStatus.TRACKING and t1.owner == tb.weilin
    assert TenderEvent.objects.filter(tender=t1, kind="created").exists()
    assert AuditEvent.objects.filter(action="tender_create", target_id=t2.pk, customer_id=tb.hospital.pk).exists()


@pytest.mark.parametrize("data, field", [
    ({"name": ""}, "name"),
    ({"province": "310100"}, "province"),  # a city, not a province
    ({"province": "999999"}, "province"),
    ({"type": "nope"}, "type"),
    ({"bond_amount": "10.123"}, "bond_amount"),  # too many decimals: an error, not rounded
    ({"bond_amount": "-1"}, "bond_amount"),
    ({"registration_deadline": "not a date"}, "registration_deadline"),
    ({"bond_paid_on": "2026-02-01", "bond_refunded_on": "2026-01-01"}, "bond_refunded_on"),
    ({"unknown": 1}, "unknown"),
])
def test_create_refuses_bad_input(org, tb, data, field):
    with pytest.raises(ApplicationError) as exc:
        services.tender_create(actor=tb.weilin, data={"name": "项目", "province": "310000", **data})
    assert field in exc.value.fields


def test_customer_must_be_visible_and_owner_in_scope(org, tb):
    with pytest.raises(ApplicationError) as exc:
        new_tender(org.rep_pd2, customer_id=tb.hospital.pk)
    assert "customer_id" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        new_tender(org.rep_pd1, owner_id=org.rep_pd2.pk)  # a peer is not my team
    assert "owner_id" in exc.value.fields
    t = new_tender(org.pd_head, owner_id=org.rep_pd2.pk)  # a head assigns to the team
    assert t.owner == org.rep_pd2
    assert new_tender(tb.weilin, owner_id=org.rep_gz.pk).owner == org.rep_gz  # specialists: anyone


def test_lines_decimals_and_ceiling(org, tb):
    t = new_tender(tb.weilin)
    line = services.tender_line_add(actor=tb.weilin, tender_id=t.pk, data={
        "product_id": tb.p1.pk, "quantity": "1000", "ceiling_price": "15.5", "bid_price": "12.3456"})
    assert line.bid_price == Decimal("12.3456")
    with pytest.raises(ApplicationError) as exc:
        services.tender_line_update(actor=tb.weilin, line_id=line.pk, data={"bid_price": "12.34567"})
    assert "bid_price" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        services.tender_line_update(actor=tb.weilin, line_id=line.pk, data={"bid_price": "16"})
    assert "bid_price" in exc.value.fields  # above the ceiling
    with pytest.raises(ApplicationError) as exc:
        services.tender_line_add(actor=tb.weilin, tender_id=t.pk, data={"product_id": tb.p1.pk})
    assert "product_id" in exc.value.fields  # twice the same product
    cp = services.competitor_price_add(actor=tb.weilin, line_id=line.pk, competitor="齐鲁制药", price="11.8")
    assert cp.price == Decimal("11.8")
    with pytest.raises(ApplicationError):
        services.competitor_price_add(actor=tb.weilin, line_id=line.pk, competitor="", price="x")


def _ready(actor, tender, product, bid):
    services.tender_line_add(actor=actor, tender_id=tender.pk, data={"product_id": product.pk, "bid_price": bid,
                                                                      "quantity": "100"})
    return advance(actor, tender, "register", "prepare")


def test_floor_price_needs_a_heads_approval(org, tb):
    t = _ready(org.rep_pd1, new_tender(org.rep_pd1), tb.p1, "9.5")  # floor 10
    line = t.lines.get()
    with pytest.raises(ApplicationError) as exc:
        services.tender_submit(actor=org.rep_pd1, tender_id=t.pk)
    assert exc.value.code == "floor_price"
    exc_row = services.price_exception_request(actor=org.rep_pd1, line_id=line.pk, reason="集采必须低价中标")
    with pytest.raises(ApplicationError):  # one pending at a time
        services.price_exception_request(actor=org.rep_pd1, line_id=line.pk, reason="again")
    # a peer, the rep themselves and a head of another branch may not decide
    for who in (org.rep_pd1, org.rep_pd2):
        with pytest.raises((PermissionDenied, NotFound)):
            services.price_exception_decide(actor=who, exception_id=exc_row.pk, approve=True)
    with pytest.raises(NotFound):
        services.price_exception_decide(actor=org.south_head, exception_id=exc_row.pk, approve=True)
    services.price_exception_decide(actor=org.sh_head, exception_id=exc_row.pk, approve=True, note="同意")
    t = services.tender_submit(actor=org.rep_pd1, tender_id=t.pk)
    assert t.status == TenderStatus.SUBMITTED
    assert TenderPriceException.objects.get().state == "approved"


def test_approval_holds_for_that_price_only(org, tb):
    t = _ready(org.rep_pd1, new_tender(org.rep_pd1), tb.p1, "9.5")
    line = t.lines.get()
    e = services.price_exception_request(actor=org.rep_pd1, line_id=line.pk, reason="低价")
    services.price_exception_decide(actor=org.pd_head, exception_id=e.pk, approve=True)
    services.tender_line_update(actor=org.rep_pd1, line_id=line.pk, data={"bid_price": "9"})
    with pytest.raises(ApplicationError) as exc:
        services.tender_submit(actor=org.rep_pd1, tender_id=t.pk)
    assert exc.value.code == "floor_price"
    services.tender_line_update(actor=org.rep_pd1, line_id=line.pk, data={"bid_price": "10"})  # at the floor
    assert services.tender_submit(actor=org.rep_pd1, tender_id=t.pk).status == "submitted"


def test_refused_exception_blocks_and_not_needed_refused(org, tb):
    t = _ready(org.rep_pd1, new_tender(org.rep_pd1), tb.p2, "6")  # floor 5: fine
    with pytest.raises(ApplicationError) as exc:
        services.price_exception_request(actor=org.rep_pd1, line_id=t.lines.get().pk, reason="x")
    assert exc.value.code == "not_needed"
    t2 = _ready(org.rep_pd1, new_tender(org.rep_pd1), tb.p2, "4")
    e = services.price_exception_request(actor=org.rep_pd1, line_id=t2.lines.get().pk, reason="x")
    services.price_exception_decide(actor=org.admin, exception_id=e.pk, approve=False)
    with pytest.raises(ApplicationError):
        services.tender_submit(actor=org.rep_pd1, tender_id=t2.pk)


def test_win_needs_winning_price_and_lose_needs_reason(org, tb):
    t = _ready(tb.weilin, new_tender(tb.weilin), tb.p2, "6")
    t = services.tender_submit(actor=tb.weilin, tender_id=t.pk)
    line = t.lines.get()
    with pytest.raises(ApplicationError) as exc:
        services.tender_win(actor=tb.weilin, tender_id=t.pk)
    assert "winning_prices" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        services.tender_lose(actor=tb.weilin, tender_id=t.pk, reason=" ")
    assert "reason" in exc.value.fields
    t = services.tender_win(actor=tb.weilin, tender_id=t.pk, winning_prices={line.pk: "5.8"})
    line.refresh_from_db()
    assert t.status == "won" and line.won is True and line.winning_price == Decimal("5.8")
    assert t.result_on == timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        services.tender_win(actor=tb.weilin, tender_id=t.pk, winning_prices={line.pk: "5.8"})
    assert exc.value.code == "illegal_transition"
    ev = TenderEvent.objects.filter(tender=t, kind="transition").last()
    assert (ev.from_status, ev.to_status, ev.actor) == ("submitted", "won", tb.weilin)


def test_lines_fixed_after_submission(org, tb):
    t = _ready(tb.weilin, new_tender(tb.weilin), tb.p2, "6")
    t = services.tender_submit(actor=tb.weilin, tender_id=t.pk)
    line = t.lines.get()
    with pytest.raises(ApplicationError):
        services.tender_line_update(actor=tb.weilin, line_id=line.pk, data={"bid_price": "7"})
    services.tender_line_update(actor=tb.weilin, line_id=line.pk, data={"winning_price": "5.5", "won": False})
    line.refresh_from_db()
    assert line.won is False and line.winning_price == Decimal("5.5")


def test_renewal_and_expiry(org, tb):
    t = _ready(tb.weilin, new_tender(tb.weilin, customer_id=tb.hospital.pk), tb.p2, "6")
    t = services.tender_submit(actor=tb.weilin, tender_id=t.pk)
    t = services.tender_win(actor=tb.weilin, tender_id=t.pk, winning_prices={t.lines.get().pk: "6"})
    with pytest.raises(ApplicationError):
        services.tender_renew(actor=tb.weilin, tender_id=t.pk)  # won, not executing yet
    t = services.tender_execute(actor=tb.weilin, tender_id=t.pk)
    new = services.tender_renew(actor=tb.weilin, tender_id=t.pk)
    assert new.status == "tracking" and new.renewal_of == t and new.customer == tb.hospital
    assert list(new.lines.values_list("product_id", flat=True)) == [tb.p2.pk]
    assert TenderLine.objects.get(tender=new).bid_price is None
    with pytest.raises(ApplicationError):
        services.tender_renew(actor=tb.weilin, tender_id=t.pk)  # once
    assert services.tender_expire(actor=tb.weilin, tender_id=t.pk).status == "expired"


def test_cancel_from_open_states_only(org, tb):
    t = new_tender(tb.weilin)
    t = services.tender_cancel(actor=tb.weilin, tender_id=t.pk, note="项目取消")
    assert t.status == "cancelled" and t.outcome_note == "项目取消"
    with pytest.raises(ApplicationError):
        services.tender_cancel(actor=tb.weilin, tender_id=t.pk)


def test_rights_404_and_403(org, tb):
    free = new_tender(org.rep_pd1)  # no customer
    tied = new_tender(org.rep_pd1, customer_id=tb.hospital.pk)
    for t in (free, tied):
        for who in (org.rep_pd2, org.rep_gz, org.south_head, org.finance):
            with pytest.raises(NotFound):
                services.tender_register(actor=who, tender_id=t.pk)
        services.tender_update(actor=org.sh_head, tender_id=t.pk, data={"notes": "head"})
        services.tender_update(actor=tb.weilin, tender_id=t.pk, data={"notes": "specialist"})
    services.tender_share_add(actor=org.rep_pd1, tender_id=free.pk, user_id=org.rep_px.pk, access="read")
    with pytest.raises(PermissionDenied):
        services.tender_update(actor=org.rep_px, tender_id=free.pk, data={"notes": "x"})
    share = services.tender_share_add(actor=org.rep_pd1, tender_id=free.pk, user_id=org.rep_gz.pk, access="write")
    services.tender_update(actor=org.rep_gz, tender_id=free.pk, data={"notes": "write share"})
    with pytest.raises(PermissionDenied):  # a write share does not re-share
        services.tender_share_add(actor=org.rep_gz, tender_id=free.pk, user_id=org.rep_pd2.pk)
    with pytest.raises(ApplicationError):  # tied tenders follow the customer's shares
        services.tender_share_add(actor=org.rep_pd1, tender_id=tied.pk, user_id=org.rep_px.pk)
    services.tender_share_remove(actor=org.rep_pd1, share_id=share.pk)
    with pytest.raises(NotFound):
        services.tender_update(actor=org.rep_gz, tender_id=free.pk, data={"notes": "gone"})
    with pytest.raises(NotFound):
        services.tender_register(actor=org.rep_pd1, tender_id=2**62)


def test_deadlines_accept_local_strings(org, tb):
    t = new_tender(tb.weilin, bid_opening_at="2026-12-01T09:30", registration_deadline="2026-11-20")
    assert timezone.localtime(t.bid_opening_at).strftime("%Y-%m-%d %H:%M") == "2026-12-01 09:30"
    assert timezone.localtime(t.registration_deadline).time() == datetime.time(9)
    assert new_tender(tb.weilin, province=GD).province == GD
