"""Every page of the web UI as rep, head and admin: status codes, the right customers, 404s."""

import pytest
from django.urls import reverse

from pharmcrm.customers.models import Customer

pytestmark = pytest.mark.django_db

# Every route that takes a customer id, with the method a peer would try.
CUSTOMER_ROUTES = [
    ("web:customer_detail", "get", {}),
    ("web:customer_detail", "get", {"tab": "shares"}),
    ("web:customer_detail", "get", {"tab": "history"}),
    ("web:customer_edit", "get", {}),
    ("web:customer_edit", "post", {"name": "x", "type": "agent", "status": "prospect"}),
    ("web:customer_delete", "get", {}),
    ("web:customer_delete", "post", {}),
    ("web:customer_restore", "get", {}),
    ("web:customer_restore", "post", {}),
    ("web:customer_shares", "get", {}),
    ("web:customer_shares", "post", {"target": "u:1", "access": "read"}),
    ("web:customer_detail", "get", {"tab": "qualifications"}),
    ("web:qualification_create", "get", {"type": "drug_licence"}),
    ("web:qualification_create", "post", {"type": "business_licence", "no_expiry": "on"}),
    # the public pool (web/urls_pool.py)
    ("web:pool_claim", "get", {}),
    ("web:pool_claim", "post", {}),
    ("web:pool_assign", "get", {}),
    ("web:pool_assign", "post", {"user": "1"}),
    ("web:customer_release", "get", {}),
    ("web:customer_release", "post", {"reason": "x"}),
    ("web:customer_pool_exempt", "get", {}),
    ("web:customer_pool_exempt", "post", {"exempt": "1"}),
    # follow-ups (web/urls_followups.py)
    ("web:customer_detail", "get", {"tab": "followups"}),
    ("web:followup_create", "get", {}),
    ("web:followup_create", "post", {"channel": "visit", "content": "x"}),
    # supervision and calendar (web/urls_supervision.py)
    ("web:plan_reschedule", "post", {"new_date": "2099-01-01"}),
    # service tickets (web/urls_tickets.py)
    ("web:customer_detail", "get", {"tab": "tickets"}),
    ("web:ticket_create", "get", {}),
    # sales orders (web/urls_orders.py)
    ("web:customer_detail", "get", {"tab": "orders"}),
    ("web:order_customer_terms", "post", {"credit_limit": "1"}),
    ("web:ticket_create", "post", {"type": "consultation", "priority": "normal", "title": "x"}),
    # the invoice ledger (web/urls_invoicing.py)
    ("web:customer_detail", "get", {"tab": "invoices"}),
    # opportunities and quotations (web/urls_opportunities.py, web/urls_quotations.py)
    ("web:customer_detail", "get", {"tab": "opportunities"}),
    ("web:opportunity_create", "get", {}),
    ("web:opportunity_create", "post", {"name": "x"}),
    ("web:customer_detail", "get", {"tab": "quotations"}),
    ("web:quotation_create", "get", {}),
    ("web:quotation_create", "post", {"valid_until": "2099-01-01"}),
]


def _web_routes(patterns=None, prefix=""):
    from django.urls import URLResolver, get_resolver

    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _web_routes(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p.name


def test_every_customer_id_route_is_listed():
    """A new web route taking a customer id must be added to CUSTOMER_ROUTES (and so tested)."""
    names = {f"web:{name}" for route, name in _web_routes()
             if "customer_id" in route and not route.startswith("api/")}
    covered = {r for r, _m, _d in CUSTOMER_ROUTES} | {"web:customer_share_delete"}
    # the 360° profile's routes (section and item ids) are enumerated in tests/web/test_profile_pages.py
    covered |= {"web:customer_profile_single", "web:customer_profile_new", "web:customer_profile_edit",
                "web:customer_profile_action"}
    # finance sees every customer's ledger (RoleScope finance:invoices=all): tests/invoicing/test_web.py
    covered |= {"web:invoice_issue", "web:pre_invoice"}
    assert names and names <= covered, names - covered


def test_login_required_everywhere(client, book):
    for name in ["web:desktop", "web:customer_list", "web:customer_create", "web:customer_recycle_bin",
                 "web:customer_transfer", "web:customer_export", "web:search"]:
        r = client.get(reverse(name))
        assert r.status_code == 302 and r["Location"].startswith(reverse("web:login")), name
    r = client.get(reverse("web:customer_detail", args=[book.pd1.pk]))
    assert r.status_code == 302


def test_login_page_and_login(client, org):
    r = client.get(reverse("web:login"))
    assert r.status_code == 200
    assert b'name="username"' in r.content and b'name="password"' in r.content
    r = client.post(reverse("web:login"), {"username": "rep_pd1", "password": "secret-pw-1"})
    assert r.status_code == 302 and r["Location"] == reverse("web:desktop")
    assert client.get(reverse("web:desktop")).status_code == 200


def test_wrong_password_and_inactive_user_messages(client, org):
    from pharmcrm.org.models import User

    r = client.post(reverse("web:login"), {"username": "rep_pd1", "password": "nope"})
    assert r.status_code == 200
    assert "用户名或密码错误" in r.content.decode()
    User.objects.filter(pk=org.rep_pd2.pk).update(is_active=False)
    r = client.post(reverse("web:login"), {"username": "rep_pd2", "password": "secret-pw-1"})
    assert r.status_code == 200
    assert "账号已停用" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_post(as_user, org):
    c = as_user(org.rep_pd1)
    assert c.get(reverse("web:logout")).status_code == 405
    r = c.post(reverse("web:logout"))
    assert r.status_code == 302
    assert c.get(reverse("web:desktop")).status_code == 302


@pytest.mark.parametrize("who", ["rep_pd1", "pd_head", "sh_head", "admin", "finance"])
def test_pages_open_for_every_role(as_user, org, book, who):
    user = getattr(org, who)
    c = as_user(user)
    for name in ["web:desktop", "web:customer_list", "web:customer_create", "web:customer_recycle_bin", "web:search",
                 "web:notification_list"]:
        r = c.get(reverse(name))
        assert r.status_code == 200, (who, name)
    r = c.get(reverse("web:customer_transfer"))
    assert r.status_code == (200 if user.is_admin or user.is_head else 403)


def test_navigation_by_role(as_user, org):
    body = as_user(org.rep_pd1).get(reverse("web:desktop")).content.decode()
    assert 'data-nav="customers"' in body and 'data-nav="settings"' not in body
    c = as_user(org.admin)
    body = c.get(reverse("web:desktop")).content.decode()
    assert 'data-nav="customers"' in body
    try:
        reverse("web:settings_home")
    except Exception:
        return
    assert 'data-nav="settings"' in body


def _listed(client, **params):
    r = client.get(reverse("web:customer_list"), params)
    assert r.status_code == 200
    return {c.pk for c in r.context["rows"]}


def test_list_shows_the_right_customers(as_user, org, book):
    assert _listed(as_user(org.rep_pd1)) == {book.pd1.pk, book.pd1b.pk}
    assert _listed(as_user(org.rep_pd2)) == {book.pd2.pk}
    assert _listed(as_user(org.pd_head)) == {book.pd1.pk, book.pd1b.pk, book.pd2.pk}
    assert _listed(as_user(org.sh_head)) == {book.pd1.pk, book.pd1b.pk, book.pd2.pk, book.px.pk}
    assert _listed(as_user(org.south_head)) == {book.gz.pk}
    assert _listed(as_user(org.admin)) == {c.pk for c in Customer.objects.all()}
    assert _listed(as_user(org.finance)) == set()


def test_list_filters_search_and_sort(as_user, org, book):
    c = as_user(org.admin)
    assert _listed(c, q="zjzyy") == {book.pd1b.pk}        # initials of 张江中医药
    assert _listed(c, q="zhangjiangzhongyi") == {book.pd1b.pk}
    assert _listed(c, q="仁济") == {book.pd1.pk}
    assert _listed(c, status="dormant") == {book.gz.pk}
    assert _listed(c, type="distributor") == {book.pd2.pk, book.gz.pk}
    assert _listed(c, grade="A") == {book.pd1.pk}
    assert _listed(c, owner=org.rep_pd1.pk) == {book.pd1.pk, book.pd1b.pk}
    assert _listed(c, department=org.sh.pk) == {book.pd1.pk, book.pd1b.pk, book.pd2.pk, book.px.pk}
    r = c.get(reverse("web:customer_list"), {"sort": "name"})
    names = [x.name for x in r.context["rows"]]
    assert names == sorted(names)
    # garbage in the URL is ignored, never a 500
    for params in ({"owner": "abc"}, {"department": "-1"}, {"sort": "evil"}, {"size": "9999"}, {"page": "x"},
                   {"page": "999999999999"}, {"status": "nope"}, {"q": "x" * 500}):
        assert c.get(reverse("web:customer_list"), params).status_code == 200, params


def test_list_pagination_and_page_size(as_user, org):
    from tests.factories import make_customer

    for i in range(25):
        make_customer(org.rep_pd1, f"分页客户{i:02d}")
    c = as_user(org.rep_pd1)
    r = c.get(reverse("web:customer_list"))
    assert len(r.context["rows"]) == 20 and r.context["has_next"] and str(r.context["count"]) == "25"
    r = c.get(reverse("web:customer_list"), {"page": 2})
    assert len(r.context["rows"]) == 5 and not r.context["has_next"]
    r = c.get(reverse("web:customer_list"), {"size": 50})
    assert len(r.context["rows"]) == 25


def test_capped_count_shown(as_user, org, settings):
    from tests.factories import make_customer

    settings.PHARMCRM = {**settings.PHARMCRM, "EXACT_COUNT_LIMIT": 3}
    for i in range(5):
        make_customer(org.rep_pd1, f"计数客户{i}")
    r = as_user(org.rep_pd1).get(reverse("web:customer_list"))
    assert "3+" in r.content.decode()


@pytest.mark.parametrize("peer", ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"])
@pytest.mark.parametrize("route,method,data", CUSTOMER_ROUTES)
def test_invisible_customer_is_404_on_every_route(as_user, org, book, peer, route, method, data):
    c = as_user(getattr(org, peer))
    url = reverse(route, args=[book.pd1.pk])
    r = c.get(url, data) if method == "get" else c.post(url, data)
    assert r.status_code == 404, (peer, route, method)
    assert Customer.objects.filter(pk=book.pd1.pk, deleted_at__isnull=True, name="上海仁济医院").exists()


def test_invisible_share_delete_is_404(as_user, org, book):
    from tests.factories import make_share

    share = make_share(book.pd1, user=org.rep_px)
    for peer in ("rep_pd2", "rep_gz"):
        r = as_user(getattr(org, peer)).post(reverse("web:customer_share_delete", args=[book.pd1.pk, share.pk]))
        assert r.status_code == 404
    r = as_user(org.rep_pd2).get(reverse("web:customer_share_delete", args=[book.pd1.pk, share.pk]))
    assert r.status_code == 404


def test_deleted_and_missing_customer_is_404(as_user, org, book):
    c = as_user(org.admin)
    assert c.get(reverse("web:customer_detail", args=[999999])).status_code == 404
    c.post(reverse("web:customer_delete", args=[book.pd1.pk]))
    assert c.get(reverse("web:customer_detail", args=[book.pd1.pk])).status_code == 404


def test_404_page_is_friendly_and_framed(as_user, org, book):
    r = as_user(org.rep_pd2).get(reverse("web:customer_detail", args=[book.pd1.pk]))
    body = r.content.decode()
    assert r.status_code == 404 and "app-sidebar" in body and "不存在" in body
    assert "上海仁济医院" not in body


def test_403_page_for_rep_on_transfer(as_user, org):
    r = as_user(org.rep_pd1).get(reverse("web:customer_transfer"))
    assert r.status_code == 403
    assert "app-sidebar" in r.content.decode()


def test_search_finds_visible_customers_only(as_user, org, book):
    r = as_user(org.rep_pd2).get(reverse("web:search"), {"q": "上海"})
    assert {c.pk for c in r.context["customers"]} == {book.pd2.pk}
    r = as_user(org.admin).get(reverse("web:search"), {"q": "shanghai"})
    assert book.pd1.pk in {c.pk for c in r.context["customers"]}


def test_desktop_lists_my_recent_customers(as_user, org, book):
    r = as_user(org.rep_pd1).get(reverse("web:desktop"))
    assert {c.pk for c in r.context["recent_customers"]} == {book.pd1.pk, book.pd1b.pk}
    assert str(r.context["my_count"]) == "2"
    r = as_user(org.finance).get(reverse("web:desktop"))
    assert r.context["recent_customers"] == [] and "新建客户" in r.content.decode()


def test_language_switch(as_user, org):
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:set_language"), {"language": "en", "next": "/customers/"})
    assert r.status_code == 302
    body = c.get(reverse("web:customer_list")).content.decode()
    assert "New customer" in body
    c.post(reverse("web:set_language"), {"language": "zh-hans", "next": "/"})
    assert "新建客户" in c.get(reverse("web:customer_list")).content.decode()


def test_my_customers_link_for_a_rep_filters_by_owner(as_user, org, book):
    from tests.factories import make_share

    make_share(book.pd2, user=org.rep_pd1)
    c = as_user(org.rep_pd1)
    assert _listed(c) == {book.pd1.pk, book.pd1b.pk, book.pd2.pk}
    assert _listed(c, owner=org.rep_pd1.pk) == {book.pd1.pk, book.pd1b.pk}
    assert _listed(c, owner=org.rep_pd2.pk) == {book.pd1.pk, book.pd1b.pk, book.pd2.pk}  # not a choice: ignored
