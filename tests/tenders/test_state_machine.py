"""The tender state machine against a simple reference, with hypothesis: random actions
(including illegal ones) by random users on a few tenders; the services must accept exactly
what the reference allows — NotFound for who cannot see the tender, PermissionDenied for a
read-only share, ``illegal_transition`` for a move the status does not allow, ``floor_price``
for a submission with an unapproved bid below the floor — and the database must match the
reference after every step."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.tenders import services
from pharmcrm.tenders.models import Tender
from tests.tenders.conftest import new_tender

pytestmark = pytest.mark.django_db

MOVES = {
    "tracking": {"register": "registered", "cancel": "cancelled"},
    "registered": {"prepare": "preparing", "cancel": "cancelled"},
    "preparing": {"submit": "submitted", "cancel": "cancelled"},
    "submitted": {"win": "won", "lose": "lost", "cancel": "cancelled"},
    "won": {"execute": "executing"},
    "executing": {"expire": "expired"},
    "lost": {}, "cancelled": {}, "expired": {},
}
ACTIONS = ["register", "prepare", "submit", "win", "lose", "cancel", "execute", "expire", "renew"]
USERS = ["rep_pd1", "pd_head", "weilin", "rep_px", "rep_gz"]
WRITES = {"rep_pd1", "pd_head", "weilin"}
SEES = WRITES | {"rep_px"}  # rep_px holds a read-only share


def test_tender_state_machine(org, tb):
    users = {n: getattr(org, n, None) or getattr(tb, n) for n in USERS}

    class Tenders(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self.ref: dict[int, dict] = {}
            for bid in ("9", "12"):  # 9 is below the floor of 10
                t = new_tender(org.rep_pd1)
                services.tender_line_add(actor=org.rep_pd1, tender_id=t.pk,
                                         data={"product_id": tb.p1.pk, "bid_price": bid})
                services.tender_share_add(actor=org.rep_pd1, tender_id=t.pk, user_id=org.rep_px.pk)
                self.ref[t.pk] = {"status": "tracking", "below": bid == "9", "approved": False, "renewed": False}

        @rule(tender=st.integers(0, 1), who=st.sampled_from(USERS), action=st.sampled_from(ACTIONS),
              good_input=st.booleans())
        def act(self, tender, who, action, good_input):
            tid = sorted(self.ref)[tender]
            ref = self.ref[tid]
            user = users[who]
            kw = {}
            if action == "win":
                line = Tender.objects.get(pk=tid).lines.get()
                kw["winning_prices"] = {line.pk: "9.9"} if good_input else {}
            if action == "lose":
                kw["reason"] = "价格没有优势" if good_input else ""
            service = {"win": services.tender_win, "lose": services.tender_lose,
                       "renew": services.tender_renew}.get(action) or services.ACTION_SERVICES[action]
            if who not in SEES:
                expected = NotFound
            elif who not in WRITES:
                expected = PermissionDenied
            elif action == "renew":
                expected = None if ref["status"] in ("executing", "expired") and not ref["renewed"] else "illegal"
            elif action not in MOVES[ref["status"]]:
                expected = "illegal"
            elif action == "submit" and ref["below"] and not ref["approved"]:
                expected = "floor_price"
            elif action in ("win", "lose") and not good_input:
                expected = "invalid"
            else:
                expected = None
            try:
                service(actor=user, tender_id=tid, **kw)
            except NotFound:
                assert expected is NotFound, (who, action, ref)
                return
            except PermissionDenied:
                assert expected is PermissionDenied, (who, action, ref)
                return
            except ApplicationError as exc:
                code = "illegal" if exc.code == "illegal_transition" else exc.code
                assert code == expected, (who, action, ref, exc.code, exc.message)
                return
            assert expected is None, (who, action, ref)
            if action == "renew":
                ref["renewed"] = True
                new = Tender.objects.get(renewal_of_id=tid)
                assert new.status == "tracking"
            else:
                ref["status"] = MOVES[ref["status"]][action]

        @rule(tender=st.integers(0, 1), head=st.sampled_from(["pd_head", "sh_head", "admin"]))
        def approve(self, tender, head):
            tid = sorted(self.ref)[tender]
            ref = self.ref[tid]
            line = Tender.objects.get(pk=tid).lines.get()
            if not ref["below"] or ref["approved"] or ref["status"] not in ("tracking", "registered", "preparing"):
                return
            exc = services.price_exception_request(actor=org.rep_pd1, line_id=line.pk, reason="集采低价")
            services.price_exception_decide(actor=getattr(org, head), exception_id=exc.pk, approve=True)
            ref["approved"] = True

        @invariant()
        def matches(self):
            for tid, ref in getattr(self, "ref", {}).items():
                assert Tender.objects.get(pk=tid).status == ref["status"]

    Tenders.TestCase.settings = hsettings(max_examples=20, stateful_step_count=15, deadline=None)
    Tenders.TestCase("runTest").runTest()
