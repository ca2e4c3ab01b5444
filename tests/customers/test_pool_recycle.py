"""Automatic recycling (``pool_services.pool_recycle``, the daily job's pool step): the N/M/K day
boundaries in Asia/Shanghai, exemptions, idempotency — also with hypothesis over random dates,
checked against due dates computed here with plain date arithmetic."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pharmcrm.core.audit import audit_customer_history
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import pool, pool_selectors
from pharmcrm.customers import pool_services as ps
from pharmcrm.customers.models import Customer, CustomerShare, PoolEvent, PoolPolicy
from pharmcrm.org.models import User
from tests.factories import make_customer, make_share, make_user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC


def at(day: str, time: str = "12:00") -> datetime.datetime:
    """A moment in Shanghai time."""
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def d(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


def set_policy(**values) -> PoolPolicy:
    policy = PoolPolicy.objects.filter(pk=1).first() or PoolPolicy(pk=1)
    for k, v in values.items():
        setattr(policy, k, v)
    policy.save()
    pool.policy_forget()
    return policy


def clocks(c: Customer, *, created=None, owned=None, followup=None, deal=None) -> Customer:
    Customer.objects.filter(pk=c.pk).update(created_at=created or at("2020-01-01"), owned_since=owned,
                                            last_followup_at=followup, last_deal_at=deal)
    return Customer.objects.get(pk=c.pk)


def in_pool(c: Customer) -> bool:
    return Customer.objects.get(pk=c.pk).owner_id is None


def state():
    return (list(Customer.objects.order_by("pk").values()), PoolEvent.objects.count(), AuditEvent.objects.count(),
            CustomerShare.objects.count())


class TestBoundaries:
    def test_followup_days_counted_in_shanghai(self, org):
        set_policy(followup_days=30, deal_days=0)
        late = clocks(make_customer(org.rep_pd1), followup=at("2026-01-01", "23:59:59"))
        # 2026-01-02 00:00 in Shanghai is still 2026-01-01 in UTC: it counts as a follow-up on the 2nd
        early = clocks(make_customer(org.rep_pd1), followup=at("2026-01-02", "00:00:00"))
        assert early.last_followup_at.astimezone(UTC).date() == d("2026-01-01")
        ps.pool_recycle(day=d("2026-01-30"))
        assert not in_pool(late) and not in_pool(early)
        assert ps.pool_recycle(day=d("2026-01-31")).recycled == 1
        assert in_pool(late) and not in_pool(early)
        assert ps.pool_recycle(day=d("2026-02-01")).recycled == 1
        assert in_pool(early)

    def test_deal_days(self, org):
        set_policy(followup_days=0, deal_days=90)
        c = clocks(make_customer(org.rep_pd1), followup=at("2026-03-30"), deal=at("2026-01-01"))
        ps.pool_recycle(day=d("2026-03-31"))
        assert not in_pool(c)
        ps.pool_recycle(day=d("2026-04-01"))
        assert in_pool(c)
        assert PoolEvent.objects.get(kind="auto_recycle").reason == "连续 90 天未成交"

    def test_the_earlier_rule_wins_and_is_the_reason(self, org):
        set_policy(followup_days=30, deal_days=90)
        c = clocks(make_customer(org.rep_pd1), followup=at("2026-01-01"), deal=at("2026-01-15"))
        assert pool.due_of(pool.policy_get(), c) == pool.Due(d("2026-01-31"), "followup", 30)
        ps.pool_recycle(day=d("2026-01-31"))
        assert in_pool(c)
        ev = PoolEvent.objects.get(kind="auto_recycle")
        assert (ev.reason, ev.from_user_id, ev.actor_id, ev.department_id) == (
            "连续 30 天未跟进", org.rep_pd1.pk, None, org.pd.pk)
        audit = audit_customer_history(customer_id=c.pk)[0]
        assert (audit.action, audit.actor, audit.target_label) == ("pool_recycle", None, "连续 30 天未跟进")

    def test_no_followup_recorded_counts_from_creation(self, org):
        set_policy(followup_days=30, deal_days=0)
        c = clocks(make_customer(org.rep_pd1), created=at("2026-01-01"))
        ps.pool_recycle(day=d("2026-01-30"))
        assert not in_pool(c)
        ps.pool_recycle(day=d("2026-01-31"))
        assert in_pool(c)

    def test_a_new_owner_gets_the_full_period(self, org):
        set_policy(followup_days=30, deal_days=90)
        c = clocks(make_customer(org.rep_pd1), followup=at("2025-01-01"), deal=at("2025-01-01"),
                   owned=at("2026-01-10"))
        ps.pool_recycle(day=d("2026-02-08"))
        assert not in_pool(c)
        ps.pool_recycle(day=d("2026-02-09"))
        assert in_pool(c)

    def test_rules_switched_off(self, org):
        set_policy(followup_days=0, deal_days=0)
        c = clocks(make_customer(org.rep_pd1))
        assert ps.pool_recycle(day=d("2030-01-01")).recycled == 0 and not in_pool(c)

    def test_auto_recycle_off(self, org):
        set_policy(auto_recycle=False)
        c = clocks(make_customer(org.rep_pd1))
        result = ps.pool_recycle(day=d("2030-01-01"))
        assert not result.enabled and result.recycled == 0 and not in_pool(c)
        assert "关闭" in result.summary() or "off" in result.summary()

    def test_pool_level_and_shares(self, org):
        set_policy(pool_level=2)
        c = clocks(make_customer(org.rep_pd1))
        make_share(c, user=org.rep_px)
        ps.pool_recycle(day=d("2026-01-01"))
        c.refresh_from_db()
        assert (c.owner_id, c.owner_department_id, c.pool_department_id) == (None, None, org.east.pk)
        assert not CustomerShare.objects.filter(customer=c).exists()

    def test_deleted_and_pool_customers_untouched(self, org):
        c = clocks(make_customer(org.rep_pd1))
        Customer.objects.filter(pk=c.pk).update(deleted_at=at("2026-01-01"))
        assert ps.pool_recycle(day=d("2026-06-01")).recycled == 0

    def test_owner_without_department_is_skipped(self, org):
        loner = make_user("loner", department=None)
        c = clocks(make_customer(loner))
        result = ps.pool_recycle(day=d("2026-06-01"))
        assert (result.recycled, result.skipped) == (0, 1) and not in_pool(c)


class TestExemptions:
    def test_manual_flag(self, org):
        c = clocks(make_customer(org.rep_pd1, pool_exempt=True))
        assert ps.pool_recycle(day=d("2026-06-01")).recycled == 0 and not in_pool(c)
        assert pool_selectors.pool_warnings(actor=User.objects.get(pk=org.rep_pd1.pk)) == []

    def test_registered_hook(self, org):
        """Other areas (agency agreements) extend ``exempt_q``; recycling honours it."""
        a = clocks(make_customer(org.rep_pd1, "有协议的代理商"))
        b = clocks(make_customer(org.rep_pd1, "没有协议的代理商"))

        def hook():
            return Q(name="有协议的代理商")

        pool.register_exemption(hook)
        try:
            assert ps.pool_recycle(day=d("2026-06-01")).recycled == 1
        finally:
            pool._EXEMPTIONS.remove(hook)
        assert not in_pool(a) and in_pool(b)

    def test_recent_deals_and_status_are_not_special(self, org):
        """An 'active' customer with a recent deal still returns for lack of follow-up (N days)."""
        set_policy(followup_days=30, deal_days=90)
        c = clocks(make_customer(org.rep_pd1, status="active"), followup=at("2026-01-01"), deal=at("2026-01-30"))
        ps.pool_recycle(day=d("2026-01-31"))
        assert in_pool(c)


class TestWarningsAndIdempotency:
    def test_warned_once_per_due_date(self, org):
        set_policy(followup_days=30, deal_days=0, warning_days=3)
        c = clocks(make_customer(org.rep_pd1), followup=at("2026-01-01"))  # due 2026-01-31
        assert ps.pool_recycle(day=d("2026-01-27")).warned == 0
        r = ps.pool_recycle(day=d("2026-01-28"))
        assert (r.warned, r.recycled) == (1, 0)
        ev = PoolEvent.objects.get(kind="warning")
        assert (ev.customer_id, ev.to_user_id, ev.due_on) == (c.pk, org.rep_pd1.pk, d("2026-01-31"))
        assert ps.pool_recycle(day=d("2026-01-28")).warned == 0  # same day again
        assert ps.pool_recycle(day=d("2026-01-29")).warned == 0  # next day: already warned
        # a follow-up moves the due date: a new cycle, warned again when it comes close
        Customer.objects.filter(pk=c.pk).update(last_followup_at=at("2026-01-29"))
        assert ps.pool_recycle(day=d("2026-01-30")).warned == 0
        assert ps.pool_recycle(day=d("2026-02-25")).warned == 1
        assert list(PoolEvent.objects.filter(kind="warning").order_by("at", "id").values_list("due_on", flat=True)) == [
            d("2026-01-31"), d("2026-02-28")]
        label = audit_customer_history(customer_id=c.pk)[0].target_label
        assert "2026-02-28" in label

    def test_pool_warnings_selector(self, org, monkeypatch):
        set_policy(followup_days=30, deal_days=0, warning_days=3)
        monkeypatch.setattr(pool, "today", lambda: d("2026-01-29"))
        soon = clocks(make_customer(org.rep_pd1, "明天回收"), followup=at("2026-01-01"))  # due 01-31
        sooner = clocks(make_customer(org.rep_pd1, "后天回收"), followup=at("2025-12-31"))  # due 01-30
        clocks(make_customer(org.rep_pd1, "还早"), followup=at("2026-01-20"))
        clocks(make_customer(org.rep_pd2, "别人的"), followup=at("2026-01-01"))
        rows = pool_selectors.pool_warnings(actor=User.objects.get(pk=org.rep_pd1.pk))
        assert [c.pk for c in rows] == [sooner.pk, soon.pk]
        assert rows[0].pool_due.on == d("2026-01-30")
        team = pool_selectors.pool_warnings(actor=User.objects.get(pk=org.pd_head.pk), team=True)
        assert {c.name for c in team} == {"明天回收", "后天回收", "别人的"}
        assert pool_selectors.pool_warnings(actor=User.objects.get(pk=org.rep_gz.pk), team=True) == []

    def test_pool_warnings_two_rules_match_plain_arithmetic(self, org, monkeypatch):
        """One index walk per rule, merged: the same rows, in the same order, as computing every
        customer's due date here and sorting, with a limit smaller than the matches."""
        import random

        set_policy(followup_days=30, deal_days=60, warning_days=5)
        monkeypatch.setattr(pool, "today", lambda: d("2026-03-01"))
        rng = random.Random(7)
        start = at("2025-12-20")
        for i in range(40):
            def moment():
                return start + datetime.timedelta(hours=rng.randrange(0, 24 * 70)) if rng.random() < 0.8 else None
            clocks(make_customer(rng.choice([org.rep_pd1, org.rep_pd2]), f"客户{i}"), owned=moment(),
                   followup=moment(), deal=moment())
        horizon = d("2026-03-06")
        expected = []
        for c in Customer.objects.filter(owner__isnull=False, owner_department__isnull=False, deleted_at__isnull=True):
            own = c.owned_since or c.created_at
            moment = min(max(c.last_followup_at or c.created_at, own) + datetime.timedelta(days=30),
                         max(c.last_deal_at or c.created_at, own) + datetime.timedelta(days=60))
            if moment.astimezone(SHANGHAI).date() <= horizon:
                expected.append((moment, c.pk))
        expected = [pk for _, pk in sorted(expected)]
        assert len(expected) > 6  # the fixture exercises the limit
        head = User.objects.get(pk=org.pd_head.pk)
        assert [c.pk for c in pool_selectors.pool_warnings(actor=head, team=True, limit=6)] == expected[:6]
        assert [c.pk for c in pool_selectors.pool_warnings(actor=head, team=True, limit=100)] == expected

    def test_running_twice_changes_nothing_the_second_time(self, org):
        set_policy(followup_days=30, deal_days=90, warning_days=5)
        for i in range(6):
            clocks(make_customer(org.rep_pd1), followup=at("2026-01-01") + datetime.timedelta(days=3 * i))
        ps.pool_recycle(day=d("2026-02-05"))
        before = state()
        again = ps.pool_recycle(day=d("2026-02-05"))
        assert (again.recycled, again.warned) == (0, 0)
        assert state() == before


# --- hypothesis: random clocks, random run days --------------------------------------------

def expected_due(policy, created, owned, followup, deal) -> datetime.date | None:
    """Independent of customers.pool: plain date arithmetic in Shanghai time."""
    def day(x):
        return x.astimezone(SHANGHAI).date()

    own = day(owned or created)
    dues = []
    if policy["followup_days"]:
        dues.append(max(day(followup or created), own) + datetime.timedelta(days=policy["followup_days"]))
    if policy["deal_days"]:
        dues.append(max(day(deal or created), own) + datetime.timedelta(days=policy["deal_days"]))
    return min(dues) if dues else None


BASE = datetime.datetime(2026, 1, 1, tzinfo=UTC)
moment = st.integers(0, 200 * 24 * 60).map(lambda m: BASE + datetime.timedelta(minutes=m))
customer_clocks = st.fixed_dictionaries({
    "created": moment,
    "owned": st.none() | moment,
    "followup": st.none() | moment,
    "deal": st.none() | moment,
    "exempt": st.integers(0, 5).map(lambda n: n == 0),
})
policies = st.fixed_dictionaries({
    "followup_days": st.sampled_from([0, 1, 7, 30]),
    "deal_days": st.sampled_from([0, 10, 90]),
    "warning_days": st.sampled_from([0, 1, 3]),
})


@hsettings(max_examples=60)
@given(policy=policies, specs=st.lists(customer_clocks, min_size=1, max_size=6),
       days=st.lists(st.integers(0, 320), min_size=1, max_size=4))
def test_recycling_matches_the_calendar(org, policy, specs, days):
    rules = [x for x in (policy["followup_days"], policy["deal_days"]) if x]
    if rules and policy["warning_days"] >= min(rules):
        policy = {**policy, "warning_days": 0}
    with transaction.atomic():
        set_policy(**policy)
        made = []
        for spec in specs:
            c = make_customer(org.rep_pd1, pool_exempt=spec["exempt"])
            Customer.objects.filter(pk=c.pk).update(created_at=spec["created"], owned_since=spec["owned"],
                                                    last_followup_at=spec["followup"], last_deal_at=spec["deal"])
            made.append((c.pk, spec, expected_due(policy, spec["created"], spec["owned"], spec["followup"],
                                                  spec["deal"])))
        warned: dict[int, set] = {}
        for offset in sorted(days):
            day = d("2026-01-01") + datetime.timedelta(days=offset)
            ps.pool_recycle(day=day)
            before = state()
            again = ps.pool_recycle(day=day)
            assert (again.recycled, again.warned) == (0, 0) and state() == before  # idempotent
            owners = dict(Customer.objects.filter(pk__in=[m[0] for m in made]).values_list("pk", "owner_id"))
            for pk, spec, due in made:
                should = due is not None and due <= day and not spec["exempt"]
                assert (owners[pk] is None) == should, (pk, spec, due, day)
            for pk, due_on in PoolEvent.objects.filter(kind="warning").values_list("customer_id", "due_on"):
                warned.setdefault(pk, set()).add(due_on)
        for pk, spec, due in made:
            got = warned.get(pk, set())
            assert len(PoolEvent.objects.filter(kind="warning", customer_id=pk)) == len(got)  # once per due date
            if spec["exempt"] or not policy["warning_days"] or due is None:
                assert not got
            else:
                assert got <= {due}
                window = [o for o in days if due - datetime.timedelta(days=policy["warning_days"])
                          <= d("2026-01-01") + datetime.timedelta(days=o) < due]
                assert bool(got) == bool(window), (spec, due, days)
        transaction.set_rollback(True)
