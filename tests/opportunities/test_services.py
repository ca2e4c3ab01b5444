"""Opportunities: the seeded stages and their probabilities, moves (history, lost needs a reason,
a repeated move applies once), rights (peers 404, read-only shares 403, heads write), bad input
refused with nothing written, and won → order draft through sales.services.order_create."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.opportunities import selectors, services
from pharmcrm.opportunities.models import Opportunity, OpportunityLine, Stage, StageChange
from pharmcrm.sales.models import SalesOrder
from tests.factories import make_share
from tests.opportunities.helpers import new_opp, stage

pytestmark = pytest.mark.django_db


def lines(book, qty="100", amount="1250.00"):
    return [{"product_id": book.product.pk, "quantity": qty, "amount": amount}]


def test_seeded_stages_and_probabilities(db):
    rows = [(s.name, s.probability, s.kind) for s in Stage.objects.order_by("order")]
    assert rows == [("初步接洽", 10, "open"), ("需求确认", 30, "open"), ("方案报价", 50, "open"),
                    ("商务谈判", 70, "open"), ("赢单", 100, "won"), ("输单", 0, "lost")]


def test_create_defaults_first_stage_and_its_probability(org, book):
    opp = new_opp(org.rep_pd1, book.pd1, lines=lines(book) + [
        {"product_id": book.product2.pk, "quantity": "10", "amount": "80.5"}])
    assert opp.stage.name == "初步接洽" and opp.probability == 10
    assert opp.expected_amount == Decimal("1330.50")
    assert opp.owner == org.rep_pd1 and opp.created_by == org.rep_pd1
    assert [(c.from_stage_id, c.to_stage.name) for c in opp.stage_changes.all()] == [(None, "初步接洽")]


def test_probability_follows_stage_on_every_move_and_history_is_kept(org, book):
    opp = new_opp(org.rep_pd1, book.pd1, lines=lines(book))
    services.opportunity_update(actor=org.rep_pd1, opportunity_id=opp.pk, data={"probability": 25})
    for name, p in (("需求确认", 30), ("商务谈判", 70), ("方案报价", 50), ("赢单", 100)):
        opp = services.opportunity_move(actor=org.pd_head, opportunity_id=opp.pk, stage_id=stage(name).pk)
        assert opp.probability == p
    assert opp.closed_at is not None
    hist = selectors.stage_history(opp)
    assert [(h.from_stage.name if h.from_stage else None, h.to_stage.name) for h in hist] == [
        (None, "初步接洽"), ("初步接洽", "需求确认"), ("需求确认", "商务谈判"), ("商务谈判", "方案报价"),
        ("方案报价", "赢单")]
    assert hist[-1].actor == org.pd_head


def test_repeated_move_applies_once(org, book):
    opp = new_opp(org.rep_pd1, book.pd1)
    target = stage("需求确认").pk
    services.opportunity_move(actor=org.rep_pd1, opportunity_id=opp.pk, stage_id=target)
    services.opportunity_move(actor=org.rep_pd1, opportunity_id=opp.pk, stage_id=target)
    assert StageChange.objects.filter(opportunity=opp).count() == 2


def test_lost_needs_a_reason_and_may_name_a_competitor(org, book):
    opp = new_opp(org.rep_pd1, book.pd1)
    with pytest.raises(ApplicationError) as e:
        services.opportunity_move(actor=org.rep_pd1, opportunity_id=opp.pk, stage_id=stage("输单").pk)
    assert "loss_reason" in e.value.fields
    opp.refresh_from_db()
    assert opp.stage.name == "初步接洽" and StageChange.objects.filter(opportunity=opp).count() == 1
    opp = services.opportunity_move(actor=org.rep_pd1, opportunity_id=opp.pk, stage_id=stage("输单").pk,
                                    loss_reason="价格高于竞品", competitor="辉瑞")
    assert (opp.probability, opp.loss_reason, opp.competitor) == (0, "价格高于竞品", "辉瑞")
    opp = services.opportunity_move(actor=org.rep_pd1, opportunity_id=opp.pk, stage_id=stage("商务谈判").pk)
    assert (opp.loss_reason, opp.competitor, opp.closed_at) == ("", "", None)


def test_inactive_stage_refused(org, book, ):
    s = stage("需求确认")
    services.stage_update(actor=org.admin, stage_id=s.pk, data={"active": False})
    opp = new_opp(org.rep_pd1, book.pd1)
    with pytest.raises(ApplicationError):
        services.opportunity_move(actor=org.rep_pd1, opportunity_id=opp.pk, stage_id=s.pk)


def test_visibility_follows_the_customer(org, book):
    opp = new_opp(org.rep_pd1, book.pd1)
    for user in (org.rep_pd2, org.rep_px, org.rep_gz, org.south_head, org.finance):
        with pytest.raises(NotFound):
            selectors.opportunity_get(actor=user, opportunity_id=opp.pk)
        with pytest.raises(NotFound):
            services.opportunity_move(actor=user, opportunity_id=opp.pk, stage_id=stage("赢单").pk)
        with pytest.raises(NotFound):
            services.opportunity_update(actor=user, opportunity_id=opp.pk, data={"name": "x"})
        assert not selectors.opportunity_list(actor=user).exists()
    for user in (org.rep_pd1, org.pd_head, org.sh_head, org.east_head, org.ceo, org.admin):
        assert selectors.opportunity_get(actor=user, opportunity_id=opp.pk) == opp
    services.opportunity_move(actor=org.sh_head, opportunity_id=opp.pk, stage_id=stage("需求确认").pk)


def test_read_only_share_sees_but_cannot_write(org, book):
    opp = new_opp(org.rep_pd1, book.pd1)
    make_share(book.pd1, user=org.rep_gz, access="read")
    assert selectors.opportunity_get(actor=org.rep_gz, opportunity_id=opp.pk) == opp
    with pytest.raises(PermissionDenied):
        services.opportunity_move(actor=org.rep_gz, opportunity_id=opp.pk, stage_id=stage("需求确认").pk)
    with pytest.raises(PermissionDenied):
        new_opp(org.rep_gz, book.pd1)


def test_owner_must_see_the_customer(org, book):
    with pytest.raises(ApplicationError) as e:
        new_opp(org.rep_pd1, book.pd1, owner_id=org.rep_gz.pk)
    assert "owner_id" in e.value.fields
    opp = new_opp(org.pd_head, book.pd1, owner_id=org.rep_pd1.pk)
    assert opp.owner == org.rep_pd1


@pytest.mark.parametrize("bad, field", [
    ({"lines": [{"product_id": 999999, "quantity": "1", "amount": "1"}]}, "lines.0.product_id"),
    ({"lines": [{"product_id": "PRODUCT", "quantity": "-1", "amount": "1"}]}, "lines.0.quantity"),
    ({"lines": [{"product_id": "PRODUCT", "quantity": "1.0001", "amount": "1"}]}, "lines.0.quantity"),
    ({"lines": [{"product_id": "PRODUCT", "quantity": "1", "amount": "1.001"}]}, "lines.0.amount"),
    ({"lines": [{"product_id": "PRODUCT", "quantity": "1", "amount": "-5"}]}, "lines.0.amount"),
    ({"expected_amount": "12.345"}, "expected_amount"),
    ({"probability": 101}, "probability"),
    ({"expected_close_date": "2026-13-40"}, "expected_close_date"),
    ({"name": ""}, "name"),
    ({"stage_id": 999999}, "stage_id"),
])
def test_bad_input_is_refused_and_nothing_written(org, book, bad, field):
    if "lines" in bad:
        for ln in bad["lines"]:
            if ln["product_id"] == "PRODUCT":
                ln["product_id"] = book.product.pk
    data = {"customer_id": book.pd1.pk, "name": "进院", **bad}
    before = (Opportunity.objects.count(), OpportunityLine.objects.count(), StageChange.objects.count())
    with pytest.raises(ApplicationError) as e:
        services.opportunity_create(actor=org.rep_pd1, data=data)
    assert field in e.value.fields
    assert (Opportunity.objects.count(), OpportunityLine.objects.count(), StageChange.objects.count()) == before


def test_won_opportunity_becomes_an_order_draft_once(org, book):
    opp = new_opp(org.rep_pd1, book.pd1, lines=lines(book, qty="100") + [
        {"product_id": book.product2.pk, "quantity": "5", "amount": "40"}])
    with pytest.raises(ApplicationError) as e:
        services.opportunity_create_order(actor=org.rep_pd1, opportunity_id=opp.pk)
    assert e.value.code == "illegal_transition" and not SalesOrder.objects.exists()
    services.opportunity_move(actor=org.rep_pd1, opportunity_id=opp.pk, stage_id=stage("赢单").pk)
    opp = services.opportunity_create_order(actor=org.rep_pd1, opportunity_id=opp.pk)
    order = opp.order
    assert order.status == "draft" and order.customer == book.pd1 and order.created_by == org.rep_pd1
    assert [(ln.product_id, ln.quantity, ln.unit_price) for ln in order.lines.order_by("position")] == [
        (book.product.pk, Decimal("100.000"), Decimal("12.5000")),
        (book.product2.pk, Decimal("5.000"), Decimal("8.0000"))]
    assert order.shipping_address.is_default and order.terminal_type == "public_hospital"
    with pytest.raises(ApplicationError):
        services.opportunity_create_order(actor=org.rep_pd1, opportunity_id=opp.pk)
    assert SalesOrder.objects.count() == 1
    with pytest.raises(ApplicationError):  # stays won once an order exists
        services.opportunity_move(actor=org.rep_pd1, opportunity_id=opp.pk, stage_id=stage("商务谈判").pk)


def test_order_draft_needs_a_price_and_an_address(org, book):
    opp = new_opp(org.rep_pd1, book.pd1, lines=[{"product_id": book.nolist.pk, "quantity": "1", "amount": "1"}],
                  stage_id=stage("赢单").pk)
    with pytest.raises(ApplicationError) as e:
        services.opportunity_create_order(actor=org.rep_pd1, opportunity_id=opp.pk)
    assert "lines.0.unit_price" in e.value.fields
    opp2 = new_opp(org.rep_px, book.px, lines=lines(book), stage_id=stage("赢单").pk)
    with pytest.raises(ApplicationError) as e:
        services.opportunity_create_order(actor=org.rep_px, opportunity_id=opp2.pk)
    assert "shipping_address_id" in e.value.fields
    assert not SalesOrder.objects.exists()
    assert Opportunity.objects.filter(order__isnull=False).count() == 0


def test_stage_admin(org, book):
    with pytest.raises(PermissionDenied):
        services.stage_create(actor=org.ceo, data={"name": "招标中", "probability": 60})
    s = services.stage_create(actor=org.admin, data={"name": "招标中", "probability": 60})
    assert s.kind == "open" and s.order > stage("输单").order
    opp = new_opp(org.rep_pd1, book.pd1, stage_id=s.pk)
    assert opp.probability == 60
    with pytest.raises(ApplicationError):
        services.stage_update(actor=org.admin, stage_id=s.pk, data={"kind": "won"})
    with pytest.raises(ApplicationError):
        services.stage_create(actor=org.admin, data={"name": "招标中", "probability": 60})
    with pytest.raises(ApplicationError):
        services.stage_create(actor=org.admin, data={"name": "x", "probability": 101})
