"""The agreement's state machine, the deposit's, the daily expiry, validation and the audit trail."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pharmcrm.agency import services
from pharmcrm.agency.models import AgencyAgreement, AgreementStatus, DepositStatus
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.models import AuditEvent
from tests.agency.helpers import make_agreement, make_product

pytestmark = pytest.mark.django_db
D = datetime.date
S = AgreementStatus


def test_create_makes_a_numbered_draft_and_audits_on_the_agent(world):
    a = services.agreement_create(actor=world.org.rep_pd1, agent_id=world.agent_a.pk, data={
        "start_date": world.today, "end_date": world.today + datetime.timedelta(days=30), "exclusive": True})
    assert a.status == S.DRAFT and a.number == f"DL-{datetime.date.today().year}-0001"
    b = services.agreement_create(actor=world.org.rep_pd1, agent_id=world.agent_a.pk, data={
        "start_date": world.today, "end_date": world.today})
    assert b.number.endswith("-0002")
    event = AuditEvent.objects.get(action="agreement_create", target_id=a.pk)
    assert event.customer_id == world.agent_a.pk and event.target_label == a.number


@pytest.mark.parametrize("data,field", [
    ({"end_date": D(2025, 1, 1)}, "end_date"),                   # before the start
    ({"number": "X" * 41}, "number"),
    ({"monthly_target": Decimal("-1")}, "monthly_target"),
    ({"yearly_target": Decimal("1.234")}, "yearly_target"),
    ({"deposit_amount": Decimal("1e13")}, "deposit_amount"),
    ({"notes": "x" * 5001}, "notes"),
    ({"exclusive": "yes"}, "exclusive"),
    ({"start_date": "2026-01-01"}, "start_date"),
    ({"owner": 1}, "owner"),
])
def test_create_validates(world, data, field):
    base = {"start_date": D(2026, 1, 1), "end_date": D(2026, 12, 31)}
    with pytest.raises(ApplicationError) as exc:
        services.agreement_create(actor=world.org.rep_pd1, agent_id=world.agent_a.pk, data={**base, **data})
    assert field in exc.value.fields
    assert not AgencyAgreement.objects.exists()


def test_duplicate_number_is_refused(world):
    make_agreement(world.agent_a, number="HT-1")
    with pytest.raises(ApplicationError) as exc:
        make_agreement(world.agent_b, number="HT-1")
    assert "number" in exc.value.fields


def test_only_agents_and_distributors_sign_agreements(world):
    with pytest.raises(ApplicationError) as exc:
        services.agreement_create(actor=world.org.rep_pd1, agent_id=world.hosp_xh.pk,
                                  data={"start_date": D(2026, 1, 1), "end_date": D(2026, 12, 31)})
    assert exc.value.code == "invalid_agent"


def test_activation_needs_lines_territory_and_a_future_end(world):
    a = make_agreement(world.agent_a)
    with pytest.raises(ApplicationError) as exc:
        services.agreement_activate(actor=world.org.rep_pd1, agreement_id=a.pk)
    assert exc.value.code == "incomplete" and {"lines", "territory"} <= set(exc.value.fields)
    past = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], start=D(2024, 1, 1),
                          end=D(2024, 12, 31))
    with pytest.raises(ApplicationError) as exc:
        services.agreement_activate(actor=world.org.rep_pd1, agreement_id=past.pk)
    assert "end_date" in exc.value.fields


def test_lines_and_territory_change_only_in_draft(world):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], activate=True)
    line = a.lines.get()
    region = a.regions.get()
    for call in (
        lambda: services.agreement_line_add(actor=world.org.rep_pd1, agreement_id=a.pk, product_id=world.p2.pk,
                                            data={"agency_price": Decimal("1")}),
        lambda: services.agreement_line_update(actor=world.org.rep_pd1, agreement_id=a.pk, line_id=line.pk,
                                               data={"agency_price": Decimal("2")}),
        lambda: services.agreement_line_remove(actor=world.org.rep_pd1, agreement_id=a.pk, line_id=line.pk),
        lambda: services.agreement_region_add(actor=world.org.rep_pd1, agreement_id=a.pk, region_code="330200"),
        lambda: services.agreement_region_remove(actor=world.org.rep_pd1, agreement_id=a.pk, region_id=region.pk),
        lambda: services.agreement_hospital_add(actor=world.org.rep_pd1, agreement_id=a.pk,
                                                hospital_id=world.hosp_xh.pk),
    ):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.code == "not_draft"
    assert a.lines.count() == 1 and a.regions.count() == 1


def test_territory_edits(world):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330106", "330102"])
    # 杭州市 replaces the two districts it covers
    services.agreement_region_add(actor=world.org.rep_pd1, agreement_id=a.pk, region_code="330100")
    assert list(a.regions.values_list("region_code", flat=True)) == ["330100"]
    for code, msg in (("330106", "已被本协议的"), ("330100", "已在协议中"), ("999999", "不存在"), ("33", "6位")):
        with pytest.raises(ApplicationError) as exc:
            services.agreement_region_add(actor=world.org.rep_pd1, agreement_id=a.pk, region_code=code)
        assert "region_code" in exc.value.fields and msg in exc.value.message, (code, exc.value.message)
    with pytest.raises(ApplicationError):  # inside 杭州市 already
        services.agreement_hospital_add(actor=world.org.rep_pd1, agreement_id=a.pk, hospital_id=world.hosp_xh.pk)
    with pytest.raises(ApplicationError) as exc:  # not visible to rep_pd1: "not found", not "forbidden"
        services.agreement_hospital_add(actor=world.org.rep_pd1, agreement_id=a.pk, hospital_id=world.hosp_zy.pk)
    assert exc.value.code == "invalid_hospital"
    with pytest.raises(ApplicationError):  # an agent is not a terminal
        services.agreement_hospital_add(actor=world.org.rep_pd1, agreement_id=a.pk, hospital_id=world.agent_a.pk)
    with pytest.raises(ApplicationError) as exc:
        services.agreement_line_add(actor=world.org.rep_pd1, agreement_id=a.pk, product_id=world.p1.pk,
                                    data={"agency_price": Decimal("3")})
    assert exc.value.code == "duplicate_product"
    discontinued = make_product("停产药", status="discontinued")
    with pytest.raises(ApplicationError):
        services.agreement_line_add(actor=world.org.rep_pd1, agreement_id=a.pk, product_id=discontinued.pk,
                                    data={"agency_price": Decimal("3")})
    with pytest.raises(ApplicationError) as exc:
        services.agreement_line_add(actor=world.org.rep_pd1, agreement_id=a.pk, product_id=world.p2.pk,
                                    data={"agency_price": Decimal("1.23456")})
    assert "agency_price" in exc.value.fields
    line = services.agreement_line_add(actor=world.org.rep_pd1, agreement_id=a.pk, product_id=world.p2.pk,
                                       data={"agency_price": Decimal("8.5"), "supply_price": Decimal("10.1234"),
                                             "yearly_quantity": 12000})
    services.agreement_line_update(actor=world.org.rep_pd1, agreement_id=a.pk, line_id=line.pk,
                                   data={"monthly_quantity": 1000})
    line.refresh_from_db()
    assert (line.supply_price, line.monthly_quantity, line.yearly_quantity) == (Decimal("10.1234"), 1000, 12000)
    actions = list(AuditEvent.objects.filter(customer_id=world.agent_a.pk, target_id=a.pk)
                   .values_list("action", flat=True))
    assert {"agreement_region_add", "agreement_line_add", "agreement_line_update"} <= set(actions)


def test_terminate_needs_a_reason_and_ends_for_good(world):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], activate=True)
    with pytest.raises(ApplicationError) as exc:
        services.agreement_terminate(actor=world.org.rep_pd1, agreement_id=a.pk, reason="  ")
    assert "reason" in exc.value.fields
    with pytest.raises(ApplicationError):
        services.agreement_terminate(actor=world.org.rep_pd1, agreement_id=a.pk, reason="x",
                                     terminated_on=world.today + datetime.timedelta(days=1))
    services.agreement_terminate(actor=world.org.rep_pd1, agreement_id=a.pk, reason="未完成任务量")
    a.refresh_from_db()
    assert a.status == S.TERMINATED and a.terminated_on == world.today and a.termination_reason == "未完成任务量"
    for call in (
        lambda: services.agreement_activate(actor=world.org.rep_pd1, agreement_id=a.pk),
        lambda: services.agreement_terminate(actor=world.org.rep_pd1, agreement_id=a.pk, reason="again"),
    ):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.code == "invalid_transition"
    # only notes may still change
    services.agreement_update(actor=world.org.rep_pd1, agreement_id=a.pk, data={"notes": "已结清"})
    with pytest.raises(ApplicationError):
        services.agreement_update(actor=world.org.rep_pd1, agreement_id=a.pk,
                                  data={"end_date": world.today + datetime.timedelta(days=900)})


def test_daily_expiry_is_idempotent_and_audited(world):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], start=world.today,
                       end=world.today + datetime.timedelta(days=10), activate=True)
    b = make_agreement(world.agent_b, products=[world.p1], regions=["330200"], start=world.today,
                       end=world.today + datetime.timedelta(days=20), activate=True)
    day = world.today + datetime.timedelta(days=10)
    assert services.agreements_expire(today=day) == 0            # the last day is still in force
    assert services.agreements_expire(today=day + datetime.timedelta(days=1)) == 1
    assert services.agreements_expire(today=day + datetime.timedelta(days=1)) == 0
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.status, b.status) == (S.EXPIRED, S.ACTIVE)
    event = AuditEvent.objects.get(action="agreement_expire")
    assert event.customer_id == world.agent_a.pk and event.actor is None


def test_daily_step_and_pool_exemption_are_registered(world):
    from pharmcrm.agency.daily import active_agent_exemption
    from pharmcrm.customers import pool
    from pharmcrm.customers.models import Customer

    assert active_agent_exemption in pool._EXEMPTIONS
    make_agreement(world.agent_a, products=[world.p1], regions=["330100"], activate=True)
    make_agreement(world.agent_b, products=[world.p1], regions=["330200"])  # a draft does not exempt
    exempt = set(Customer.objects.filter(pool.exempt_q()).values_list("pk", flat=True))
    assert world.agent_a.pk in exempt and world.agent_b.pk not in exempt
    from pharmcrm.core.daily import daily_steps, run_daily

    keys = [s.key for s in daily_steps()]
    assert keys.index("agreements") < keys.index("pool")  # expiry first: then the pool sees the truth
    make_agreement(world.agent_b, products=[world.p2], regions=["330200"], start=world.today,
                   end=world.today, activate=True)
    tomorrow = world.today + datetime.timedelta(days=1)
    (outcome,) = run_daily(tomorrow, only=["agreements"])
    assert outcome.ok and "1" in outcome.summary
    (outcome,) = run_daily(tomorrow, only=["agreements"])
    assert outcome.ok and "0" in outcome.summary


def test_deposit_states(world):
    a = make_agreement(world.agent_a, deposit_amount=Decimal("50000"))
    up = services.agreement_deposit_update
    actor = world.org.rep_pd1
    with pytest.raises(ApplicationError):
        up(actor=actor, agreement_id=a.pk, status=DepositStatus.REFUNDED)   # not paid yet
    up(actor=actor, agreement_id=a.pk, status=DepositStatus.PAID, on=world.today)
    with pytest.raises(ApplicationError):   # the amount is fixed once paid
        services.agreement_update(actor=actor, agreement_id=a.pk, data={"deposit_amount": Decimal("1")})
    with pytest.raises(ApplicationError) as exc:
        up(actor=actor, agreement_id=a.pk, status=DepositStatus.PARTLY_REFUNDED, refunded_amount=Decimal("50000"))
    assert "refunded_amount" in exc.value.fields
    up(actor=actor, agreement_id=a.pk, status=DepositStatus.PARTLY_REFUNDED, refunded_amount=Decimal("20000"))
    up(actor=actor, agreement_id=a.pk, status=DepositStatus.PARTLY_REFUNDED, refunded_amount=Decimal("30000"))
    up(actor=actor, agreement_id=a.pk, status=DepositStatus.REFUNDED)
    a.refresh_from_db()
    assert a.deposit_status == DepositStatus.REFUNDED and a.deposit_refunded_amount == Decimal("50000")
    with pytest.raises(ApplicationError):
        up(actor=actor, agreement_id=a.pk, status=DepositStatus.FORFEITED)
    assert AuditEvent.objects.filter(action="agreement_deposit", customer_id=world.agent_a.pk).count() == 4
    free = make_agreement(world.agent_a)
    with pytest.raises(ApplicationError) as exc:
        up(actor=actor, agreement_id=free.pk, status=DepositStatus.PAID)
    assert exc.value.code == "no_deposit"


# --- every transition, explored by a state machine --------------------------------------------

LEGAL = {
    ("draft", "activate"): "active",
    ("draft", "terminate"): "terminated",
    ("active", "terminate"): "terminated",
    ("active", "expire"): "expired",
}


@pytest.mark.django_db(transaction=True)
def test_state_machine(org):
    from tests.factories import make_customer

    agent = make_customer(org.rep_pd1, "状态机代理商", type="agent")
    product = make_product("状态机药")

    class Agreements(RuleBasedStateMachine):
        @initialize()
        def start(self):
            AgencyAgreement.objects.all().delete()
            self.model: dict[int, str] = {}
            self.n = 0

        @rule()
        def create(self):
            self.n += 1
            today = datetime.date.today()
            a = make_agreement(agent, actor=org.rep_pd1, products=[product], regions=["330100"],
                               start=today, end=today + datetime.timedelta(days=30), exclusive=False)
            self.model[a.pk] = "draft"

        @rule(data=st.data(), action=st.sampled_from(["activate", "terminate", "expire"]))
        def act(self, data, action):
            if not self.model:
                return
            pk = data.draw(st.sampled_from(sorted(self.model)))
            state = self.model[pk]
            expected = LEGAL.get((state, action))
            if action == "expire":
                AgencyAgreement.objects.filter(pk=pk).update(end_date=datetime.date.today()
                                                             - datetime.timedelta(days=1),
                                                             start_date=datetime.date.today()
                                                             - datetime.timedelta(days=5))
                services.agreements_expire()
                AgencyAgreement.objects.filter(pk=pk).update(end_date=datetime.date.today()
                                                             + datetime.timedelta(days=30))
                if expected:
                    self.model[pk] = expected
                return
            try:
                if action == "activate":
                    services.agreement_activate(actor=org.rep_pd1, agreement_id=pk)
                else:
                    services.agreement_terminate(actor=org.rep_pd1, agreement_id=pk, reason="测试")
            except ApplicationError as exc:
                assert expected is None, (state, action, exc.message)
                assert exc.code == "invalid_transition"
            else:
                assert expected is not None, f"{state} --{action}--> allowed"
                self.model[pk] = expected

        @invariant()
        def matches(self):
            if hasattr(self, "model"):
                assert dict(AgencyAgreement.objects.values_list("pk", "status")) == self.model

    Agreements.TestCase.settings = hsettings(max_examples=25, stateful_step_count=12, deadline=None)
    Agreements.TestCase().runTest()
