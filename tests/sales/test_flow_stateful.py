"""The whole sales flow under random operations (issue 5 acceptance): orders created, submitted,
approved, rejected, cancelled, issued from the warehouse (FEFO), shipped, received; returns
requested, approved, rejected, received back; payments recorded (oldest first, or left as
credit), allocations released, payments cancelled; stored invoices, pre-invoices and red-letter
reversals. After EVERY step:

* stock per batch is never negative and equals receipts − outbounds + returns received, counted
  independently here (what this test received, the batches recorded on orders, the lines of
  received returns) and from the stock ledger;
* the invoice ledger invariant holds (invoiced + un-invoiced − pre-invoiced-unconsumed = approved
  sales per customer × product, ``check_invariant``);
* per order: received (paid_total = its active allocations) + outstanding = total − returns, with
  0 ≤ outstanding, returns = the approved and received returns;
* per payment: allocated = its active allocations ≤ amount;
* every state change of every order (its timeline) is a transition of the state machine, and
  the order's status is the last one; an order is closed exactly when it is settled.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from pharmcrm.core.errors import ApplicationError
from pharmcrm.inventory.models import Batch, MoveKind, StockMove
from pharmcrm.invoicing import services as invoicing
from pharmcrm.invoicing.models import Invoice, InvoiceKind, InvoiceStatus, SaleEntry
from pharmcrm.payments import services as payments
from pharmcrm.payments.models import Payment, PaymentAllocation
from pharmcrm.sales import closing, returns
from pharmcrm.sales import services as sales
from pharmcrm.sales.models import (
    OrderEvent,
    OrderLineAllocation,
    ReturnLine,
    ReturnOrder,
    ReturnStatus,
    SalesOrder,
    Status,
)
from tests.factories import make_customer, make_department, make_user
from tests.inventory.helpers import make_product, make_warehouse, receive
from tests.invoicing.helpers import HEADER, profile
from tests.sales.conftest import address, price, qualify

D = Decimal
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]  # shrinking costs minutes of DB steps
CHAIN = {**HEADER, "invoice_chain": "生产企业发票 00000001"}
_n = itertools.count(1)
S = Status
LEGAL = {
    ("", S.DRAFT), (S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.APPROVED), (S.SUBMITTED, S.DRAFT), (S.DRAFT, S.CANCELLED),
    (S.SUBMITTED, S.CANCELLED), (S.APPROVED, S.CANCELLED), (S.APPROVED, S.OUTBOUND), (S.OUTBOUND, S.SHIPPED),
    (S.SHIPPED, S.RECEIVED), (S.SHIPPED, S.CLOSED), (S.RECEIVED, S.CLOSED), (S.CLOSED, S.SHIPPED),
    (S.CLOSED, S.RECEIVED),
}
QTY = st.sampled_from(["1", "2", "3", "5", "0.5"])
STEPS = [S.DRAFT, S.SUBMITTED, S.APPROVED, S.OUTBOUND, S.SHIPPED, S.RECEIVED]


def _pick(seq, i):
    return seq[i % len(seq)] if seq else None


class Flow(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(stages=st.lists(st.sampled_from(STEPS[2:]), min_size=2, max_size=4))
    def setup(self, stages):
        from pharmcrm.org.models import RoleScope

        for role, area, scope in (("finance", "orders", "all"), ("warehouse", "orders", "approved"),
                                  ("finance", "payments", "all")):
            RoleScope.objects.get_or_create(role=role, area=area, defaults={"scope": scope})
        dept = make_department(f"流程组{next(_n)}")
        self.rep = make_user(f"frep{next(_n)}", department=dept)
        self.finance = make_user(f"ffin{next(_n)}", department=dept, roles=("finance",))
        self.keeper = make_user(f"fwh{next(_n)}", department=dept, roles=("warehouse",))
        self.products = [make_product(f"流程药{next(_n)}", tax_rate=D("13.00")) for _i in range(2)]
        for p, supply in zip(self.products, ("12.50", "3.3333"), strict=True):
            price(p, "supply", supply)
            price(p, "floor", "1.00")
        self.customers = []
        for _i in range(2):
            c = make_customer(self.rep, f"流程医院{next(_n)}", type="hospital", status="active",
                              region_code="310115")
            address(c, region="310115")
            qualify(c)
            profile(c)
            self.customers.append(c)
        self.wh = make_warehouse()
        self.received: dict[int, D] = {}
        today = timezone.localdate()
        for p in self.products:
            for days, qty in ((300, "6"), (600, "40")):
                b = receive(self.keeper, self.wh, p, f"F{next(_n)}", qty, today + datetime.timedelta(days=days))
                self.received[b.pk] = D(qty)
        # a few orders already on their way, so that short runs reach payments, invoices, returns
        for n, to in enumerate(stages):
            self.create(c=n % 2, p=n % 2, q="2", to=to)

    # --- helpers ---------------------------------------------------------------------------
    def _orders(self, *states):
        return list(SalesOrder.objects.filter(customer__in=self.customers, status__in=states).order_by("id")
                    .values_list("pk", flat=True))

    def _try(self, fn, **kw):
        try:
            with transaction.atomic():
                return fn(**kw)
        except ApplicationError:
            return None

    # --- orders ----------------------------------------------------------------------------
    def _advance(self, oid, to):
        """Move an order along the happy path, step by step, up to ``to`` (stops where refused)."""
        for step in STEPS[STEPS.index(SalesOrder.objects.get(pk=oid).status) + 1:STEPS.index(to) + 1]:
            if step == S.SUBMITTED:
                done = self._try(sales.order_submit, actor=self.rep, order_id=oid)
            elif step == S.APPROVED:
                done = self._try(sales.order_approve, actor=self.finance, order_id=oid, override_reason="测试")
            elif step == S.OUTBOUND:
                done = self._try(sales.order_outbound, actor=self.keeper, order_id=oid)  # may be short
            elif step == S.SHIPPED:
                done = self._try(sales.order_ship, actor=self.keeper, order_id=oid, carrier="顺丰", tracking_no="SF")
            else:
                done = self._try(sales.order_receive, actor=self.rep, order_id=oid)
            if done is None or done.status == S.CLOSED:
                return

    @rule(c=st.integers(0, 1), p=st.integers(0, 1), q=QTY, to=st.sampled_from(STEPS))
    def create(self, c, p, q, to):
        cust = self.customers[c]
        o = sales.order_create(actor=self.rep, data={
            "customer_id": cust.pk, "shipping_address_id": cust.shipping_addresses.get().pk,
            "terminal_type": "public_hospital", "lines": [{"product_id": self.products[p].pk, "quantity": q}]})
        self._advance(o.pk, to)

    @rule(i=st.integers(0, 50), to=st.sampled_from(STEPS[1:]))
    def advance(self, i, to):
        oid = _pick(self._orders(S.DRAFT, S.SUBMITTED, S.APPROVED, S.OUTBOUND, S.SHIPPED), i)
        if oid is not None and STEPS.index(SalesOrder.objects.get(pk=oid).status) < STEPS.index(to):
            self._advance(oid, to)

    @rule(i=st.integers(0, 50))
    def reject(self, i):
        oid = _pick(self._orders(S.SUBMITTED), i)
        if oid is not None:
            sales.order_reject(actor=self.finance, order_id=oid, reason="价格不对")

    @rule(i=st.integers(0, 50))
    def cancel(self, i):
        oid = _pick(self._orders(S.DRAFT, S.SUBMITTED, S.APPROVED), i)
        if oid is not None:
            actor = self.finance if SalesOrder.objects.get(pk=oid).status == S.APPROVED else self.rep
            self._try(sales.order_cancel, actor=actor, order_id=oid, reason="客户取消")

    # --- returns ---------------------------------------------------------------------------
    @rule(i=st.integers(0, 50), j=st.integers(0, 5), q=QTY)
    def request_return(self, i, j, q):
        oid = _pick(self._orders(S.OUTBOUND, S.SHIPPED, S.RECEIVED, S.CLOSED), i)
        if oid is None:
            return
        allocs = list(OrderLineAllocation.objects.filter(line__order_id=oid).order_by("id"))
        a = _pick(allocs, j)
        self._try(returns.return_request, actor=self.rep, order_id=oid,
                  data={"reason": "破损", "lines": [{"allocation_id": a.pk, "quantity": q}]})

    @rule(i=st.integers(0, 50), action=st.sampled_from(["approve", "reject", "withdraw", "receive"]))
    def decide_return(self, i, action):
        states = {"receive": ReturnStatus.APPROVED}.get(action, ReturnStatus.REQUESTED)
        rid = _pick(list(ReturnOrder.objects.filter(order__customer__in=self.customers, status=states)
                         .order_by("id").values_list("pk", flat=True)), i)
        if rid is None:
            return
        if action == "approve":
            self._try(returns.return_approve, actor=self.finance, return_id=rid)  # refused if invoiced
        elif action == "reject":
            returns.return_reject(actor=self.finance, return_id=rid, reason="不同意")
        elif action == "withdraw":
            returns.return_withdraw(actor=self.rep, return_id=rid, reason="撤回")
        else:
            returns.return_receive(actor=self.keeper, return_id=rid)

    # --- money -----------------------------------------------------------------------------
    @rule(c=st.integers(0, 1), amount=st.sampled_from(["10.00", "25.00", "37.50", "100.00", "0.01", "500.00"]),
          auto=st.booleans())
    def pay(self, c, amount, auto):
        data = {"customer_id": self.customers[c].pk, "amount": amount, "method": "bank_transfer"}
        if not auto:
            data["allocations"] = []  # all of it stays as credit
        payments.payment_record(actor=self.finance, data=data)

    @rule(i=st.integers(0, 50), what=st.sampled_from(["release", "cancel", "allocate"]))
    def rework_payment(self, i, what):
        if what == "release":
            aid = _pick(list(PaymentAllocation.objects.filter(payment__customer__in=self.customers,
                                                              released_at__isnull=True).order_by("id")
                             .values_list("pk", flat=True)), i)
            if aid is not None:
                payments.allocation_release(actor=self.finance, allocation_id=aid, reason="分错了")
            return
        pid = _pick(list(Payment.objects.filter(customer__in=self.customers, status="active").order_by("id")
                         .values_list("pk", flat=True)), i)
        if pid is None:
            return
        if what == "cancel":
            payments.payment_cancel(actor=self.finance, payment_id=pid, reason="重复录入")
        else:
            self._try(payments.payment_allocate, actor=self.finance, payment_id=pid, allocations="auto")

    @rule(i=st.integers(0, 50))
    def settle(self, i):
        """Pay what an order owes and invoice what is left of it: it must close."""
        oid = _pick(self._orders(S.OUTBOUND, S.SHIPPED, S.RECEIVED), i)
        if oid is None:
            return
        o = SalesOrder.objects.get(pk=oid)
        if o.outstanding > 0:
            payments.payment_record(actor=self.finance, data={
                "customer_id": o.customer_id, "amount": str(o.outstanding), "method": "bank_transfer",
                "allocations": [{"order_id": o.pk, "amount": str(o.outstanding)}]})
        open_ = [s for s in SaleEntry.objects.filter(source_id__in=o.lines.values("pk"), source_type="sales.order_line")
                 if s.open_quantity > 0]
        if open_:
            invoicing.invoice_issue(actor=self.finance, customer_id=o.customer_id, header=CHAIN,
                                    selections=[{"sale_entry_id": s.pk} for s in open_])
        o.refresh_from_db()
        assert o.outstanding == 0
        assert o.status == (S.CLOSED if o.status != S.OUTBOUND else S.OUTBOUND)

    # --- invoices --------------------------------------------------------------------------
    @rule(i=st.integers(0, 50), part=st.booleans())
    def invoice(self, i, part):
        sale = _pick(list(SaleEntry.objects.filter(customer__in=self.customers).order_by("id")), i)
        if sale is None or sale.open_quantity <= 0:
            return
        sel = {"sale_entry_id": sale.pk}
        if part and sale.open_quantity > 1:
            sel["quantity"] = "1"
        self._try(invoicing.invoice_issue, actor=self.finance, customer_id=sale.customer_id, header=CHAIN,
                  selections=[sel])

    @rule(c=st.integers(0, 1), p=st.integers(0, 1), q=QTY)
    def pre_invoice(self, c, p, q):
        unit = D("12.5000") if p == 0 else D("3.3333")
        invoicing.pre_invoice_issue(actor=self.finance, customer_id=self.customers[c].pk, header=CHAIN, lines=[
            {"product_id": self.products[p].pk, "unit_price": unit, "quantity": q, "tax_rate": "13"}])

    @rule(i=st.integers(0, 50))
    def red_letter(self, i):
        inv = _pick(list(Invoice.objects.filter(customer__in=self.customers, status=InvoiceStatus.ISSUED)
                         .exclude(kind=InvoiceKind.RED_LETTER).order_by("id").values_list("pk", flat=True)), i)
        if inv is not None:
            invoicing.invoice_reverse(actor=self.finance, invoice_id=inv, reason="开错")

    # --- the invariants --------------------------------------------------------------------
    @invariant()
    def stock(self):
        if not hasattr(self, "received"):
            return
        out = dict(OrderLineAllocation.objects.filter(batch_id__in=list(self.received)).values_list("batch_id")
                   .annotate(q=Sum("quantity")).order_by())
        back = dict(ReturnLine.objects.filter(ret__status=ReturnStatus.RECEIVED,
                                              allocation__batch_id__in=list(self.received))
                    .values_list("allocation__batch_id").annotate(q=Sum("quantity")).order_by())
        moves = dict(StockMove.objects.filter(batch_id__in=list(self.received)).values_list("batch_id")
                     .annotate(q=Sum("quantity")).order_by())
        for b in Batch.objects.filter(pk__in=list(self.received)):
            expected = self.received[b.pk] - out.get(b.pk, 0) + back.get(b.pk, 0)
            assert b.on_hand >= 0
            assert b.on_hand == expected == moves[b.pk], (b.batch_no, b.on_hand, expected, moves[b.pk])
        kinds = set(StockMove.objects.filter(batch_id__in=list(self.received)).values_list("kind", flat=True))
        assert kinds <= {MoveKind.RECEIPT, MoveKind.OUTBOUND, MoveKind.RETURN}

    @invariant()
    def ledger(self):
        if hasattr(self, "customers"):
            for c in self.customers:
                assert invoicing.check_invariant(c.pk) == []

    @invariant()
    def money(self):
        if not hasattr(self, "customers"):
            return
        paid = dict(PaymentAllocation.objects.filter(released_at__isnull=True, order__customer__in=self.customers)
                    .values_list("order_id").annotate(a=Sum("amount")).order_by())
        ret = dict(ReturnOrder.objects.filter(status__in=(ReturnStatus.APPROVED, ReturnStatus.RECEIVED),
                                              order__customer__in=self.customers)
                   .values_list("order_id").annotate(a=Sum("amount_total")).order_by())
        for o in SalesOrder.objects.filter(customer__in=self.customers):
            assert o.paid_total == D(paid.get(o.pk, 0)).quantize(D("0.01")), o.number
            assert o.returned_total == D(ret.get(o.pk, 0)).quantize(D("0.01")), o.number
            assert o.paid_total + o.outstanding == o.amount_total - o.returned_total
            assert o.outstanding >= 0 and o.paid_total >= 0
            if o.status not in (S.APPROVED, S.OUTBOUND, S.SHIPPED, S.RECEIVED, S.CLOSED):
                assert o.paid_total == 0, (o.number, o.status)
            if o.status in (S.SHIPPED, S.RECEIVED):
                assert not closing.is_settled(o), o.number
            if o.status == S.CLOSED:
                assert closing.is_settled(o), o.number
        for p in Payment.objects.filter(customer__in=self.customers):
            active = p.allocations.filter(released_at__isnull=True).aggregate(a=Sum("amount"))["a"] or D(0)
            assert p.allocated_total == D(active).quantize(D("0.01")) <= p.amount
            if p.status != "active":
                assert p.allocated_total == 0

    @invariant()
    def transitions(self):
        if not hasattr(self, "customers"):
            return
        last = {}
        for oid, f, t in (OrderEvent.objects.filter(order__customer__in=self.customers).exclude(to_status="")
                          .order_by("id").values_list("order_id", "from_status", "to_status")):
            assert (f, t) in LEGAL, (f, t)
            last[oid] = t
        for o in SalesOrder.objects.filter(customer__in=self.customers):
            assert o.status == last.get(o.pk, S.DRAFT), (o.number, o.status, last.get(o.pk))


def test_the_sales_flow_keeps_stock_ledger_and_money_right(db):
    run_state_machine_as_test(Flow, settings=settings(
        max_examples=12, stateful_step_count=30, deadline=None, phases=PHASES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


def test_cancelling_a_paid_approved_order_gives_the_money_back_as_credit(org, book):
    from tests.sales.conftest import new_order

    order = new_order(org.rep_pd1, book.pd1)
    sales.order_submit(actor=org.rep_pd1, order_id=order.pk)
    sales.order_approve(actor=org.finance, order_id=order.pk)
    pay = payments.payment_record(actor=org.finance, data={"customer_id": book.pd1.pk, "amount": "125.00"})
    order.refresh_from_db()
    assert order.paid_total == D("125.00")
    sales.order_cancel(actor=org.finance, order_id=order.pk, reason="客户取消采购")
    order.refresh_from_db()
    pay.refresh_from_db()
    assert order.status == S.CANCELLED and order.paid_total == 0
    assert pay.allocated_total == 0 and pay.amount == D("125.00")  # all of it is the customer's credit
