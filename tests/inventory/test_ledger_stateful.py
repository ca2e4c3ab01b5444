"""The stock ledger under random sequences of receipts, adjustments, allocations (FEFO and
override), restocks and status changes: after every step, for every batch, on_hand >= 0 and
on_hand == sum(moves) == receipts + adjustments − outbounds + returns, and a model kept in plain
Python agrees with the database."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pharmcrm.core.errors import ApplicationError
from pharmcrm.inventory import services
from pharmcrm.inventory.models import Batch, StockMove
from tests.factories import make_user
from tests.inventory.helpers import days, make_product, make_warehouse

QTY = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("30"), places=3)
_seq = itertools.count(1)


class Stock(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        n = next(_seq)
        self.keeper = make_user(f"sm-keeper{n}", roles=("warehouse",))
        self.wh = make_warehouse(f"SM{n}")
        self.products = [make_product(), make_product()]
        self.model: dict[int, Decimal] = {}  # batch id -> expected on hand
        self.out: dict[tuple[int, int], Decimal] = {}  # (doc, batch) -> outstanding outbound
        self.doc = itertools.count(1)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @rule(p=st.integers(0, 1), batch=st.integers(0, 3), qty=QTY, expiry=st.integers(-5, 200))
    def receive(self, p, batch, qty, expiry):
        product = self.products[p]
        existing = Batch.objects.filter(warehouse=self.wh, product=product, batch_no=f"L{batch}").first()
        exp = existing.expiry_date if existing else days(expiry)
        services.receipt_post(actor=self.keeper, warehouse_id=self.wh.pk, lines=[{
            "product_id": product.pk, "batch_no": f"L{batch}", "expiry_date": exp, "quantity": qty}])
        b = Batch.objects.get(warehouse=self.wh, product=product, batch_no=f"L{batch}")
        self.model[b.pk] = self.model.get(b.pk, Decimal(0)) + qty

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 100), delta=st.decimals(min_value=Decimal("-30"), max_value=Decimal("30"), places=3))
    def adjust(self, i, delta):
        pk = sorted(self.model)[i % len(self.model)]
        try:
            services.adjustment_post(actor=self.keeper, batch_id=pk, delta=delta, reason="count")
        except ApplicationError:
            assert delta == 0 or self.model[pk] + delta < 0
            return
        assert delta != 0 and self.model[pk] + delta >= 0
        self.model[pk] += delta

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 100), status=st.sampled_from(["available", "quarantine", "locked"]))
    def status(self, i, status):
        pk = sorted(self.model)[i % len(self.model)]
        services.batch_set_status(actor=self.keeper, batch_id=pk, status=status, reason="x")

    @rule(p=st.integers(0, 1), qty=QTY, min_days=st.none() | st.integers(0, 150))
    def allocate(self, p, qty, min_days):
        product = self.products[p]
        doc = next(self.doc)
        try:
            with transaction.atomic():
                got = services.allocate(actor=self.keeper, product_id=product.pk, quantity=qty, ref_type="sm",
                                        ref_id=doc, min_expiry=days(min_days) if min_days is not None else None)
        except ApplicationError as exc:
            assert exc.code == "insufficient_stock"
            return
        assert sum(a.quantity for a in got) == qty
        for a in got:
            self.model[a.batch.pk] -= a.quantity
            self.out[(doc, a.batch.pk)] = a.quantity

    @precondition(lambda self: self.model)
    @rule(i=st.integers(0, 100), qty=QTY)
    def allocate_chosen(self, i, qty):
        pk = sorted(self.model)[i % len(self.model)]
        b = Batch.objects.get(pk=pk)
        doc = next(self.doc)
        try:
            with transaction.atomic():
                services.allocate(actor=self.keeper, product_id=b.product_id, quantity=qty, ref_type="sm",
                                  ref_id=doc, chosen=[(pk, qty)])
        except ApplicationError:
            assert b.status != "available" or b.expiry_date < days(0) or b.on_hand < qty
            return
        self.model[pk] -= qty
        self.out[(doc, pk)] = qty

    @precondition(lambda self: self.out)
    @rule(i=st.integers(0, 100), part=st.fractions(0, 1), over=st.booleans())
    def restock(self, i, part, over):
        key = sorted(self.out)[i % len(self.out)]
        outstanding = self.out[key]
        qty = (outstanding * Decimal(part.numerator) / Decimal(part.denominator)).quantize(Decimal("0.001"))
        if over:
            qty = outstanding + Decimal("0.001")
        if qty <= 0:
            return
        try:
            services.restock(actor=self.keeper, allocations=[(key[1], qty)], ref_type="sm", ref_id=key[0])
        except ApplicationError as exc:
            assert over and exc.code == "return_exceeds_outbound"
            return
        assert not over
        self.model[key[1]] += qty
        self.out[key] -= qty
        if not self.out[key]:
            del self.out[key]

    @invariant()
    def ledger(self):
        for b in Batch.objects.filter(warehouse=self.wh):
            # summed in Python: SQLite's SUM of decimals is a float
            by_kind: dict[str, Decimal] = {}
            for kind, q in StockMove.objects.filter(batch=b).values_list("kind", "quantity"):
                by_kind[kind] = by_kind.get(kind, Decimal(0)) + q
            assert b.on_hand >= 0
            assert b.on_hand == sum(by_kind.values(), Decimal(0))  # receipts + adjustments - outbounds + returns
            assert by_kind.get("outbound", 0) <= 0 <= by_kind.get("return", 0)
            assert b.on_hand == self.model[b.pk]


@pytest.mark.django_db
def test_stock_ledger_state_machine(org):
    run_state_machine_as_test(Stock, settings=hsettings(hsettings.default, max_examples=25, stateful_step_count=25))
