"""The order state machine against a small reference, with hypothesis: random actions by random
users on random orders; the service must accept exactly what the reference allows — NotFound for
who cannot see the order, ``illegal_transition`` for a move the state does not allow,
PermissionDenied for who sees it but may not act — and the database must match the reference
after every step."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.sales import services
from pharmcrm.sales.models import SalesOrder
from tests.inventory.helpers import make_warehouse, receive
from tests.sales.conftest import new_order

pytestmark = pytest.mark.django_db

# the reference, written out by hand: (action, state) -> (next state, who may)
SELL, FIN, WH = "seller", "finance", "warehouse"
REF = {
    ("submit", "draft"): ("submitted", {SELL}),
    ("approve", "submitted"): ("approved", {FIN}),
    ("reject", "submitted"): ("draft", {FIN}),
    ("outbound", "approved"): ("outbound", {WH}),
    ("ship", "outbound"): ("shipped", {WH}),
    ("receive", "shipped"): ("received", {SELL, WH}),
    ("cancel", "draft"): ("cancelled", {SELL}),
    ("cancel", "submitted"): ("cancelled", {SELL}),
    ("cancel", "approved"): ("cancelled", {FIN}),
}
CAPS = {"rep_pd1": {SELL}, "pd_head": {SELL}, "clerk": {SELL}, "finance": {FIN}, "keeper": {WH},
        "admin": {SELL, FIN, WH}, "rep_pd2": set()}
ALWAYS_SEES = {"rep_pd1", "pd_head", "clerk", "finance", "admin"}
WAREHOUSE_SEES = {"approved", "outbound", "shipped", "received", "closed"}
ACTIONS = ["submit", "approve", "reject", "outbound", "ship", "receive", "cancel"]


def test_order_state_machine(org, book):
    wh = make_warehouse()
    receive(book.keeper, wh, book.product, "SM1", "1000000", timezone.localdate() + datetime.timedelta(days=900))
    users = {"rep_pd1": org.rep_pd1, "pd_head": org.pd_head, "clerk": book.clerk, "finance": org.finance,
             "keeper": book.keeper, "admin": org.admin, "rep_pd2": org.rep_pd2}

    def call(action: str, actor, order_id: int):
        if action == "submit":
            return services.order_submit(actor=actor, order_id=order_id)
        if action == "approve":
            return services.order_approve(actor=actor, order_id=order_id)
        if action == "reject":
            return services.order_reject(actor=actor, order_id=order_id, reason="请核对价格")
        if action == "outbound":
            return services.order_outbound(actor=actor, order_id=order_id)
        if action == "ship":
            return services.order_ship(actor=actor, order_id=order_id, carrier="顺丰", tracking_no="SF1")
        if action == "receive":
            return services.order_receive(actor=actor, order_id=order_id)
        return services.order_cancel(actor=actor, order_id=order_id, reason="客户取消")

    class Orders(RuleBasedStateMachine):
        @initialize()
        def start(self):
            SalesOrder.objects.all().delete()
            self.model: dict[int, str] = {}

        @rule(who=st.sampled_from(["rep_pd1", "pd_head"]))
        def create(self, who):
            o = new_order(users[who], book.pd1, lines=[{"product_id": book.product.pk, "quantity": "1"}])
            self.model[o.pk] = "draft"

        @rule(data=st.data(), who=st.sampled_from(sorted(users)), action=st.sampled_from(ACTIONS))
        def act(self, data, who, action):
            if not self.model:
                return
            oid = data.draw(st.sampled_from(sorted(self.model)))
            state = self.model[oid]
            sees = who in ALWAYS_SEES or (who == "keeper" and state in WAREHOUSE_SEES)
            move = REF.get((action, state))
            if not sees:
                expected = "not_found"
            elif move is None:
                expected = "illegal"
            elif not (move[1] & CAPS[who]):
                expected = "forbidden"
            else:
                expected = move[0]
            try:
                got = call(action, users[who], oid).status
            except NotFound:
                got = "not_found"
            except PermissionDenied:
                got = "forbidden"
            except ApplicationError as e:
                assert e.code == "illegal_transition", (e.code, e.message)
                got = "illegal"
            assert got == expected, (who, action, state)
            if move is not None and got == move[0]:
                self.model[oid] = got

        @invariant()
        def matches(self):
            if getattr(self, "model", None) is not None:
                assert dict(SalesOrder.objects.values_list("pk", "status")) == self.model

    Orders.TestCase.settings = hsettings(max_examples=25, stateful_step_count=25, deadline=None)
    Orders.TestCase().runTest()
