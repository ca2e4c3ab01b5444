"""The ticket state machine against a simple reference, with hypothesis: random actions
(including illegal ones and bad input) by random users on random tickets; the service must
accept exactly what the reference allows — with NotFound for who cannot see the customer,
PermissionDenied for who may not act, ``illegal_transition`` for a move the status does not
allow, ``invalid`` for bad input — and the database must match the reference after every step."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.tickets import services
from pharmcrm.tickets.models import Ticket
from tests.factories import make_customer, make_share

pytestmark = pytest.mark.django_db

# the reference: status -> {action: next status}
MOVES = {
    "open": {"start": "in_progress", "resolve": "resolved"},
    "in_progress": {"resolve": "resolved"},
    "resolved": {"close": "closed", "reopen": "in_progress"},
    "closed": {"reopen": "in_progress"},
}
USERS = ["rep_pd1", "pd_head", "sh_head", "rep_px", "rep_pd2", "rep_gz"]
SEES = {"rep_pd1", "pd_head", "sh_head", "rep_px"}  # the owner, the heads above, a read-only share
WRITES = {"rep_pd1", "pd_head", "sh_head"}


def test_ticket_state_machine(org):
    customer = make_customer(org.rep_pd1, "状态机医院", type="hospital")
    make_share(customer, user=org.rep_px, access="read")
    users = {name: getattr(org, name) for name in USERS}
    ids = {u.pk: name for name, u in users.items()}

    class Tickets(RuleBasedStateMachine):
        @initialize()
        def start(self):
            Ticket.objects.all().delete()
            self.model: dict[int, dict] = {}

        @rule(assignee=st.sampled_from(["rep_pd1", "pd_head", "rep_px"]))
        def create(self, assignee):
            t = services.ticket_create(actor=org.rep_pd1, customer_id=customer.pk,
                                       data={"title": "客户咨询", "assignee_id": users[assignee].pk})
            self.model[t.pk] = {"status": "open", "assignee": assignee, "reopen_count": 0, "satisfaction": None}

        def _expect(self, who: str, ref: dict, action: str, valid: bool) -> str:
            if who not in SEES:
                return "not_found"
            if who not in WRITES and ref["assignee"] != who:
                return "forbidden"
            if action not in MOVES[ref["status"]]:
                return "illegal"
            if action == "reopen" and ref["status"] == "closed" and who not in WRITES:
                return "forbidden"
            return "ok" if valid else "invalid"

        def _run(self, call, expected: str) -> bool:
            try:
                call()
            except NotFound:
                outcome = "not_found"
            except PermissionDenied:
                outcome = "forbidden"
            except ApplicationError as exc:
                outcome = "illegal" if exc.code == "illegal_transition" else "invalid"
            else:
                outcome = "ok"
            assert outcome == expected, (outcome, expected)
            return outcome == "ok"

        @precondition(lambda self: bool(getattr(self, "model", None)))
        @rule(data=st.data(), who=st.sampled_from(USERS),
              action=st.sampled_from(["start", "resolve", "close", "reopen"]),
              text=st.sampled_from(["", "  ", "已处理"]), score=st.sampled_from([None, 0, 1, 3, 5, 6]))
        def transition(self, data, who, action, text, score):
            pk = data.draw(st.sampled_from(sorted(self.model)))
            ref = self.model[pk]
            actor = users[who]
            valid = {"start": True, "resolve": bool(text.strip()), "close": score is None or 1 <= score <= 5,
                     "reopen": bool(text.strip())}[action]
            calls = {
                "start": lambda: services.ticket_start(actor=actor, ticket_id=pk),
                "resolve": lambda: services.ticket_resolve(actor=actor, ticket_id=pk, resolution=text),
                "close": lambda: services.ticket_close(actor=actor, ticket_id=pk, satisfaction=score),
                "reopen": lambda: services.ticket_reopen(actor=actor, ticket_id=pk, note=text),
            }
            if self._run(calls[action], self._expect(who, ref, action, valid)):
                if action == "reopen":
                    ref["reopen_count"] += 1
                    ref["satisfaction"] = None
                if action == "close":
                    ref["satisfaction"] = score
                ref["status"] = MOVES[ref["status"]][action]

        @precondition(lambda self: bool(getattr(self, "model", None)))
        @rule(data=st.data(), who=st.sampled_from(USERS), to=st.sampled_from(USERS))
        def assign(self, data, who, to):
            pk = data.draw(st.sampled_from(sorted(self.model)))
            ref = self.model[pk]
            expected = self._expect(who, ref, "start", True)
            if expected in ("ok", "illegal"):  # assignment is not a status move
                if ref["status"] == "closed":
                    expected = "closed"
                else:
                    expected = "ok" if to in SEES and to != ref["assignee"] else "invalid"
            call = lambda: services.ticket_assign(actor=users[who], ticket_id=pk, assignee_id=users[to].pk)  # noqa: E731
            if expected == "closed":
                with pytest.raises(ApplicationError) as exc:
                    call()
                assert exc.value.code == "ticket_closed"
                return
            if self._run(call, expected):
                ref["assignee"] = to

        @invariant()
        def matches(self):
            if not hasattr(self, "model"):
                return
            rows = {pk: {"status": s, "assignee": ids[a], "reopen_count": r, "satisfaction": sat}
                    for pk, s, a, r, sat in Ticket.objects.values_list("pk", "status", "assignee_id", "reopen_count",
                                                                      "satisfaction")}
            assert rows == self.model
            for t in Ticket.objects.all():
                assert (t.resolved_at is not None) == (t.status in ("resolved", "closed"))
                assert (t.closed_at is not None) == (t.status == "closed")
                assert t.events.filter(kind="created").count() == 1

    Tickets.TestCase.settings = hsettings(max_examples=30, stateful_step_count=20, deadline=None)
    Tickets.TestCase().runTest()
