"""The public pool's services and selectors: release, claim (limits X/Y/Z), assign, exempt, rules,
and who sees a pool customer (DOMAIN.md "Ownership, visibility, sharing": Public pool)."""

from __future__ import annotations

import datetime

import pytest

from pharmcrm.core.audit import audit_customer_history
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers import pool, pool_selectors, selectors, services
from pharmcrm.customers import pool_services as ps
from pharmcrm.customers.models import Customer, CustomerShare, PoolEvent, PoolPolicy
from pharmcrm.org import services as org_services
from pharmcrm.org import visibility
from pharmcrm.org.models import Role, User
from tests.factories import make_customer, make_share, make_user

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def released(owner: User, name: str | None = None, **fields) -> Customer:
    """A customer of ``owner`` released to the pool by ``owner``."""
    c = make_customer(owner, name, **fields)
    return ps.customer_release(actor=fresh(owner), customer_id=c.pk, reason="客户暂无需求")


def set_policy(**values) -> PoolPolicy:
    policy = PoolPolicy.objects.filter(pk=1).first() or PoolPolicy(pk=1)
    for k, v in values.items():
        setattr(policy, k, v)
    policy.save()
    pool.policy_forget()
    return policy


def sees(user: User, customer: Customer) -> bool:
    return visibility.can_see(fresh(user), customer.pk)


# --- release -------------------------------------------------------------------------------

class TestRelease:
    def test_owner_releases_to_their_department_pool(self, org):
        c = make_customer(org.rep_pd1, "浦东康泰医药有限公司")
        make_share(c, user=org.rep_px, access="write")
        out = ps.customer_release(actor=fresh(org.rep_pd1), customer_id=c.pk, reason=" 客户暂无需求 ")
        c.refresh_from_db()
        assert (c.owner_id, c.owner_department_id, c.pool_department_id) == (None, None, org.pd.pk)
        assert out.pool_department == org.pd and c.released_at is not None and not c.pool_exempt
        assert not CustomerShare.objects.filter(customer=c).exists()  # shares are withdrawn
        ev = PoolEvent.objects.get(customer=c)
        assert (ev.kind, ev.from_user_id, ev.actor_id, ev.department_id, ev.reason) == (
            "release", org.rep_pd1.pk, org.rep_pd1.pk, org.pd.pk, "客户暂无需求")
        audit = audit_customer_history(customer_id=c.pk)[0]
        assert audit.action == "pool_release" and audit.target_label.startswith("客户暂无需求")
        assert audit.changes == {"owner": ["张伟", None], "pool_department": [None, "浦东组"]}

    def test_heads_above_and_admins_release(self, org):
        for actor in (org.pd_head, org.sh_head, org.ceo, org.admin):
            c = make_customer(org.rep_pd1)
            ps.customer_release(actor=fresh(actor), customer_id=c.pk, reason="调整")
            assert Customer.objects.get(pk=c.pk).pool_department_id == org.pd.pk

    def test_peers_get_404_and_sharees_403(self, org):
        c = make_customer(org.rep_pd1)
        make_share(c, user=org.rep_px, access="write")
        for outsider in (org.rep_pd2, org.rep_gz, org.south_head, org.finance):
            with pytest.raises(NotFound):
                ps.customer_release(actor=fresh(outsider), customer_id=c.pk, reason="x")
        with pytest.raises(PermissionDenied):
            ps.customer_release(actor=fresh(org.rep_px), customer_id=c.pk, reason="x")
        assert Customer.objects.get(pk=c.pk).owner_id == org.rep_pd1.pk
        assert not PoolEvent.objects.exists()

    @pytest.mark.parametrize("reason", ["", "   ", "理" * 301])
    def test_reason_is_required_and_short(self, org, reason):
        c = make_customer(org.rep_pd1)
        with pytest.raises(ApplicationError) as exc:
            ps.customer_release(actor=fresh(org.rep_pd1), customer_id=c.pk, reason=reason)
        assert "reason" in exc.value.fields
        assert Customer.objects.get(pk=c.pk).owner_id == org.rep_pd1.pk

    def test_twice_and_deleted(self, org):
        c = released(org.rep_pd1)
        with pytest.raises(ApplicationError) as exc:
            ps.customer_release(actor=fresh(org.sh_head), customer_id=c.pk, reason="x")
        assert exc.value.code == "in_pool"
        d = make_customer(org.rep_pd1)
        services.customer_delete(actor=fresh(org.rep_pd1), customer_id=d.pk)
        with pytest.raises(NotFound):
            ps.customer_release(actor=fresh(org.rep_pd1), customer_id=d.pk, reason="x")

    @pytest.mark.parametrize("level, pool_of", [(0, "pd"), (1, "hq"), (2, "east"), (3, "sh"), (4, "pd"), (9, "pd")])
    def test_pool_level(self, org, level, pool_of):
        set_policy(pool_level=level)
        c = released(org.rep_pd1)
        assert c.pool_department_id == getattr(org, pool_of).pk

    def test_owner_without_department(self, org):
        loner = make_user("loner", department=None)
        c = make_customer(loner)
        with pytest.raises(ApplicationError) as exc:
            ps.customer_release(actor=fresh(loner), customer_id=c.pk, reason="x")
        assert exc.value.code == "no_pool"
        # an administrator of a department releases it to their own department's pool
        ps.customer_release(actor=fresh(org.admin), customer_id=c.pk, reason="x")
        assert Customer.objects.get(pk=c.pk).pool_department_id == org.hq.pk


# --- who sees the pool -----------------------------------------------------------------------

class TestPoolVisibility:
    def test_sales_users_below_the_pool_read_it_heads_above_manage_it(self, org):
        c = released(org.rep_pd1)  # 浦东组's pool
        sales_admin = make_user("sa", department=org.pd, roles=(Role.SALES_ADMIN,))
        warehouse = make_user("wh", department=org.pd, roles=(Role.WAREHOUSE,))
        sub = org_services.department_create(actor=fresh(org.admin), name="浦东一组", parent_id=org.pd.pk)
        rep_sub = make_user("rep_sub", department=sub)
        readers = [org.rep_pd1, org.rep_pd2, sales_admin, rep_sub]
        managers = [org.pd_head, org.sh_head, org.east_head, org.ceo, org.admin]
        outsiders = [org.rep_px, org.rep_gz, org.south_head, org.finance, warehouse]
        for u in readers:
            assert sees(u, c), u
            assert not visibility.can_write(fresh(u), c.pk) and not visibility.can_manage(fresh(u), c.pk), u
        for u in managers:
            assert visibility.can_write(fresh(u), c.pk) and visibility.can_manage(fresh(u), c.pk), u
        for u in outsiders:
            assert not sees(u, c), u
        assert not visibility.transferable_customers(fresh(org.admin)).filter(pk=c.pk).exists()

    def test_a_higher_pool_is_seen_by_every_sales_user_below(self, org):
        set_policy(pool_level=3)  # 上海办事处
        c = released(org.rep_pd1)
        assert c.pool_department_id == org.sh.pk
        assert sees(org.rep_px, c) and sees(org.rep_pd2, c)
        assert not sees(org.rep_gz, c) and sees(org.pd_head, c)  # pd_head: a head below reads it
        assert visibility.can_manage(fresh(org.sh_head), c.pk)
        assert not visibility.can_manage(fresh(org.pd_head), c.pk)  # reads it, does not manage it

    def test_moving_a_user_or_a_department_moves_what_they_see(self, org):
        c = released(org.rep_pd1)
        assert not sees(org.rep_px, c)
        org_services.user_update(actor=fresh(org.admin), user_id=org.rep_px.pk, department_id=org.pd.pk)
        assert sees(org.rep_px, c)
        org_services.department_update(actor=fresh(org.admin), department_id=org.pd.pk, parent_id=org.south.pk)
        assert sees(org.south_head, c) and not sees(org.sh_head, c)

    def test_lists(self, org):
        c = released(org.rep_pd1)
        mine = make_customer(org.rep_pd2)
        rep = fresh(org.rep_pd2)
        assert set(selectors.customer_list(actor=rep).values_list("pk", flat=True)) == {mine.pk}
        assert set(pool_selectors.pool_list(actor=rep).values_list("pk", flat=True)) == {c.pk}
        row = pool_selectors.pool_list(actor=rep).get()
        assert (row.previous_owner_name, row.release_reason) == ("张伟", "客户暂无需求")
        assert [d.pk for d in pool_selectors.pool_departments(actor=rep)] == [org.pd.pk]
        assert set(pool_selectors.pool_list(actor=fresh(org.rep_gz)).values_list("pk", flat=True)) == set()

    def test_pool_list_filters(self, org):
        a = released(org.rep_pd1, "杭州西湖医药有限公司", type="agent", region_code="330106")
        b = released(org.rep_pd1, "上海浦东医院", type="hospital", region_code="310115")
        Customer.objects.filter(pk=a.pk).update(released_at=pool.local_midnight(datetime.date(2026, 1, 1)))
        rep = fresh(org.rep_pd2)

        def ids(**kw):
            return set(pool_selectors.pool_list(actor=rep, filters=pool_selectors.PoolFilters(**kw))
                       .values_list("pk", flat=True))

        assert ids(type="hospital") == {b.pk}
        assert ids(region="330000") == {a.pk} and ids(region="330106") == {a.pk} and ids(region="310000") == {b.pk}
        assert ids(released_since=datetime.date(2026, 1, 2)) == {b.pk}
        assert ids(q="xihu") == {a.pk}
        assert ids(department_id=org.pd.pk) == {a.pk, b.pk} and ids(department_id=org.sh.pk) == set()

    def test_pool_customers_are_not_shared_or_transferred(self, org):
        c = released(org.rep_pd1)
        with pytest.raises(ApplicationError):
            services.share_create(actor=fresh(org.sh_head), customer_id=c.pk, user_id=org.rep_px.pk)
        with pytest.raises(NotFound):
            services.customer_transfer(actor=fresh(org.admin), assignments=[
                services.TransferAssignment([c.pk], org.rep_pd2.pk)])

    def test_department_with_a_pool_is_not_deleted(self, org):
        c = make_customer(org.rep_px)
        ps.customer_release(actor=fresh(org.rep_px), customer_id=c.pk, reason="x")
        org_services.user_update(actor=fresh(org.admin), user_id=org.rep_px.pk, department_id=org.pd.pk)
        with pytest.raises(ApplicationError):
            org_services.department_delete(actor=fresh(org.admin), department_id=org.px.pk)


# --- claim ---------------------------------------------------------------------------------

@pytest.fixture
def on_day(monkeypatch):
    """``on_day(date)``: the pool's "today" (claims and bans count calendar days)."""

    def set_day(day: datetime.date):
        monkeypatch.setattr(pool, "today", lambda: day)

    return set_day


class TestClaim:
    def test_a_rep_claims(self, org):
        c = released(org.rep_pd1)
        before = Customer.objects.get(pk=c.pk).owned_since
        out = ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk)
        c.refresh_from_db()
        assert (c.owner_id, c.owner_department_id, c.pool_department_id, c.released_at) == (
            org.rep_pd2.pk, org.pd.pk, None, None)
        assert out.owner == org.rep_pd2 and c.owned_since > before  # the clocks restart
        ev = PoolEvent.objects.filter(kind="claim").get()
        assert (ev.to_user_id, ev.actor_id, ev.department_id) == (org.rep_pd2.pk, org.rep_pd2.pk, org.pd.pk)
        audit = audit_customer_history(customer_id=c.pk)[0]
        assert audit.action == "pool_claim" and audit.changes["owner"] == [None, "李娜"]
        assert not sees(org.rep_pd1, c)  # back to the ordinary rule: peers do not see it

    def test_outsiders_get_404_and_non_sales_403(self, org):
        c = released(org.rep_pd1)
        for outsider in (org.rep_px, org.rep_gz, org.south_head, org.finance):
            with pytest.raises(NotFound):
                ps.customer_claim(actor=fresh(outsider), customer_id=c.pk)
        sales_admin = make_user("sa", department=org.pd, roles=(Role.SALES_ADMIN,))
        for looker in (sales_admin, org.admin):
            with pytest.raises(PermissionDenied):
                ps.customer_claim(actor=fresh(looker), customer_id=c.pk)
        with pytest.raises(NotFound):
            ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk + 1000)
        assert Customer.objects.get(pk=c.pk).owner_id is None

    def test_heads_claim_too(self, org):
        c = released(org.rep_pd1)
        ps.customer_claim(actor=fresh(org.sh_head), customer_id=c.pk)
        assert Customer.objects.get(pk=c.pk).owner_department_id == org.sh.pk

    def test_not_in_pool(self, org):
        c = make_customer(org.rep_pd1)
        with pytest.raises(ApplicationError) as exc:
            ps.customer_claim(actor=fresh(org.pd_head), customer_id=c.pk)
        assert exc.value.code == "not_in_pool"

    def test_daily_limit(self, org, on_day):
        set_policy(claims_per_day=2)
        on_day(pool.today())
        cs = [released(org.rep_pd1) for _ in range(3)]
        rep = fresh(org.rep_pd2)
        ps.customer_claim(actor=rep, customer_id=cs[0].pk)
        ps.customer_claim(actor=rep, customer_id=cs[1].pk)
        assert pool_selectors.pool_quota(actor=rep).claims_left == 0
        with pytest.raises(ApplicationError) as exc:
            ps.customer_claim(actor=rep, customer_id=cs[2].pk)
        assert exc.value.code == "daily_limit" and "2" in exc.value.message
        on_day(pool.today() + datetime.timedelta(days=1))  # tomorrow
        assert pool_selectors.pool_quota(actor=rep).claims_left == 2
        ps.customer_claim(actor=rep, customer_id=cs[2].pk)

    def test_daily_limit_counts_local_days(self, org, on_day):
        """A claim at 00:30 Shanghai time (16:30 UTC the day before) counts for the Shanghai day."""
        set_policy(claims_per_day=1)
        c = released(org.rep_pd1)
        ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk)
        ev = PoolEvent.objects.get(kind="claim")
        ev.at = pool.local_midnight(datetime.date(2026, 3, 10)) + datetime.timedelta(minutes=30)
        ev.save()
        assert ps.claims_today(org.rep_pd2, datetime.date(2026, 3, 10)) == 1
        assert ps.claims_today(org.rep_pd2, datetime.date(2026, 3, 9)) == 0

    def test_total_limit(self, org):
        set_policy(max_owned=2)
        make_customer(org.rep_pd2)
        make_customer(org.rep_pd2)
        c = released(org.rep_pd1)
        with pytest.raises(ApplicationError) as exc:
            ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk)
        assert exc.value.code == "owned_limit"
        assert pool_selectors.pool_quota(actor=fresh(org.rep_pd2)).claims_left == 0
        # deleted customers do not count
        services.customer_delete(actor=fresh(org.rep_pd2), customer_id=Customer.objects.filter(
            owner=org.rep_pd2).first().pk)
        ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk)

    @pytest.mark.parametrize("kind", ["release", "recycle"])
    def test_previous_owner_cannot_reclaim_for_z_days(self, org, on_day, kind):
        set_policy(reclaim_days=30)
        c = make_customer(org.rep_pd1)
        if kind == "release":
            ps.customer_release(actor=fresh(org.sh_head), customer_id=c.pk, reason="x")
        else:
            old = pool.local_midnight(datetime.date(2020, 1, 1))
            Customer.objects.filter(pk=c.pk).update(created_at=old, owned_since=old)
            assert ps.pool_recycle().recycled == 1
        # released at 23:59 Shanghai time on 2026-01-01: allowed again from 2026-01-31
        PoolEvent.objects.filter(customer=c).update(
            at=pool.local_midnight(datetime.date(2026, 1, 2)) - datetime.timedelta(minutes=1))
        on_day(datetime.date(2026, 1, 30))
        with pytest.raises(ApplicationError) as exc:
            ps.customer_claim(actor=fresh(org.rep_pd1), customer_id=c.pk)
        assert exc.value.code == "reclaim_ban" and "2026-01-31" in exc.value.message
        status = pool_selectors.customer_pool_status(actor=fresh(org.rep_pd1), customer=Customer.objects.get(pk=c.pk))
        assert status["reclaim_from"] == datetime.date(2026, 1, 31)
        on_day(datetime.date(2026, 1, 31))
        ps.customer_claim(actor=fresh(org.rep_pd1), customer_id=c.pk)

    def test_others_may_claim_at_once(self, org):
        c = released(org.rep_pd1)
        ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk)

    def test_the_ban_follows_the_latest_release(self, org):
        c = released(org.rep_pd1)
        ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk)
        ps.customer_release(actor=fresh(org.rep_pd2), customer_id=c.pk, reason="x")
        ps.customer_claim(actor=fresh(org.rep_pd1), customer_id=c.pk)  # rep_pd2 is now the one barred

    def test_second_claim_of_the_same_customer_fails(self, org):
        c = released(org.rep_pd1)
        ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk)
        with pytest.raises(ApplicationError) as exc:
            ps.customer_claim(actor=fresh(org.pd_head), customer_id=c.pk)
        assert exc.value.code == "not_in_pool"
        assert PoolEvent.objects.filter(kind="claim").count() == 1


# --- assign --------------------------------------------------------------------------------

class TestAssign:
    def test_heads_assign_within_their_team(self, org):
        c = released(org.rep_pd1)
        ps.customer_assign_from_pool(actor=fresh(org.sh_head), customer_id=c.pk, user_id=org.rep_px.pk,
                                     reason="浦西组跟进")
        c.refresh_from_db()
        assert (c.owner_id, c.owner_department_id, c.pool_department_id) == (org.rep_px.pk, org.px.pk, None)
        ev = PoolEvent.objects.get(kind="assign")
        assert (ev.actor_id, ev.to_user_id, ev.reason) == (org.sh_head.pk, org.rep_px.pk, "浦西组跟进")
        assert audit_customer_history(customer_id=c.pk)[0].action == "pool_assign"

    def test_the_previous_owner_may_be_assigned_it(self, org):
        c = released(org.rep_pd1)
        ps.customer_assign_from_pool(actor=fresh(org.pd_head), customer_id=c.pk, user_id=org.rep_pd1.pk)

    def test_who_may_assign(self, org):
        c = released(org.rep_pd1)
        with pytest.raises(PermissionDenied):
            ps.customer_assign_from_pool(actor=fresh(org.rep_pd2), customer_id=c.pk, user_id=org.rep_pd2.pk)
        with pytest.raises(NotFound):
            ps.customer_assign_from_pool(actor=fresh(org.south_head), customer_id=c.pk, user_id=org.rep_gz.pk)

    @pytest.mark.parametrize("target", ["rep_gz", "finance"])
    def test_to_whom(self, org, target):
        c = released(org.rep_pd1)
        with pytest.raises(ApplicationError) as exc:
            ps.customer_assign_from_pool(actor=fresh(org.ceo), customer_id=c.pk,
                                         user_id=getattr(org, target).pk if target != "rep_gz" else
                                         make_user("outside", department=None).pk)
        assert "user_id" in exc.value.fields

    def test_total_limit_applies_to_the_new_owner(self, org):
        set_policy(max_owned=1, claims_per_day=0)  # the daily limit does not apply to assignments
        c = released(org.rep_pd1)
        ps.customer_assign_from_pool(actor=fresh(org.pd_head), customer_id=c.pk, user_id=org.rep_pd2.pk)
        d = released(org.rep_pd1)
        with pytest.raises(ApplicationError) as exc:
            ps.customer_assign_from_pool(actor=fresh(org.pd_head), customer_id=d.pk, user_id=org.rep_pd2.pk)
        assert exc.value.code == "owned_limit" and "user_id" in exc.value.fields


# --- exemption, rules ------------------------------------------------------------------------

class TestExemptAndPolicy:
    def test_heads_exempt(self, org):
        c = make_customer(org.rep_pd1)
        ps.customer_set_pool_exempt(actor=fresh(org.sh_head), customer_id=c.pk, exempt=True)
        assert Customer.objects.get(pk=c.pk).pool_exempt
        assert audit_customer_history(customer_id=c.pk)[0].action == "pool_exempt"
        with pytest.raises(PermissionDenied):  # not the owner: a head's decision
            ps.customer_set_pool_exempt(actor=fresh(org.rep_pd1), customer_id=c.pk, exempt=False)
        with pytest.raises(NotFound):
            ps.customer_set_pool_exempt(actor=fresh(org.south_head), customer_id=c.pk, exempt=False)
        ps.customer_set_pool_exempt(actor=fresh(org.admin), customer_id=c.pk, exempt=False)
        assert not Customer.objects.get(pk=c.pk).pool_exempt
        p = released(org.rep_pd1)
        with pytest.raises(ApplicationError):
            ps.customer_set_pool_exempt(actor=fresh(org.sh_head), customer_id=p.pk, exempt=True)

    def test_release_clears_the_exemption(self, org):
        c = make_customer(org.rep_pd1, pool_exempt=True)
        assert not ps.customer_release(actor=fresh(org.rep_pd1), customer_id=c.pk, reason="x").pool_exempt

    def test_defaults(self, db):
        p = pool.policy_get()
        assert (p.auto_recycle, p.followup_days, p.deal_days, p.warning_days, p.claims_per_day, p.max_owned,
                p.reclaim_days, p.pool_level) == (True, 30, 90, 3, 5, 500, 30, 0)
        assert p.pk == 1 and not PoolPolicy.objects.exists()

    def test_admin_updates_and_cache_follows(self, org):
        assert pool.policy_get().claims_per_day == 5
        ps.pool_policy_update(actor=fresh(org.admin), data={"claims_per_day": 8, "auto_recycle": False})
        assert pool.policy_get().claims_per_day == 8 and not pool.policy_get().auto_recycle
        assert PoolPolicy.objects.get().updated_by == org.admin
        with pytest.raises(PermissionDenied):
            ps.pool_policy_update(actor=fresh(org.sh_head), data={"claims_per_day": 1})

    @pytest.mark.parametrize("data, field", [
        ({"followup_days": -1}, "followup_days"),
        ({"followup_days": 4000}, "followup_days"),
        ({"claims_per_day": "5"}, "claims_per_day"),
        ({"auto_recycle": "yes"}, "auto_recycle"),
        ({"warning_days": 30}, "warning_days"),  # not fewer days than the 30-day rule
        ({"followup_days": 0, "deal_days": 5, "warning_days": 5}, "warning_days"),
        ({"owner": 1}, "owner"),
    ])
    def test_invalid(self, org, data, field):
        with pytest.raises(ApplicationError) as exc:
            ps.pool_policy_update(actor=fresh(org.admin), data=data)
        assert field in exc.value.fields
        assert not PoolPolicy.objects.exists()
