"""The invariant under random operations: record_sale / reverse_sale / invoice_issue (partial
selections) / pre_invoice_issue / invoice_reverse / settle_mismatch over 2 customers × 2 products
× 2 prices. After EVERY step, per customer × product: invoiced + un-invoiced −
pre-invoiced-unconsumed = approved sales, to the unit and the cent (``check_invariant``,
recomputed from the rows), no negative balance, and the ledger selector agrees with a model kept
here in plain Python; a red-letter reversal of a normal invoice restores exactly the balances
before that invoice."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pharmcrm.core.errors import ApplicationError
from pharmcrm.invoicing import selectors, services
from pharmcrm.invoicing.models import Invoice, InvoiceLine, PriceMismatch, SaleEntry
from tests.factories import make_admin, make_customer, make_department, make_user
from tests.invoicing.helpers import HEADER, make_product, profile

D = Decimal
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]  # shrinking costs minutes of DB steps
PRICES = [D("3.3333"), D("12.5")]
QTYS = st.sampled_from([D("1"), D("2"), D("3"), D("0.5"), D("1.333"), D("7")])
_src = itertools.count(1)


def _balances():
    sales = sorted(SaleEntry.objects.values_list("id", "quantity", "amount", "invoiced_quantity", "invoiced_amount",
                                                 "consumed_quantity", "consumed_amount"))
    pre = sorted(InvoiceLine.objects.filter(invoice__kind="pre_invoice", invoice__status="issued")
                 .values_list("id", "consumed_quantity", "consumed_amount"))
    return sales, pre


class Ledger(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize()
    def setup(self):
        hq = make_department(f"总部{next(_src)}")
        self.admin = make_admin(f"adm{next(_src)}", department=hq)
        self.finance = make_user(f"fin{next(_src)}", department=hq, roles=("finance",))
        rep = make_user(f"rep{next(_src)}", department=hq)
        self.customers = [make_customer(rep, f"客户{next(_src)}") for _i in range(2)]
        for c in self.customers:
            profile(c)
        self.products = [make_product(f"药品{next(_src)}") for _i in range(2)]
        self.approved = {}  # (customer, product) -> [qty, amount], kept independently

    def _add(self, c, p, q, a):
        cur = self.approved.setdefault((c.pk, p.pk), [D(0), D(0)])
        cur[0] += q
        cur[1] += a

    @rule(c=st.integers(0, 1), p=st.integers(0, 1), price=st.sampled_from(PRICES), q=QTYS,
          public=st.booleans())
    def record_sale(self, c, p, price, q, public):
        cust, prod = self.customers[c], self.products[p]
        amount = services.cents(price * q)
        with transaction.atomic():
            services.record_sale(actor=self.admin, source_type="fuzz", source_id=next(_src), customer_id=cust.pk,
                                 product_id=prod.pk, unit_price=price, quantity=q, amount=amount,
                                 tax_rate=D("13"), terminal_type="public_hospital" if public else "")
        self._add(cust, prod, q, amount)

    @precondition(lambda self: SaleEntry.objects.filter(quantity__gt=0).exists())
    @rule(data=st.data(), whole=st.booleans())
    def reverse_sale(self, data, whole):
        sale = data.draw(st.sampled_from(list(SaleEntry.objects.filter(quantity__gt=0).order_by("id"))))
        q = None if whole else data.draw(st.sampled_from([D("0.5"), D("1"), sale.quantity]))
        before = (sale.quantity, sale.amount)
        try:
            services.reverse_sale(actor=self.admin, source_type=sale.source_type, source_id=sale.source_id,
                                  quantity=q, reason="退货")
        except ApplicationError:
            return
        sale.refresh_from_db()
        self._add(sale.customer, sale.product, sale.quantity - before[0], sale.amount - before[1])

    @precondition(lambda self: SaleEntry.objects.exists())
    @rule(data=st.data(), by_key=st.booleans(), part=st.sampled_from([None, D("0.5"), D("1"), D("2")]))
    def invoice_issue(self, data, by_key, part):
        sale = data.draw(st.sampled_from(list(SaleEntry.objects.order_by("id"))))
        sel = ({"product_id": sale.product_id, "unit_price": sale.unit_price} if by_key
               else {"sale_entry_id": sale.pk})
        if part is not None:
            sel["quantity"] = part
        head = {**HEADER, "invoice_chain": "生产企业 No.1"} if data.draw(st.booleans()) else HEADER
        before = _balances()
        try:
            inv = services.invoice_issue(actor=self.finance, customer_id=sale.customer_id, header=head,
                                         selections=[sel])
        except ApplicationError:
            assert _balances() == before  # a refused issue changes nothing
            return
        if data.draw(st.booleans()):  # red-letter it at once: exactly the balances before it
            services.invoice_reverse(actor=self.finance, invoice_id=inv.pk, reason="开错")
            assert _balances() == before

    @rule(c=st.integers(0, 1), p=st.integers(0, 1), price=st.sampled_from(PRICES), q=QTYS)
    def pre_invoice_issue(self, c, p, price, q):
        services.pre_invoice_issue(actor=self.finance, customer_id=self.customers[c].pk, header=HEADER,
                                   lines=[{"product_id": self.products[p].pk, "unit_price": price, "quantity": q}])

    @precondition(lambda self: Invoice.objects.filter(status="issued").exclude(kind="red_letter").exists())
    @rule(data=st.data())
    def invoice_reverse(self, data):
        inv = data.draw(st.sampled_from(list(Invoice.objects.filter(status="issued").exclude(kind="red_letter")
                                             .order_by("id"))))
        services.invoice_reverse(actor=self.finance, invoice_id=inv.pk, reason="红冲")

    @precondition(lambda self: PriceMismatch.objects.filter(status="open").exists())
    @rule(data=st.data(), consume=st.booleans())
    def settle_mismatch(self, data, consume):
        m = data.draw(st.sampled_from(list(PriceMismatch.objects.filter(status="open").order_by("id"))))
        try:
            services.settle_mismatch(actor=self.finance, mismatch_id=m.pk,
                                     action="consume" if consume else "dismiss", reason="财务确认")
        except ApplicationError as e:
            assert e.code in ("over_invoice", "invalid_quantity", "illegal_transition")

    @invariant()
    def holds(self):
        if not hasattr(self, "customers"):
            return
        assert services.check_invariant() == []
        rows = selectors.ledger(actor=self.finance)
        got: dict = {}
        for r in rows:
            assert r.open_quantity >= 0 and r.open_amount >= 0 and r.pre_quantity >= 0 and r.pre_amount >= 0
            g = got.setdefault((r.customer_id, r.product_id), [D(0), D(0), D(0), D(0), D(0), D(0)])
            for i, v in enumerate((r.approved_quantity, r.approved_amount, r.invoiced_quantity, r.invoiced_amount,
                                   r.open_quantity - r.pre_quantity, r.open_amount - r.pre_amount)):
                g[i] += v
        for key, (q, a) in self.approved.items():
            g = got.get(key, [D(0)] * 6)
            assert (g[0], g[1]) == (q, a), key
            assert g[2] + g[4] == q and g[3] + g[5] == a, key  # invoiced + un-invoiced − pre-unconsumed


@pytest.mark.django_db
def test_ledger_state_machine():
    run_state_machine_as_test(Ledger, settings=settings(max_examples=40, stateful_step_count=25, deadline=None, phases=PHASES))
