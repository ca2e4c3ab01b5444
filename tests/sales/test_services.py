"""Orders through the services: amounts, bad input, transitions, review, price exceptions,
listeners and notifications."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from pharmcrm.catalog.models import ProductStatus
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.inventory.models import Batch
from pharmcrm.notifications.models import Notification
from pharmcrm.sales import review, services
from pharmcrm.sales.models import CustomerTerms, OrderEvent, PriceException, SalesOrder, SalesOrderLine
from tests.inventory.helpers import make_product
from tests.sales.conftest import address, new_order, price

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def _fingerprint():
    return (SalesOrder.objects.count(), SalesOrderLine.objects.count(), OrderEvent.objects.count(),
            AuditEvent.objects.filter(action__startswith="order_").count())


def test_amount_rounding_and_defaults(org, book):
    o = new_order(org.rep_pd1, book.pd1, lines=[
        {"product_id": book.product.pk, "quantity": "3"},  # 12.50 from the price list
        {"product_id": book.product.pk, "quantity": "0.333", "unit_price": "10.0050"},  # 3.3316665 -> 3.33
        {"product_id": book.product.pk, "quantity": "1", "unit_price": "0.0050"},  # 0.005 -> 0.01 (half up)
    ])
    lines = list(o.lines.all())
    assert [ln.unit_price for ln in lines] == [Decimal("12.5000"), Decimal("10.0050"), Decimal("0.0050")]
    assert [ln.amount for ln in lines] == [Decimal("37.50"), Decimal("3.33"), Decimal("0.01")]
    assert o.amount_total == Decimal("40.84")
    assert lines[0].tax_rate == Decimal("13.00")
    assert lines[0].tax == Decimal("4.31")  # 37.50 - 37.50/1.13 = 4.314...
    assert o.tax_total == sum(ln.tax for ln in lines)
    assert o.number.startswith(f"XS-{timezone.localtime().year}-")
    o2 = new_order(org.rep_pd1, book.pd1)
    assert int(o2.number[-6:]) == int(o.number[-6:]) + 1
    assert o.status == "draft"
    assert AuditEvent.objects.filter(action="order_create", target_id=o.pk).exists()


@pytest.mark.parametrize("line, field, fragment", [
    ({"quantity": "0"}, "quantity", "greater than zero"),
    ({"quantity": "-1"}, "quantity", "greater than zero"),
    ({"quantity": "1.0005"}, "quantity", "3 decimal"),
    ({"quantity": "abc"}, "quantity", "number"),
    ({"quantity": "1", "unit_price": "12.34567"}, "unit_price", "4 decimal"),
    ({"quantity": "1", "unit_price": "-0.01"}, "unit_price", "negative"),
    ({"quantity": "1", "unit_price": "NaN"}, "unit_price", "number"),
    ({"quantity": "1", "product_id": 999999}, "product_id", "catalogue"),
    ({"quantity": "1", "product_id": "x"}, "product_id", "catalogue"),
])
def test_bad_lines_change_nothing(org, book, line, field, fragment):
    before = _fingerprint()
    with pytest.raises(ApplicationError) as e:
        new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, **line}])
    assert f"lines.0.{field}" in e.value.fields
    assert fragment in e.value.fields[f"lines.0.{field}"][0]
    assert _fingerprint() == before


def test_five_decimals_never_rounded_even_when_trailing(org, book):
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "1",
                                                 "unit_price": "12.34500"}])  # 4 significant places
    assert o.lines.get().unit_price == Decimal("12.3450")


def test_inactive_product_no_lines_other_customers_address(org, book):
    old = make_product("停售药", status=ProductStatus.DISCONTINUED)
    before = _fingerprint()
    with pytest.raises(ApplicationError) as e:
        new_order(org.rep_pd1, book.pd1, lines=[{"product_id": old.pk, "quantity": "1", "unit_price": "1"}])
    assert "discontinued" in e.value.fields["lines.0.product_id"][0]
    with pytest.raises(ApplicationError) as e:
        new_order(org.rep_pd1, book.pd1, lines=[])
    assert "lines" in e.value.fields
    other = book.pd2.shipping_addresses.get()
    with pytest.raises(ApplicationError) as e:
        new_order(org.rep_pd1, book.pd1, address=other)
    assert "shipping_address_id" in e.value.fields
    no_price = make_product("无价药")
    with pytest.raises(ApplicationError) as e:
        new_order(org.rep_pd1, book.pd1, lines=[{"product_id": no_price.pk, "quantity": "1"}])
    assert "unit price" in e.value.fields["lines.0.unit_price"][0]
    with pytest.raises(ApplicationError) as e:
        new_order(org.rep_pd1, book.pd1, terminal_type="moon")
    assert "terminal_type" in e.value.fields
    with pytest.raises(ApplicationError) as e:
        new_order(org.rep_pd1, book.pd1, bogus=1)
    assert e.value.code == "unknown_field"
    assert _fingerprint() == before


def test_create_rights(org, book):
    with pytest.raises(NotFound):
        new_order(org.rep_pd2, book.pd1)  # a peer
    with pytest.raises(NotFound):
        new_order(org.finance, book.pd1)  # finance does not see customers
    assert new_order(org.pd_head, book.pd1).customer_id == book.pd1.pk  # head above
    from tests.factories import make_share

    make_share(book.pd1, user=org.rep_px, access="read")
    with pytest.raises(PermissionDenied):
        new_order(org.rep_px, book.pd1)


def test_update_replaces_lines_only_in_draft(org, book):
    o = new_order(org.rep_pd1, book.pd1)
    services.order_update(actor=org.rep_pd1, order_id=o.pk, data={
        "lines": [{"product_id": book.product.pk, "quantity": "2", "unit_price": "11"}], "notes": "加急"})
    o.refresh_from_db()
    assert o.amount_total == Decimal("22.00") and o.notes == "加急" and o.lines.count() == 1
    assert AuditEvent.objects.filter(action="order_update", target_id=o.pk).exists()
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    with pytest.raises(ApplicationError) as e:
        services.order_update(actor=org.rep_pd1, order_id=o.pk, data={"notes": "x"})
    assert e.value.code == "illegal_transition"


def _through_approval(org, book, **kw):
    o = new_order(org.rep_pd1, book.pd1, **kw)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    return services.order_approve(actor=org.finance, order_id=o.pk)


def test_full_flow_with_outbound(org, book, stocked):
    o = _through_approval(org, book, lines=[{"product_id": book.product.pk, "quantity": "40"}])
    assert o.status == "approved" and o.approved_by == org.finance
    proposal = __import__("pharmcrm.inventory.services", fromlist=["x"]).propose_allocation(
        product_id=book.product.pk, quantity=Decimal(40), min_expiry=services.min_expiry_for(o))
    assert [a.batch.batch_no for a in proposal] == ["B2401", "B2402"]
    o = services.order_outbound(actor=book.keeper, order_id=o.pk)
    assert o.status == "outbound"
    allocs = list(o.lines.get().allocations.order_by("expiry_date"))
    assert [(a.batch_no, a.quantity) for a in allocs] == [("B2401", Decimal("30.000")), ("B2402", Decimal("10.000"))]
    assert Batch.objects.get(pk=stocked.b1.pk).on_hand == 0
    with pytest.raises(ApplicationError) as e:
        services.order_ship(actor=book.keeper, order_id=o.pk, carrier="", tracking_no="")
    assert set(e.value.fields) == {"carrier", "tracking_no"}
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ApplicationError):
        services.order_ship(actor=book.keeper, order_id=o.pk, carrier="顺丰", tracking_no="SF1", shipped_on=tomorrow)
    o = services.order_ship(actor=book.keeper, order_id=o.pk, carrier="顺丰速运", tracking_no="SF123")
    assert o.status == "shipped" and o.shipped_on == timezone.localdate()
    o = services.order_receive(actor=org.rep_pd1, order_id=o.pk)
    assert o.status == "received"
    kinds = list(o.events.values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "approved", "outbound", "shipped", "received"]


def test_outbound_respects_min_shelf_life_and_stock(org, book, stocked):
    CustomerTerms.objects.create(customer=book.pd1, min_shelf_life_days=500)
    o = _through_approval(org, book, lines=[{"product_id": book.product.pk, "quantity": "101"}])
    before = {b.pk: b.on_hand for b in Batch.objects.all()}
    with pytest.raises(ApplicationError) as e:
        services.order_outbound(actor=book.keeper, order_id=o.pk)  # only B2402 (700 days) qualifies: 100
    assert e.value.code == "insufficient_stock"
    assert {b.pk: b.on_hand for b in Batch.objects.all()} == before
    o.refresh_from_db()
    assert o.status == "approved"
    # a chosen batch outside the shelf-life rule is refused
    services.order_cancel(actor=org.finance, order_id=o.pk, reason="数量错误")
    o = _through_approval(org, book, lines=[{"product_id": book.product.pk, "quantity": "5"}])
    line = o.lines.get()
    with pytest.raises(ApplicationError):
        services.order_outbound(actor=book.keeper, order_id=o.pk, chosen={line.pk: [(stocked.b1.pk, Decimal(5))]})
    o = services.order_outbound(actor=book.keeper, order_id=o.pk, chosen={line.pk: [(stocked.b2.pk, Decimal(5))]})
    assert o.lines.get().allocations.get().batch_no == "B2402"


def test_reject_needs_reason_and_returns_to_draft(org, book):
    o = new_order(org.rep_pd1, book.pd1)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    with pytest.raises(ApplicationError) as e:
        services.order_reject(actor=org.finance, order_id=o.pk, reason="  ")
    assert "reason" in e.value.fields
    o = services.order_reject(actor=org.finance, order_id=o.pk, reason="价格需要重新确认")
    assert o.status == "draft" and o.reject_reason == "价格需要重新确认"
    assert o.events.last().note == "价格需要重新确认"


def test_review_checks_each(org, book):
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "100"}])  # 1250
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    checks = {c.key: c for c in review.run_checks(o)}
    assert all(c.passed for c in checks.values()), checks
    assert {k for k, c in checks.items() if c.hard} == {"credit", "overdue", "qualifications", "floor_price"}
    # credit limit: outstanding of earlier approved orders + this one
    earlier = _through_approval(org, book, lines=[{"product_id": book.product.pk, "quantity": "40"}])  # 500
    services.terms_update(actor=org.finance, customer_id=book.pd1.pk, data={"credit_limit": "1700"})
    assert not review.check_credit(o, services.terms_of(book.pd1.pk)).passed
    SalesOrder.objects.filter(pk=earlier.pk).update(paid_total=Decimal("100"))
    assert review.check_credit(o, services.terms_of(book.pd1.pk)).passed
    # overdue
    SalesOrder.objects.filter(pk=earlier.pk).update(approved_at=timezone.now() - datetime.timedelta(days=91))
    c = review.check_overdue(o, services.terms_of(book.pd1.pk))
    assert not c.passed and earlier.number in c.message
    SalesOrder.objects.filter(pk=earlier.pk).update(paid_total=F_total())
    assert review.check_overdue(o, services.terms_of(book.pd1.pk)).passed
    # qualifications: a customer without documents fails
    from tests.factories import make_customer

    bare = make_customer(org.rep_pd1, "无资质医院", type="hospital", region_code="310115")
    address(bare)
    bare._test_product = book.product
    o2 = new_order(org.rep_pd1, bare)
    services.order_submit(actor=org.rep_pd1, order_id=o2.pk)
    assert not review.check_qualifications(o2).passed
    with pytest.raises(ApplicationError) as e:
        services.order_approve(actor=org.finance, order_id=o2.pk, override_reason="老客户")
    assert e.value.code == "review_failed"
    # soft: shipping region
    sz = address(book.pd1, region="440304", default=False)
    o3 = new_order(org.rep_pd1, book.pd1, address=sz)
    services.order_submit(actor=org.rep_pd1, order_id=o3.pk)
    assert not review.check_region(o3).passed
    with pytest.raises(ApplicationError) as e:
        services.order_approve(actor=org.finance, order_id=o3.pk)
    assert e.value.code == "override_required"
    o3 = services.order_approve(actor=org.finance, order_id=o3.pk, override_reason="客户深圳仓收货")
    assert o3.status == "approved" and o3.override_reason == "客户深圳仓收货"


def F_total():
    from django.db.models import F

    return F("amount_total")


def test_large_order_soft_check(org, book):
    for _ in range(3):
        _through_approval(org, book, lines=[{"product_id": book.product.pk, "quantity": "10"}])  # 125 each
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "31"}])  # 387.50
    c = review.check_large(o)
    assert not c.passed and not c.hard
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "30"}])  # 375 = 3x
    assert review.check_large(o).passed


def test_floor_price_and_exception_flow(org, book, django_capture_on_commit_callbacks):
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "10",
                                                 "unit_price": "9.5"}])
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    line = o.lines.get()
    assert line.floor_price == Decimal("10.0000")
    assert not review.check_floor(o).passed
    with pytest.raises(ApplicationError) as e:
        services.order_approve(actor=org.finance, order_id=o.pk, override_reason="领导同意")
    assert e.value.code == "review_failed"
    with django_capture_on_commit_callbacks(execute=True):
        exc = services.price_exception_request(actor=org.rep_pd1, order_id=o.pk, line_id=line.pk, reason="竞品低价")
    with pytest.raises(ApplicationError):
        services.price_exception_request(actor=org.rep_pd1, order_id=o.pk, line_id=line.pk, reason="再次")
    # the heads above the owner's department were told, after commit (here: at once)
    told = set(Notification.objects.filter(kind="order_price_exception").values_list("recipient_id", flat=True))
    assert told == {org.pd_head.pk, org.sh_head.pk, org.east_head.pk, org.ceo.pk}
    with pytest.raises(NotFound):
        services.price_exception_decide(actor=org.south_head, exception_id=exc.pk, approve=True)  # cannot see
    with pytest.raises(PermissionDenied):
        services.price_exception_decide(actor=org.finance, exception_id=exc.pk, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.price_exception_decide(actor=org.pd_head, exception_id=exc.pk, approve=False, note="太低")
    assert not review.check_floor(o).passed
    exc2 = services.price_exception_request(actor=org.rep_pd1, order_id=o.pk, line_id=line.pk, reason="竞品更低")
    with django_capture_on_commit_callbacks(execute=True):
        services.price_exception_decide(actor=org.sh_head, exception_id=exc2.pk, approve=True)
    with pytest.raises(ApplicationError):
        services.price_exception_decide(actor=org.pd_head, exception_id=exc2.pk, approve=False)
    assert review.check_floor(o).passed
    assert Notification.objects.filter(kind="order_price_exception_decided", recipient=org.rep_pd1).count() == 2
    o = services.order_approve(actor=org.finance, order_id=o.pk)
    assert o.status == "approved"
    assert PriceException.objects.filter(order=o, state="approved").count() == 1


def test_exception_does_not_cover_a_changed_price(org, book):
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": book.product.pk, "quantity": "1",
                                                 "unit_price": "9.5"}])
    line = o.lines.get()
    exc = services.price_exception_request(actor=org.rep_pd1, order_id=o.pk, line_id=line.pk, reason="竞品")
    services.price_exception_decide(actor=org.pd_head, exception_id=exc.pk, approve=True)
    services.order_update(actor=org.rep_pd1, order_id=o.pk, data={
        "lines": [{"product_id": book.product.pk, "quantity": "1", "unit_price": "8"}]})
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    assert not review.check_floor(o).passed


def test_listeners_run_inside_the_transaction(org, book, django_capture_on_commit_callbacks):
    from django.db import connection

    seen = []

    def on_approved(actor, order):
        seen.append(("approved", order.number, order.status, connection.in_atomic_block))

    def on_cancelled(actor, order, previous):
        seen.append(("cancelled", order.number, previous, order.status))

    services.approved_listeners.append(on_approved)
    services.cancelled_listeners.append(on_cancelled)
    try:
        o = _through_approval(org, book)
        services.order_cancel(actor=org.finance, order_id=o.pk, reason="客户取消")
        d = new_order(org.rep_pd1, book.pd1)
        services.order_cancel(actor=org.rep_pd1, order_id=d.pk, reason="重复下单")
    finally:
        services.approved_listeners.remove(on_approved)
        services.cancelled_listeners.remove(on_cancelled)
    assert seen == [("approved", o.number, "approved", True), ("cancelled", o.number, "approved", "cancelled"),
                    ("cancelled", d.number, "draft", "cancelled")]
    o.refresh_from_db()
    assert o.cancelled_by == org.finance and o.cancel_reason == "客户取消"


def test_failing_listener_rolls_back(org, book):
    o = new_order(org.rep_pd1, book.pd1)
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)

    def boom(actor, order):
        raise ApplicationError("ledger says no", code="ledger")

    services.approved_listeners.append(boom)
    try:
        with pytest.raises(ApplicationError):
            services.order_approve(actor=org.finance, order_id=o.pk)
    finally:
        services.approved_listeners.remove(boom)
    o.refresh_from_db()
    assert o.status == "submitted" and not o.events.filter(kind="approved").exists()


@pytest.mark.django_db(transaction=True)
def test_notifications_go_to_the_next_role_after_commit(org, book, stocked):
    from django.db import transaction

    other_fin = __import__("tests.factories", fromlist=["x"]).make_user(
        "fin2", department=org.hq, roles=("finance",))
    o = new_order(org.rep_pd1, book.pd1)
    with transaction.atomic():
        services.order_submit(actor=org.rep_pd1, order_id=o.pk)
        assert not Notification.objects.filter(kind="order_submitted").exists()  # not before the commit
    assert set(Notification.objects.filter(kind="order_submitted").values_list("recipient_id", flat=True)) == {
        org.finance.pk, other_fin.pk}
    services.order_reject(actor=org.finance, order_id=o.pk, reason="请补充")
    assert Notification.objects.filter(kind="order_rejected", recipient=org.rep_pd1).count() == 1
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    assert Notification.objects.filter(kind="order_submitted", recipient=org.finance).count() == 2
    services.order_approve(actor=org.finance, order_id=o.pk)
    assert list(Notification.objects.filter(kind="order_approved").values_list("recipient_id", flat=True)) == [
        book.keeper.pk]
    services.order_outbound(actor=book.keeper, order_id=o.pk)
    services.order_ship(actor=book.keeper, order_id=o.pk, carrier="顺丰", tracking_no="SF9")
    n = Notification.objects.get(kind="order_shipped")
    assert n.recipient == org.rep_pd1 and "SF9" in str(n.params)


def test_terms_update_rights_and_validation(org, book):
    with pytest.raises(NotFound):  # finance sees the customer only through its orders
        services.terms_update(actor=org.finance, customer_id=book.pd1.pk, data={"credit_limit": "1"})
    new_order(org.rep_pd1, book.pd1)
    with pytest.raises(PermissionDenied):
        services.terms_update(actor=org.rep_pd1, customer_id=book.pd1.pk, data={"credit_limit": "1"})
    with pytest.raises(NotFound):
        services.terms_update(actor=org.rep_pd2, customer_id=book.pd1.pk, data={"credit_limit": "1"})
    with pytest.raises(ApplicationError) as e:
        services.terms_update(actor=org.finance, customer_id=book.pd1.pk,
                              data={"credit_limit": "-5", "overdue_days_limit": "x", "min_shelf_life_days": 1.5})
    assert set(e.value.fields) == {"credit_limit", "overdue_days_limit", "min_shelf_life_days"}
    assert not CustomerTerms.objects.exists()
    t = services.terms_update(actor=org.finance, customer_id=book.pd1.pk,
                              data={"credit_limit": "50000", "overdue_days_limit": 60, "min_shelf_life_days": "365"})
    assert (t.credit_limit, t.overdue_days_limit, t.min_shelf_life_days) == (Decimal("50000"), 60, 365)
    t = services.terms_update(actor=org.finance, customer_id=book.pd1.pk, data={"credit_limit": ""})
    assert t.credit_limit is None
    assert AuditEvent.objects.filter(action="sales_terms_update", customer_id=book.pd1.pk).count() == 2


def test_submit_snapshots_floor_only_when_known(org, book):
    p = make_product("无底价药")
    price(p, "supply", "5")
    o = new_order(org.rep_pd1, book.pd1, lines=[{"product_id": p.pk, "quantity": "1"}])
    services.order_submit(actor=org.rep_pd1, order_id=o.pk)
    assert o.lines.get().floor_price is None
    assert review.check_floor(o).passed
