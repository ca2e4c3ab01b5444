"""The public pool's screens: the pool list (claim, assign, quota), release from the customer page,
exemption, the rules in 设置, the customer header and history; 404s for the invisible, 403s."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pharmcrm.customers import pool
from pharmcrm.customers import pool_services as ps
from pharmcrm.customers.models import Customer, PoolEvent, PoolPolicy
from pharmcrm.org.models import User
from tests.factories import make_customer, make_share

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def released(owner, name=None, **fields) -> Customer:
    c = make_customer(owner, name, **fields)
    return ps.customer_release(actor=fresh(owner), customer_id=c.pk, reason="客户暂无需求")


def body(response) -> str:
    return response.content.decode()


class TestPoolList:
    def test_rep_sees_the_pool_with_claim_and_quota(self, as_user, org):
        c = released(org.rep_pd1, "浦东康泰医药有限公司")
        r = as_user(org.rep_pd2).get(reverse("web:pool_list"))
        assert r.status_code == 200
        html = body(r)
        assert "浦东康泰医药有限公司" in html and "客户暂无需求" in html and "张伟" in html
        assert "今天还可领取 5 个" in html
        assert f'action="{reverse("web:pool_claim", args=[c.pk])}"' in html
        assert 'data-testid="assign"' not in html  # reps do not assign

    def test_heads_assign_outsiders_see_nothing(self, as_user, org):
        c = released(org.rep_pd1)
        html = body(as_user(org.sh_head).get(reverse("web:pool_list")))
        assert reverse("web:pool_assign", args=[c.pk]) in html
        for outsider in (org.rep_gz, org.rep_px, org.finance):
            r = as_user(outsider).get(reverse("web:pool_list"))
            assert r.status_code == 200 and r.context["rows"] == []

    def test_previous_owner_sees_the_ban(self, as_user, org):
        released(org.rep_pd1)
        html = body(as_user(org.rep_pd1).get(reverse("web:pool_list")))
        assert 'data-testid="claim"' not in html and "起" in html

    def test_filters(self, as_user, org):
        a = released(org.rep_pd1, "杭州西湖医药有限公司", type="agent", region_code="330106")
        released(org.rep_pd1, "上海浦东医院", type="hospital", region_code="310115")
        c = as_user(org.rep_pd2)

        def names(**params):
            return {x.name for x in c.get(reverse("web:pool_list"), params).context["rows"]}

        assert names(type="agent") == {"杭州西湖医药有限公司"}
        assert names(region="330000") == {"杭州西湖医药有限公司"}
        assert names(q="pudong") == {"上海浦东医院"}
        assert names(pool=org.pd.pk) == {"杭州西湖医药有限公司", "上海浦东医院"}
        assert names(since="2000-01-01") == {"杭州西湖医药有限公司", "上海浦东医院"}
        assert names(since="2999-01-01") == set()
        assert names(since="not-a-date", sort="bogus", pool="x") == {"杭州西湖医药有限公司", "上海浦东医院"}
        assert a.pk in {x.pk for x in c.get(reverse("web:pool_list"), {"sort": "name"}).context["rows"]}

    def test_query_count_is_constant(self, as_user, org):
        c = as_user(org.sh_head)
        counts = []
        for n in (3, 12):
            while Customer.objects.filter(owner__isnull=True).count() < n:
                released(org.rep_pd1)
            c.get(reverse("web:pool_list"))  # warm the caches (rules, plan estimate)
            with CaptureQueriesContext(connection) as ctx:
                r = c.get(reverse("web:pool_list"))
            assert len(r.context["rows"]) == n
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts

    def test_linked_from_the_customer_list(self, as_user, org):
        assert reverse("web:pool_list") in body(as_user(org.rep_pd1).get(reverse("web:customer_list")))


class TestClaim:
    def test_claim_from_the_list(self, as_user, org):
        c = released(org.rep_pd1)
        r = as_user(org.rep_pd2).post(reverse("web:pool_claim", args=[c.pk]), {"next": reverse("web:pool_list")})
        assert r.status_code == 302 and r["Location"] == reverse("web:customer_detail", args=[c.pk])
        assert Customer.objects.get(pk=c.pk).owner_id == org.rep_pd2.pk

    def test_refused_claim_says_why(self, as_user, org):
        c = released(org.rep_pd1)
        client = as_user(org.rep_pd1)
        r = client.post(reverse("web:pool_claim", args=[c.pk]), {"next": reverse("web:pool_list")}, follow=True)
        assert "起您才能重新领取" in body(r)
        assert Customer.objects.get(pk=c.pk).owner_id is None

    def test_invisible_and_get(self, as_user, org):
        c = released(org.rep_pd1)
        assert as_user(org.rep_gz).post(reverse("web:pool_claim", args=[c.pk])).status_code == 404
        assert as_user(org.rep_pd2).get(reverse("web:pool_claim", args=[c.pk])).status_code == 405
        assert as_user(org.finance).post(reverse("web:pool_claim", args=[c.pk])).status_code == 404

    def test_non_sales_visible_is_403(self, as_user, org):
        from tests.factories import make_user

        sales_admin = make_user("sa", department=org.pd, roles=("sales_admin",))
        c = released(org.rep_pd1)
        assert as_user(sales_admin).post(reverse("web:pool_claim", args=[c.pk])).status_code == 403


class TestRelease:
    def test_owner_releases(self, as_user, org):
        c = make_customer(org.rep_pd1, "要释放的客户")
        client = as_user(org.rep_pd1)
        r = client.get(reverse("web:customer_release", args=[c.pk]))
        assert r.status_code == 200 and "data-confirm" in body(r)
        r = client.post(reverse("web:customer_release", args=[c.pk]), {"reason": ""})
        assert r.status_code == 400 and "请填写释放到公海的原因" in body(r)
        r = client.post(reverse("web:customer_release", args=[c.pk]), {"reason": "今年没有需求"})
        assert r.status_code == 302
        c.refresh_from_db()
        assert c.owner_id is None and c.pool_department_id == org.pd.pk
        assert PoolEvent.objects.get(customer=c).reason == "今年没有需求"

    def test_who(self, as_user, org):
        c = make_customer(org.rep_pd1)
        make_share(c, user=org.rep_px, access="write")
        assert as_user(org.rep_px).get(reverse("web:customer_release", args=[c.pk])).status_code == 403
        assert as_user(org.rep_px).post(reverse("web:customer_release", args=[c.pk]),
                                        {"reason": "x"}).status_code == 403
        assert as_user(org.rep_pd2).post(reverse("web:customer_release", args=[c.pk]),
                                         {"reason": "x"}).status_code == 404
        assert as_user(org.sh_head).get(reverse("web:customer_release", args=[c.pk])).status_code == 200
        assert Customer.objects.get(pk=c.pk).owner_id == org.rep_pd1.pk


class TestCustomerPage:
    def test_owned_customer_header(self, as_user, org):
        c = make_customer(org.rep_pd1)
        html = body(as_user(org.rep_pd1).get(reverse("web:customer_detail", args=[c.pk])))
        assert reverse("web:customer_release", args=[c.pk]) in html
        assert 'data-testid="pool-due"' in html and "天后退回公海" in html
        assert 'data-testid="pool-exempt-toggle"' not in html  # the owner does not exempt
        html = body(as_user(org.sh_head).get(reverse("web:customer_detail", args=[c.pk])))
        assert 'data-testid="pool-exempt-toggle"' in html

    def test_pool_customer_header(self, as_user, org):
        c = released(org.rep_pd1)
        html = body(as_user(org.rep_pd2).get(reverse("web:customer_detail", args=[c.pk])))
        assert 'data-testid="pool-tag"' in html and "公海" in html and "浦东组" in html
        assert reverse("web:pool_claim", args=[c.pk]) in html
        for hidden in ('data-testid="edit"', 'data-testid="share"', 'data-testid="delete"', 'data-testid="assign"',
                       'data-testid="release"'):
            assert hidden not in html, hidden
        html = body(as_user(org.sh_head).get(reverse("web:customer_detail", args=[c.pk])))
        assert 'data-testid="assign"' in html and 'data-testid="share"' not in html
        html = body(as_user(org.rep_pd1).get(reverse("web:customer_detail", args=[c.pk])))
        assert 'data-testid="claim-banned"' in html

    def test_history_tab_shows_the_pool(self, as_user, org):
        c = released(org.rep_pd1)
        ps.customer_claim(actor=fresh(org.rep_pd2), customer_id=c.pk)
        html = body(as_user(org.rep_pd2).get(reverse("web:customer_detail", args=[c.pk]), {"tab": "history"}))
        assert "释放到公海" in html and "从公海领取" in html and "客户暂无需求" in html

    def test_search_finds_pool_customers(self, as_user, org):
        released(org.rep_pd1, "公海里的客户")
        r = as_user(org.rep_pd2).get(reverse("web:search"), {"q": "公海里"})
        assert [c.name for c in r.context["customers"]] == ["公海里的客户"]
        assert "公海 · 浦东组" in body(r)
        assert as_user(org.rep_gz).get(reverse("web:search"), {"q": "公海里"}).context["customers"] == []

    def test_customer_list_leaves_the_pool_out(self, as_user, org):
        c = released(org.rep_pd1)
        assert c.pk not in {x.pk for x in as_user(org.sh_head).get(reverse("web:customer_list")).context["rows"]}


class TestAssignAndExempt:
    def test_head_assigns(self, as_user, org):
        c = released(org.rep_pd1)
        client = as_user(org.sh_head)
        assert client.get(reverse("web:pool_assign", args=[c.pk])).status_code == 200
        r = client.post(reverse("web:pool_assign", args=[c.pk]), {"user": str(org.rep_gz.pk)})
        assert r.status_code == 400  # not in the head's team: the choice is refused
        r = client.post(reverse("web:pool_assign", args=[c.pk]), {"user": str(org.rep_px.pk), "reason": "浦西跟进",
                                                                   "next": reverse("web:pool_list")})
        assert r.status_code == 302 and r["Location"] == reverse("web:pool_list")
        assert Customer.objects.get(pk=c.pk).owner_id == org.rep_px.pk

    def test_assign_rights(self, as_user, org):
        c = released(org.rep_pd1)
        assert as_user(org.rep_pd2).get(reverse("web:pool_assign", args=[c.pk])).status_code == 403
        assert as_user(org.south_head).get(reverse("web:pool_assign", args=[c.pk])).status_code == 404

    def test_exempt(self, as_user, org):
        c = make_customer(org.rep_pd1)
        assert as_user(org.rep_pd1).post(reverse("web:customer_pool_exempt", args=[c.pk]),
                                         {"exempt": "1"}).status_code == 403
        assert as_user(org.south_head).post(reverse("web:customer_pool_exempt", args=[c.pk]),
                                            {"exempt": "1"}).status_code == 404
        r = as_user(org.pd_head).post(reverse("web:customer_pool_exempt", args=[c.pk]), {"exempt": "1"})
        assert r.status_code == 302 and Customer.objects.get(pk=c.pk).pool_exempt
        html = body(as_user(org.rep_pd1).get(reverse("web:customer_detail", args=[c.pk])))
        assert 'data-testid="pool-exempt"' in html


class TestSettings:
    def test_admin_edits_the_rules(self, as_user, org):
        client = as_user(org.admin)
        r = client.get(reverse("web:settings_pool"))
        assert r.status_code == 200 and "未跟进天数" in body(r)
        data = {"auto_recycle": "on", "followup_days": "45", "deal_days": "120", "warning_days": "5",
                "claims_per_day": "3", "max_owned": "300", "reclaim_days": "60", "pool_level": "2"}
        r = client.post(reverse("web:settings_pool"), {**data, "warning_days": "50"})
        assert r.status_code == 400 and "提前提醒天数须少于" in body(r)
        assert not PoolPolicy.objects.exists()
        r = client.post(reverse("web:settings_pool"), data)
        assert r.status_code == 302
        p = pool.policy_get()
        assert (p.followup_days, p.deal_days, p.claims_per_day, p.pool_level) == (45, 120, 3, 2)
        html = body(client.get(reverse("web:settings_pool")))
        assert 'data-testid="pool-settings-history"' in html and "45" in html
        r = client.post(reverse("web:settings_pool"), {k: v for k, v in data.items() if k != "auto_recycle"})
        assert r.status_code == 302 and not pool.policy_get().auto_recycle

    @pytest.mark.parametrize("who", ["sh_head", "rep_pd1", "finance"])
    def test_others_403(self, as_user, org, who):
        assert as_user(getattr(org, who)).get(reverse("web:settings_pool")).status_code == 403
        assert as_user(getattr(org, who)).post(reverse("web:settings_pool"), {"followup_days": "1"}).status_code == 403
