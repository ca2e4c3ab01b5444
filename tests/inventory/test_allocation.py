"""FEFO allocation (近效期先出), the warehouse's override and restock: properties over random stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from pharmcrm.core.errors import ApplicationError
from pharmcrm.inventory import services
from pharmcrm.inventory.models import Batch, StockMove
from pharmcrm.inventory.selectors import available_batches
from tests.inventory.helpers import days, ledger_ok, make_product, make_warehouse, receive

pytestmark = pytest.mark.django_db

QTY = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("50"), places=3)
BATCH = st.tuples(st.integers(-30, 400), QTY, st.sampled_from(["available", "available", "quarantine", "locked"]))


def _state(product=None):
    qs = Batch.objects.all() if product is None else Batch.objects.filter(product=product)
    return {b.pk: b.on_hand for b in qs}


@settings(max_examples=60)
@given(batches=st.lists(BATCH, min_size=0, max_size=7), want=QTY, min_days=st.none() | st.integers(-10, 300))
def test_fefo_allocation_properties(org, keeper, batches, want, min_days):
    wh, p = make_warehouse(), make_product()
    for i, (expiry_days, qty, status) in enumerate(batches):
        b = receive(keeper, wh, p, f"P{i}", qty, days(expiry_days))
        if status != "available":
            services.batch_set_status(actor=keeper, batch_id=b.pk, status=status, reason="test")
    min_expiry = days(min_days) if min_days is not None else None
    floor = max(days(0), min_expiry) if min_expiry else days(0)
    eligible = [b for b in Batch.objects.filter(product=p)
                if b.status == "available" and b.expiry_date >= floor and b.on_hand > 0]
    total = sum((b.on_hand for b in eligible), Decimal(0))
    assert {b.pk for b in eligible} == set(available_batches(product_id=p.pk, min_expiry=min_expiry)
                                          .values_list("id", flat=True))
    before = _state(p)
    if total < want:
        with pytest.raises(ApplicationError) as e, transaction.atomic():
            services.allocate(actor=keeper, product_id=p.pk, quantity=want, ref_type="t", ref_id=1,
                              min_expiry=min_expiry)
        assert e.value.code == "insufficient_stock" and e.value.available == total
        with pytest.raises(ApplicationError):
            services.propose_allocation(product_id=p.pk, quantity=want, min_expiry=min_expiry)
        assert _state(p) == before and not StockMove.objects.filter(batch__product=p, kind="outbound").exists()
        return
    proposal = services.propose_allocation(product_id=p.pk, quantity=want, min_expiry=min_expiry)
    with transaction.atomic():
        got = services.allocate(actor=keeper, product_id=p.pk, quantity=want, ref_type="t", ref_id=1,
                                min_expiry=min_expiry)
    assert [(a.batch.pk, a.quantity) for a in got] == [(a.batch.pk, a.quantity) for a in proposal]
    assert sum(a.quantity for a in got) == want
    used = {a.batch.pk for a in got}
    by_id = {b.pk: b for b in eligible}
    assert used <= set(by_id)  # only available, unexpired, >= min_expiry batches
    for a in got:
        assert 0 < a.quantity <= before[a.batch.pk]
    # nearest expiry first: no unused eligible batch expires before a used one
    latest_used = max((by_id[i].expiry_date, i) for i in used)
    for b in eligible:
        if b.pk not in used:
            assert (b.expiry_date, b.pk) > latest_used
    # only the last used batch may be partly taken
    for a in got[:-1]:
        assert a.quantity == before[a.batch.pk]
    after = _state(p)
    for pk, q in before.items():
        taken = next((a.quantity for a in got if a.batch.pk == pk), Decimal(0))
        assert after[pk] == q - taken >= 0
    assert ledger_ok()


@pytest.mark.django_db(transaction=True)
def test_allocate_requires_the_callers_transaction(org, keeper):
    wh, p = make_warehouse(), make_product()
    receive(keeper, wh, p, "T1", 5, days(100))
    with pytest.raises(RuntimeError):
        services.allocate(actor=keeper, product_id=p.pk, quantity="1", ref_type="t", ref_id=1)


def test_allocate_bad_input(org, keeper):
    wh, p = make_warehouse(), make_product()
    b = receive(keeper, wh, p, "T1", 5, days(100))
    for qty in ("0", "-1", "0.0001"):
        with pytest.raises(ApplicationError) as e, transaction.atomic():
            services.allocate(actor=keeper, product_id=p.pk, quantity=qty, ref_type="t", ref_id=1)
        assert e.value.code == "invalid_quantity"
    with pytest.raises(ApplicationError) as e, transaction.atomic():
        services.allocate(actor=keeper, product_id=999999, quantity="1", ref_type="t", ref_id=1)
    assert e.value.code == "unknown_product"
    b.refresh_from_db()
    assert b.on_hand == 5 and b.moves.count() == 1


def test_override_rules(org, keeper):
    wh, p, other = make_warehouse(), make_product(), make_product()
    near = receive(keeper, wh, p, "NEAR", 10, days(30))
    far = receive(keeper, wh, p, "FAR", 10, days(500))
    expired = receive(keeper, wh, p, "OLD", 10, days(-1))
    held = receive(keeper, wh, p, "HELD", 10, days(600))
    services.batch_set_status(actor=keeper, batch_id=held.pk, status="quarantine", reason="待验")
    foreign = receive(keeper, wh, other, "OTHER", 10, days(300))
    before = _state()
    bad = [
        ([(far.pk, Decimal("4"))], "5"),  # does not add up
        ([(expired.pk, Decimal("5"))], "5"),
        ([(held.pk, Decimal("5"))], "5"),
        ([(foreign.pk, Decimal("5"))], "5"),
        ([(near.pk, Decimal("5"))], "5", days(60)),  # below the customer's minimum shelf life
        ([(far.pk, Decimal("11"))], "11"),  # more than on hand
        ([(far.pk, Decimal("2")), (far.pk, Decimal("3"))], "5"),  # twice
        ([(987654, Decimal("5"))], "5"),
        ([], "5"),
    ]
    for case in bad:
        chosen, qty = case[0], case[1]
        min_expiry = case[2] if len(case) > 2 else None
        with pytest.raises(ApplicationError) as e, transaction.atomic():
            services.allocate(actor=keeper, product_id=p.pk, quantity=qty, ref_type="t", ref_id=1, chosen=chosen,
                              min_expiry=min_expiry)
        assert e.value.code in ("invalid_batch_choice", "insufficient_stock"), case
    assert _state() == before
    with transaction.atomic():
        got = services.allocate(actor=keeper, product_id=p.pk, quantity="12", ref_type="t", ref_id=7,
                                chosen=[(far.pk, Decimal("8")), (near.pk, Decimal("4"))])
    assert [(a.batch.pk, a.quantity) for a in got] == [(near.pk, 4), (far.pk, 8)]
    far.refresh_from_db()
    assert far.on_hand == 2
    # restock: back into the batches, never more than went out under the document
    services.restock(actor=keeper, allocations=[(far.pk, Decimal("3"))], ref_type="t", ref_id=7, reason="退货")
    with pytest.raises(ApplicationError) as e:
        services.restock(actor=keeper, allocations=[(far.pk, Decimal("5.001"))], ref_type="t", ref_id=7)
    assert e.value.code == "return_exceeds_outbound"
    with pytest.raises(ApplicationError):
        services.restock(actor=keeper, allocations=[(near.pk, Decimal("1"))], ref_type="t", ref_id=8)
    services.restock(actor=keeper, allocations=[(far.pk, Decimal("5")), (near.pk, Decimal("4"))], ref_type="t",
                     ref_id=7)
    assert _state() == before
    assert sum(StockMove.objects.filter(ref_type="t", ref_id=7).values_list("quantity", flat=True)) == 0
    assert ledger_ok()


def test_decimal_arithmetic_is_exact(org, keeper):
    """Found by the state machine: SQLite adds decimals as floats (0.001 + 10.171 = 10.17199…), so
    taking all 10.172 went below zero; on_hand is now computed in Python from the locked row."""
    wh, p = make_warehouse(), make_product()
    b = receive(keeper, wh, p, "D1", "0.001", days(100))
    services.adjustment_post(actor=keeper, batch_id=b.pk, delta="10.171", reason="count")
    with transaction.atomic():
        services.allocate(actor=keeper, product_id=p.pk, quantity="10.172", ref_type="t", ref_id=1)
    b.refresh_from_db()
    assert b.on_hand == 0 and ledger_ok()
