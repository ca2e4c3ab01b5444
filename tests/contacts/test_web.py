"""Contact pages through the web UI: list (filters, sort, pages, export), contact page, create/edit,
move/end/add, delete/restore, the customer page's 联系人 tab, the customer look-up, 404s, query counts."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pharmcrm.contacts import services
from pharmcrm.contacts.models import Contact, Employment
from pharmcrm.core.models import AuditEvent
from tests.contacts.conftest import new_contact
from tests.factories import make_customer, make_share

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def people(org, book):
    """王建华 at 仁济 (张伟), moved to 国药 (李娜); 李静 at 张江 (张伟); 陈刚 at 广州 (刘洋)."""
    p = type("People", (), {})()
    p.wang = new_contact(org.rep_pd1, book.pd1, "王建华", mobile="13800138000", birth_month=TODAY.month,
                         birth_day=TODAY.day, care_notes="爱好钓鱼",
                         care_dates=[{"label": "结婚纪念日", "month": 5, "day": 20}])
    services.contact_move(actor=org.pd_head, contact_id=p.wang.pk, from_employment_id=p.wang.employments.get().pk,
                          to_customer_id=book.pd2.pk, data={"title": "采购经理", "role": "purchasing"})
    p.li = new_contact(org.rep_pd1, book.pd1b, "李静", mobile="13912345678", wechat="lijing_88",
                       employment={"role": "owner", "title": "法人代表"})
    p.chen = new_contact(org.rep_gz, book.gz, "陈刚", employment={"role": "general_manager", "title": "总经理"})
    return p


def _listed(client, **params) -> list[str]:
    r = client.get(reverse("web:contact_list"), params)
    assert r.status_code == 200
    return [c.name for c in r.context["rows"]]


# --- list ----------------------------------------------------------------------------------

def test_the_list_shows_what_each_user_sees(as_user, org, people):
    assert _listed(as_user(org.rep_pd1)) == ["李静", "王建华"]          # sorted by pinyin: li < wang
    assert _listed(as_user(org.rep_pd2)) == ["王建华"]
    assert _listed(as_user(org.rep_gz)) == ["陈刚"]
    assert _listed(as_user(org.rep_px)) == []
    assert _listed(as_user(org.admin)) == ["陈刚", "李静", "王建华"]
    assert _listed(as_user(org.finance)) == []


def test_list_filters_search_and_sort(as_user, org, book, people):
    c = as_user(org.rep_pd1)
    assert _listed(c, q="wjh") == ["王建华"]
    assert _listed(c, q="wangjian") == ["王建华"]
    assert _listed(c, q="138-0013") == ["王建华"]
    assert _listed(c, q="lijing_88") == ["李静"]
    assert _listed(c, customer=book.pd1.pk) == ["王建华"]        # a former employer counts
    assert _listed(c, customer=book.pd1.pk, status="former") == ["王建华"]
    assert _listed(c, customer=book.pd1.pk, status="current") == []
    assert _listed(c, status="current") == ["李静"]              # 王建华 works at no customer 张伟 sees
    assert _listed(c, status="former") == ["王建华"]
    assert _listed(c, role="owner") == ["李静"]
    assert _listed(c, birthday="month") == ["王建华"]
    assert _listed(c, birthday="week") == ["王建华"]
    assert _listed(c, sort="-name") == ["王建华", "李静"]
    assert _listed(as_user(org.rep_pd2), customer=book.pd2.pk, status="current") == ["王建华"]
    # a customer the user cannot see is not a choice: the filter is ignored, nothing leaks
    assert _listed(as_user(org.rep_pd2), customer=book.gz.pk) == ["王建华"]
    for params in ({"customer": "abc"}, {"role": "x"}, {"status": "x"}, {"birthday": "x"}, {"sort": "evil"},
                   {"size": "9999"}, {"page": "x"}, {"page": "999999999"}, {"q": "x" * 500}):
        assert c.get(reverse("web:contact_list"), params).status_code == 200, params


def test_list_pagination_and_capped_count(as_user, org, book, settings):
    for i in range(25):
        new_contact(org.rep_pd1, book.pd1, f"联系人{i:02d}", employment={"role": "doctor"})
    c = as_user(org.rep_pd1)
    r = c.get(reverse("web:contact_list"))
    assert len(r.context["rows"]) == 20 and r.context["has_next"] and str(r.context["count"]) == "25"
    r = c.get(reverse("web:contact_list"), {"page": 2})
    assert len(r.context["rows"]) == 5 and not r.context["has_next"]
    settings.PHARMCRM = {**settings.PHARMCRM, "EXACT_COUNT_LIMIT": 3}
    assert "3+" in c.get(reverse("web:contact_list")).content.decode()


@pytest.mark.parametrize("who", ["rep_pd1", "pd_head", "admin"])
def test_list_query_count_does_not_grow_with_page_size(as_user, org, book, who):
    for i in range(110):
        c = new_contact(org.rep_pd1, book.pd1 if i % 2 else book.pd1b, f"批量{i:03d}", employment={"role": "doctor"})
        if i % 5 == 0:
            services.employment_add(actor=org.rep_pd1, contact_id=c.pk, customer_id=book.pd1b.pk if i % 2 else
                                    book.pd1.pk, data={"role": "other", "role_other": "兼职"})
    client = as_user(getattr(org, who))
    client.get(reverse("web:contact_list"))
    counts = {}
    for size in (20, 100):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(reverse("web:contact_list"), {"size": size})
        assert r.status_code == 200 and len(r.context["rows"]) == size
        counts[size] = len(ctx.captured_queries)
    assert counts[20] == counts[100], counts
    assert counts[100] <= 15, counts


def test_export_is_exactly_the_filtered_visible_rows(as_user, org, book, people):
    r = as_user(org.rep_pd1).get(reverse("web:contact_export"), {"q": "wang"})
    assert r.status_code == 200 and r["X-Export-Rows"] == "1"
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[0][:4] == ("ID", "姓名", "性别", "手机号")
    assert rows[1][1] == "王建华" and "上海仁济医院" in rows[1][9]
    text = repr(rows)
    assert "国药控股" not in text and "陈刚" not in text   # 国药 is 李娜's: 张伟 does not see that employment
    r = as_user(org.admin).get(reverse("web:contact_export"))
    assert r["X-Export-Rows"] == "3"


def test_export_query_count_is_bounded(as_user, org, book, django_assert_max_num_queries):
    for i in range(60):
        new_contact(org.rep_pd1, book.pd1, f"批量{i:03d}", employment={"role": "doctor"})
    c = as_user(org.rep_pd1)
    with django_assert_max_num_queries(10):
        assert c.get(reverse("web:contact_export"))["X-Export-Rows"] == "60"


# --- the contact page ----------------------------------------------------------------------

def test_contact_page_shows_only_visible_employers(as_user, org, book, people):
    url = reverse("web:contact_detail", args=[people.wang.pk])
    body = as_user(org.rep_pd1).get(url).content.decode()
    assert "上海仁济医院" in body and "国药控股上海有限公司" not in body   # the new employer is 李娜's
    assert "已离职" in body and "爱好钓鱼" in body and "结婚纪念日" in body and "今天生日" in body
    assert 'href="tel:13800138000"' in body
    assert 'data-testid="move"' not in body  # nothing current 张伟 may move
    body = as_user(org.rep_pd2).get(url).content.decode()
    assert "国药控股上海有限公司" in body and "上海仁济医院" not in body
    assert 'data-testid="move"' in body and 'data-testid="edit"' in body
    # the interactions: 李娜 sees the move into her customer, not the contact's history at 仁济
    r = as_user(org.rep_pd2).get(url)
    titles = [(i.title, i.customer_name) for i in r.context["interactions"]]
    assert ("从其他公司调入", "国药控股上海有限公司") in titles
    assert all(name != "上海仁济医院" for _t, name in titles)
    r = as_user(org.pd_head).get(url)
    assert {"新建联系人", "调往其他公司", "从其他公司调入"} <= {t for t, _n in
                                                   [(i.title, i.customer_name) for i in r.context["interactions"]]}


def test_contact_page_query_count_is_bounded(as_user, org, book, people, django_assert_max_num_queries):
    c = as_user(org.pd_head)
    url = reverse("web:contact_detail", args=[people.wang.pk])
    c.get(url)
    with django_assert_max_num_queries(30):
        assert c.get(url).status_code == 200


CONTACT_ROUTES = [
    ("web:contact_detail", "get", {}),
    ("web:contact_edit", "get", {}),
    ("web:contact_edit", "post", {"name": "改名"}),
    ("web:contact_delete", "get", {}),
    ("web:contact_delete", "post", {}),
    ("web:contact_restore", "get", {}),
    ("web:contact_restore", "post", {}),
    ("web:contact_move", "get", {}),
    ("web:contact_move", "post", {"to_customer": "1", "role": "doctor"}),
    ("web:contact_employment_add", "get", {}),
    ("web:contact_employment_add", "post", {"customer": "1", "role": "doctor"}),
]
EMPLOYMENT_ROUTES = [
    ("web:contact_employment_edit", "get", {}),
    ("web:contact_employment_edit", "post", {"role": "doctor"}),
    ("web:contact_employment_end", "get", {}),
    ("web:contact_employment_end", "post", {}),
]


def test_every_contact_id_route_is_listed():
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.name

    names = {f"web:{name}" for route, name in walk(get_resolver().url_patterns)
             if "contact_id" in route and not route.startswith("api/")}
    covered = {r for r, _m, _d in CONTACT_ROUTES + EMPLOYMENT_ROUTES}
    assert names and names == covered, names ^ covered


@pytest.mark.parametrize("peer", ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"])
def test_an_invisible_contact_is_404_on_every_route(as_user, org, book, peer):
    contact = new_contact(org.rep_pd1, book.pd1b, "秘密联系人")
    emp = contact.employments.get()
    c = as_user(getattr(org, peer))
    before = (Contact.objects.filter(deleted_at__isnull=True).count(), Employment.objects.count(),
              AuditEvent.objects.count())
    for route, method, data in CONTACT_ROUTES:
        url = reverse(route, args=[contact.pk])
        r = c.get(url, data) if method == "get" else c.post(url, data)
        assert r.status_code == 404, (peer, route, method, r.status_code)
        assert "秘密联系人" not in r.content.decode()
    for route, method, data in EMPLOYMENT_ROUTES:
        url = reverse(route, args=[contact.pk, emp.pk])
        r = c.get(url, data) if method == "get" else c.post(url, data)
        assert r.status_code == 404, (peer, route, method)
    assert (Contact.objects.filter(deleted_at__isnull=True).count(), Employment.objects.count(),
            AuditEvent.objects.count()) == before


def test_missing_and_deleted_contacts_are_404(as_user, org, book, people):
    c = as_user(org.admin)
    assert c.get(reverse("web:contact_detail", args=[999999])).status_code == 404
    services.contact_delete(actor=org.rep_pd1, contact_id=people.li.pk)
    assert c.get(reverse("web:contact_detail", args=[people.li.pk])).status_code == 404


def test_login_required(client, people):
    for url in [reverse("web:contact_list"), reverse("web:contact_export"), reverse("web:contact_create"),
                reverse("web:contact_recycle_bin"), reverse("web:customer_lookup"),
                reverse("web:contact_detail", args=[people.li.pk])]:
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], url


# --- create / edit ---------------------------------------------------------------------------

NEW = {"name": "赵红梅", "title": "采购经理", "role": "purchasing", "mobile": "139 0000 1111", "wechat": "zhm_2020",
       "birthday": "1980年5月6日", "care_notes": "喜欢喝普洱茶", "care_0_label": "孩子生日", "care_0_date": "09-01"}


def test_create_from_the_customer_tab_goes_back_to_it(as_user, org, book):
    c = as_user(org.rep_pd1)
    tab = reverse("web:customer_detail", args=[book.pd1.pk]) + "?tab=contacts"
    r = c.post(reverse("web:contact_create") + f"?customer={book.pd1.pk}",
               {**NEW, "customer": book.pd1.pk, "next": tab})
    assert r.status_code == 302 and r["Location"] == tab
    contact = Contact.objects.get(name="赵红梅")
    assert (contact.mobile, contact.birthday_text, contact.wechat) == ("13900001111", "1980-05-06", "zhm_2020")
    assert [str(d) for d in contact.care_dates.all()] == ["孩子生日 09-01"]
    emp = contact.employments.get()
    assert (emp.customer, emp.title, emp.role) == (book.pd1, "采购经理", "purchasing")
    body = c.get(tab).content.decode()
    assert "赵红梅" in body and "采购经理" in body


def test_create_errors_keep_input_and_write_nothing(as_user, org, book):
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:contact_create") + f"?customer={book.pd1.pk}",
               {**NEW, "customer": book.pd1.pk, "mobile": "12345", "birthday": "2月30日", "care_0_date": "13-40"})
    assert r.status_code == 400
    body = r.content.decode()
    assert 'data-testid="error-summary"' in body
    assert "请输入以1开头的11位手机号" not in body or "日期不存在" in body  # the form's own parse comes first
    assert "日期不存在" in body or "生日请按" in body
    assert 'value="赵红梅"' in body and "喜欢喝普洱茶" in body     # nothing typed is lost
    assert not Contact.objects.exists()
    r = c.post(reverse("web:contact_create") + f"?customer={book.pd1.pk}",
               {**NEW, "customer": book.pd1.pk, "mobile": "12345"})
    assert r.status_code == 400 and "请输入以1开头的11位手机号" in r.content.decode()
    r = c.post(reverse("web:contact_create"), {**NEW, "role": "other"})
    assert r.status_code == 400
    assert set(r.context["form"].errors) >= {"customer"}


def test_create_at_a_customer_one_may_only_read(as_user, org, book):
    make_share(book.pd2, user=org.rep_pd1, access="read")
    c = as_user(org.rep_pd1)
    r = c.get(reverse("web:contact_create") + f"?customer={book.pd2.pk}")
    assert r.status_code == 302 and r["Location"] == reverse("web:customer_detail", args=[book.pd2.pk])
    assert c.get(reverse("web:contact_create") + f"?customer={book.gz.pk}").status_code == 404
    # posting another customer's id than the ones offered is refused, not a 500
    r = c.post(reverse("web:contact_create"), {**NEW, "customer": book.pd2.pk})
    assert r.status_code == 400 and not Contact.objects.exists()


def test_edit_with_care_dates(as_user, org, book, people):
    c = as_user(org.rep_pd1)
    url = reverse("web:contact_edit", args=[people.li.pk])
    r = c.get(url)
    assert r.status_code == 200 and 'value="13912345678"' in r.content.decode()
    data = {"name": "李静", "mobile": "13912345678", "birthday": "03-08", "gender": "female",
            "care_0_label": "结婚纪念日", "care_0_date": "2010-10-01", "care_1_label": "", "care_1_date": ""}
    r = c.post(url, data)
    assert r.status_code == 302
    people.li.refresh_from_db()
    assert people.li.birthday_text == "03-08" and people.li.gender == "female"
    assert [d.text for d in people.li.care_dates.all()] == ["2010-10-01"]
    r = c.post(url, {**data, "care_0_date": "02-30"})
    assert r.status_code == 400 and "日期不存在" in r.content.decode()
    # a colleague who only reads the customer may not edit
    make_share(book.pd1b, user=org.rep_pd2, access="read")
    assert as_user(org.rep_pd2).get(url).status_code == 403


# --- move / end / add ----------------------------------------------------------------------

def test_move_from_the_customer_tab_and_back(as_user, org, book, people):
    c = as_user(org.rep_pd1)
    tab = reverse("web:customer_detail", args=[book.pd1b.pk]) + "?tab=contacts"
    emp = people.li.employments.get()
    r = c.get(reverse("web:contact_detail", args=[people.li.pk]), {"move": emp.pk, "next": tab})
    body = r.content.decode()
    assert 'id="move-dialog"' in body and "data-open" in body.split('id="move-dialog"')[1][:200]
    r = c.post(reverse("web:contact_move", args=[people.li.pk]),
               {"from_employment": emp.pk, "to_customer": book.pd1.pk, "date": TODAY.isoformat(),
                "title": "副院长", "role": "president", "next": tab})
    assert r.status_code == 302 and r["Location"] == tab
    emp.refresh_from_db()
    assert emp.end_date == TODAY
    assert Employment.objects.get(contact=people.li, end_date__isnull=True).customer == book.pd1
    body = c.get(tab).content.decode()
    assert 'data-testid="former-contacts"' in body and f'data-testid="former-row-{people.li.pk}"' in body
    assert "上海仁济医院" in body  # where they work now (张伟 sees it)


def test_move_errors_reopen_the_dialog(as_user, org, book, people):
    c = as_user(org.rep_pd1)
    emp = people.li.employments.get()
    r = c.post(reverse("web:contact_move", args=[people.li.pk]),
               {"from_employment": emp.pk, "to_customer": book.pd1b.pk, "role": "owner"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "新公司就是此人现在任职的公司" in body
    assert re.search(r'id="move-dialog"[^>]*data-open', body)
    r = c.post(reverse("web:contact_move", args=[people.li.pk]),
               {"from_employment": emp.pk, "to_customer": book.gz.pk, "role": "owner"})
    assert r.status_code == 400  # not a choice (张伟 cannot write 广州): the form refuses
    assert Employment.objects.filter(contact=people.li).count() == 1


def test_end_from_the_tab_and_add_employment(as_user, org, book, people):
    c = as_user(org.rep_pd1)
    tab = reverse("web:customer_detail", args=[book.pd1b.pk]) + "?tab=contacts"
    emp = people.li.employments.get()
    r = c.post(reverse("web:contact_employment_end", args=[people.li.pk, emp.pk]), {"next": tab})
    assert r.status_code == 302 and r["Location"] == tab
    emp.refresh_from_db()
    assert emp.end_date == TODAY
    r = c.post(reverse("web:contact_employment_end", args=[people.li.pk, emp.pk]), {}, follow=True)
    assert "该任职已于" in r.content.decode()  # a second click: said, nothing changes
    r = c.post(reverse("web:contact_employment_add", args=[people.li.pk]),
               {"customer": book.pd1.pk, "role": "other", "role_other": "顾问", "start_date": "2024-01-01"})
    assert r.status_code == 302
    assert Employment.objects.filter(contact=people.li, customer=book.pd1, end_date__isnull=True).exists()
    r = c.post(reverse("web:contact_employment_add", args=[people.li.pk]),
               {"customer": book.pd1.pk, "role": "doctor"})
    assert r.status_code == 400 and "重叠" in r.content.decode()


def test_correct_an_employment(as_user, org, book, people):
    c = as_user(org.rep_pd1)
    emp = people.li.employments.get()
    url = reverse("web:contact_employment_edit", args=[people.li.pk, emp.pk])
    assert c.get(url).status_code == 200
    r = c.post(url, {"title": "董事长", "role": "owner", "start_date": "2019-03-01", "is_primary": "on"})
    assert r.status_code == 302
    emp.refresh_from_db()
    assert (emp.title, emp.start_date, emp.is_primary) == ("董事长", datetime.date(2019, 3, 1), True)
    r = c.post(url, {"title": "董事长", "role": "owner", "start_date": "2019-03-01", "end_date": "2018-01-01"})
    assert r.status_code == 400 and "不能早于入职日期" in r.content.decode()


# --- delete / restore ----------------------------------------------------------------------

def test_delete_asks_and_restore(as_user, org, book, people):
    c = as_user(org.rep_pd1)
    body = c.get(reverse("web:contact_detail", args=[people.li.pk])).content.decode()
    assert "data-confirm=" in body and "联系人回收站" in body
    assert c.get(reverse("web:contact_delete", args=[people.li.pk])).status_code == 405
    r = c.post(reverse("web:contact_delete", args=[people.li.pk]))
    assert r.status_code == 302 and Contact.objects.get(pk=people.li.pk).deleted_at is not None
    r = c.get(reverse("web:contact_recycle_bin"))
    assert [x.pk for x in r.context["rows"]] == [people.li.pk]
    assert as_user(org.rep_pd2).get(reverse("web:contact_recycle_bin")).context["rows"] == []
    r = as_user(org.rep_pd1).post(reverse("web:contact_restore", args=[people.li.pk]))
    assert r.status_code == 302 and Contact.objects.get(pk=people.li.pk).deleted_at is None


# --- customer tab and look-up -------------------------------------------------------------

def test_customer_tab(as_user, org, book, people):
    r = as_user(org.rep_pd1).get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "contacts"})
    body = r.content.decode()
    tabs = [t.key for t in r.context["tabs"]]
    assert tabs.index("contacts") == tabs.index("overview") + 1
    assert r.context["current_contacts"] == [] and [e.contact for e in r.context["former_contacts"]] == [people.wang]
    assert "<details" in body and 'data-testid="add-contact"' in body
    assert "国药控股" not in body  # where 王建华 went is 李娜's customer: not shown to 张伟
    r = as_user(org.pd_head).get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "contacts"})
    assert "国药控股上海有限公司" in r.content.decode()  # the head sees where they went
    make_share(book.pd1, user=org.rep_px, access="read")
    body = as_user(org.rep_px).get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "contacts"}
                                   ).content.decode()
    assert 'data-testid="add-contact"' not in body and "王建华" in body


def test_customer_tab_query_count(as_user, org, book, django_assert_max_num_queries):
    for i in range(30):
        c = new_contact(org.rep_pd1, book.pd1, f"批量{i:02d}", employment={"role": "doctor"})
        if i % 3 == 0:
            services.employment_end(actor=org.rep_pd1, contact_id=c.pk, employment_id=c.employments.get().pk)
    client = as_user(org.rep_pd1)
    url = reverse("web:customer_detail", args=[book.pd1.pk])
    client.get(url, {"tab": "contacts"})
    with django_assert_max_num_queries(25):
        assert client.get(url, {"tab": "contacts"}).status_code == 200


def test_customer_lookup(as_user, org, book):
    c = as_user(org.rep_pd1)
    data = c.get(reverse("web:customer_lookup"), {"q": "shanghai"}).json()
    assert {d["label"] for d in data} == {"上海仁济医院"}
    assert {d["id"] for d in c.get(reverse("web:customer_lookup")).json()} == {book.pd1.pk, book.pd1b.pk}
    make_share(book.pd2, user=org.rep_pd1, access="read")
    assert book.pd2.pk in {d["id"] for d in c.get(reverse("web:customer_lookup")).json()}
    assert book.pd2.pk not in {d["id"] for d in c.get(reverse("web:customer_lookup"), {"writable": "1"}).json()}
    assert book.pd1.pk not in {d["id"] for d in c.get(reverse("web:customer_lookup"), {"exclude": book.pd1.pk}).json()}
    assert as_user(org.finance).get(reverse("web:customer_lookup"), {"q": "上海"}).json() == []
    for i in range(30):
        make_customer(org.rep_pd1, f"查找客户{i}")
    c = as_user(org.rep_pd1)
    assert len(c.get(reverse("web:customer_lookup"), {"limit": 500}).json()) == 20


def test_navigation_has_contacts(as_user, org):
    body = as_user(org.rep_pd1).get(reverse("web:desktop")).content.decode()
    assert 'data-nav="contacts"' in body and "联系人" in body

