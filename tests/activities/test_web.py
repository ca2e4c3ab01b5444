"""Follow-up pages: the customer's 跟进记录 tab, the 写跟进 form with the last ten interactions
beside it, errors in Chinese, the edit window, comments, 404/403, the history tab's labels."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pharmcrm.activities import services
from pharmcrm.activities.models import FollowUp, FollowUpComment
from pharmcrm.customers.models import Customer
from tests.activities.conftest import log, shift_created
from tests.factories import make_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _new(customer) -> str:
    return reverse("web:followup_create", args=[customer.pk])


def _tab(customer) -> str:
    return reverse("web:customer_detail", args=[customer.pk]) + "?tab=followups"


def _ago(**kw) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kw)


def test_form_shows_the_last_ten_beside_it(org, book, web):
    for i in range(12):
        log(org.rep_pd1, book.pd1, f"第{i:02d}次沟通", occurred_at=_ago(days=20 - i))
    log(org.rep_pd2, book.pd2, "别家客户的沟通")
    r = web(org.rep_pd1).get(_new(book.pd1))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="followup-form"' in html and 'data-testid="last-ten"' in html
    assert html.count('data-testid="last-ten-item"') == 10
    assert "第11次沟通" in html and "第02次沟通" in html and "第01次沟通" not in html
    assert "别家客户的沟通" not in html
    assert "最近十次沟通" in html and "写跟进" in html and "王建华" in html  # Chinese UI, the contact offered


def test_post_creates_and_redirects_to_the_tab(org, book, web):
    client = web(org.rep_pd1)
    when = timezone.localtime(_ago(hours=1)).strftime("%Y-%m-%dT%H:%M")
    next_day = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    r = client.post(_new(book.pd1), {
        "occurred_at": when, "channel": "phone", "content": "电话沟通进院事宜", "contacts": [book.wang.pk],
        "products": [book.product.pk], "price_quoted": "12.5元/盒", "result": "同意上会", "next_date": next_day,
        "next_plan": "带样品拜访",
    })
    fu = FollowUp.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"?tab=followups#followup-{fu.pk}")
    assert fu.channel == "phone" and list(fu.contacts.all()) == [book.wang]
    assert list(fu.products.all()) == [book.product] and fu.next_date.isoformat() == next_day
    assert Customer.objects.get(pk=book.pd1.pk).last_followup_at == fu.occurred_at
    html = client.get(_tab(book.pd1)).content.decode()
    assert "电话沟通进院事宜" in html and "同意上会" in html and "带样品拜访" in html
    assert 'data-testid="followup-edit"' in html and 'data-testid="comment-form"' in html
    assert "跟进已记录" in html  # the message


def test_errors_are_shown_in_chinese_and_input_kept(org, book, web):
    future = timezone.localtime(timezone.now() + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = web(org.rep_pd1).post(_new(book.pd1), {"occurred_at": future, "channel": "visit", "content": "",
                                               "result": "保留我输入的内容", "next_plan": "再去一次"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "请填写沟通内容" in html and 'data-testid="error-summary"' in html
    assert "保留我输入的内容" in html and 'data-testid="last-ten"' in html
    r = web(org.rep_pd1).post(_new(book.pd1), {"occurred_at": future, "channel": "visit", "content": "内容",
                                               "next_plan": "再去一次"})
    html = r.content.decode()
    assert r.status_code == 400 and "跟进时间不能晚于现在" in html and "请同时填写下次跟进日期" in html
    assert not FollowUp.objects.exists()


def test_tab_lists_newest_first_with_comments(org, book, web):
    old = log(org.rep_pd1, book.pd1, "上个月的拜访", occurred_at=_ago(days=30))
    log(org.rep_pd1, book.pd1, "昨天的电话", channel="phone", occurred_at=_ago(days=1))
    services.followup_comment_add(actor=org.pd_head, followup_id=old.pk, text="主任已换人")
    html = web(org.rep_pd1).get(_tab(book.pd1)).content.decode()
    assert html.index("昨天的电话") < html.index("上个月的拜访") and "主任已换人" in html
    assert 'data-testid="tab-followups"' in html and 'data-testid="new-followup"' in html


def test_tab_query_count_is_constant(org, book, web):
    client = web(org.rep_pd1)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_tab(book.pd1)).status_code == 200
        return len(ctx.captured_queries)

    fu = log(org.rep_pd1, book.pd1, contact_ids=[book.wang.pk], product_ids=[book.product.pk])
    services.followup_comment_add(actor=org.rep_pd1, followup_id=fu.pk, text="补充")
    count()  # warm: the first request of a session reads a little more
    first = count()
    for _ in range(6):
        fu = log(org.rep_pd1, book.pd1, contact_ids=[book.wang.pk], product_ids=[book.product.pk])
        services.followup_comment_add(actor=org.rep_pd1, followup_id=fu.pk, text="补充")
    assert count() == first


def test_read_only_share_sees_but_cannot_log(org, book, web):
    log(org.rep_pd1, book.pd1, "可以看到")
    make_share(book.pd1, user=org.rep_gz, access="read")
    client = web(org.rep_gz)
    html = client.get(_tab(book.pd1)).content.decode()
    assert "可以看到" in html and 'data-testid="new-followup"' not in html and 'data-testid="comment-form"' not in html
    assert client.get(_new(book.pd1)).status_code == 403
    assert client.post(_new(book.pd1), {"channel": "visit", "content": "x"}).status_code == 403


def test_outsiders_get_404(org, book, web):
    fu = log(org.rep_pd1, book.pd1)
    client = web(org.rep_pd2)
    assert client.get(_new(book.pd1)).status_code == 404
    assert client.get(reverse("web:followup_edit", args=[fu.pk])).status_code == 404
    assert client.post(reverse("web:followup_comment", args=[fu.pk]), {"text": "x"}).status_code == 404
    assert not FollowUpComment.objects.exists()


def test_edit_within_the_window_then_only_comments(org, book, web):
    fu = log(org.rep_pd1, book.pd1, "原来的内容")
    client = web(org.rep_pd1)
    edit = reverse("web:followup_edit", args=[fu.pk])
    r = client.get(edit)
    assert r.status_code == 200 and "原来的内容" in r.content.decode() and "修改跟进记录" in r.content.decode()
    r = client.post(edit, {"occurred_at": timezone.localtime(fu.occurred_at).strftime("%Y-%m-%dT%H:%M"),
                           "channel": "visit", "content": "改正后的内容"})
    assert r.status_code == 302 and FollowUp.objects.get(pk=fu.pk).content == "改正后的内容"
    shift_created(fu, hours=24, minutes=1)
    r = client.get(edit, follow=True)
    html = r.content.decode()
    assert "已不能修改" in html and "请添加评论" in html and 'data-testid="followup-edit"' not in html
    r = client.post(edit, {"channel": "visit", "content": "再改"})
    assert r.status_code == 302 and FollowUp.objects.get(pk=fu.pk).content == "改正后的内容"
    r = client.post(reverse("web:followup_comment", args=[fu.pk]), {"text": "补充：已寄样品"}, follow=True)
    assert "补充：已寄样品" in r.content.decode() and "评论已添加" in r.content.decode()
    r = client.post(reverse("web:followup_comment", args=[fu.pk]), {"text": " "}, follow=True)
    assert "请填写评论内容" in r.content.decode()


def test_a_head_cannot_edit_but_may_comment(org, book, web):
    fu = log(org.rep_pd1, book.pd1)
    client = web(org.pd_head)
    html = client.get(_tab(book.pd1)).content.decode()
    assert 'data-testid="followup-edit"' not in html and 'data-testid="comment-form"' in html
    r = client.get(reverse("web:followup_edit", args=[fu.pk]))
    assert r.status_code == 302


def test_history_and_activity_tabs_name_follow_ups(org, book, web):
    fu = log(org.rep_pd1, book.pd1, "活动里能看到")
    services.followup_comment_add(actor=org.rep_pd1, followup_id=fu.pk, text="评论一下")
    client = web(org.rep_pd1)
    history = client.get(reverse("web:customer_detail", args=[book.pd1.pk]) + "?tab=history").content.decode()
    assert "记录跟进" in history and "评论跟进记录" in history and "followup_create" not in history
    activity = client.get(reverse("web:customer_detail", args=[book.pd1.pk]) + "?tab=activity").content.decode()
    assert "活动里能看到" in activity and "评论了跟进记录" in activity


def test_contact_page_shows_their_follow_ups(org, book, web):
    log(org.rep_pd1, book.pd1, "和王主任聊了新品", contact_ids=[book.wang.pk])
    html = web(org.rep_pd1).get(reverse("web:contact_detail", args=[book.wang.pk])).content.decode()
    assert "和王主任聊了新品" in html and "跟进（拜访）" in html


def test_the_follow_up_list_in_the_navigation(org, book, web):
    log(org.rep_pd1, book.pd1, "张伟的拜访", occurred_at=_ago(days=3))
    log(org.pd_head, book.pd1, "组长的电话", channel="phone", occurred_at=_ago(days=1))
    log(org.rep_pd2, book.pd2, "李娜的客户")
    client = web(org.rep_pd1)
    url = reverse("web:followup_list")
    html = client.get(url).content.decode()
    assert 'data-nav="followups"' in html and "跟进记录" in html
    assert "张伟的拜访" in html and "组长的电话" in html and "李娜的客户" not in html
    assert html.index("组长的电话") < html.index("张伟的拜访") and "上海仁济医院" in html
    html = client.get(url, {"who": "me"}).content.decode()
    assert "张伟的拜访" in html and "组长的电话" not in html
    html = client.get(url, {"channel": "phone"}).content.decode()
    assert "组长的电话" in html and "张伟的拜访" not in html
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    html = client.get(url, {"day_from": day}).content.decode()
    assert "组长的电话" in html and "张伟的拜访" not in html
    html = client.get(url, {"day_to": day, "channel": "nonsense", "day_from": "bad"}).content.decode()
    assert "张伟的拜访" in html and "组长的电话" not in html  # malformed values are ignored, never a 500
    head = web(org.pd_head).get(url).content.decode()
    assert "李娜的客户" in head


def test_the_list_query_count_is_constant(org, book, web):
    client = web(org.pd_head)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("web:followup_list")).status_code == 200
        return len(ctx.captured_queries)

    log(org.rep_pd1, book.pd1, contact_ids=[book.wang.pk], product_ids=[book.product.pk])
    count()
    first = count()
    for c in (book.pd1, book.pd2, book.pd1, book.pd2):
        log(c.owner, c)
    assert count() == first


def test_log_from_the_contact_page(org, book, web):
    client = web(org.rep_pd1)
    page = reverse("web:contact_detail", args=[book.wang.pk])
    html = client.get(page).content.decode()
    emp = book.wang.employments.get()
    assert f'data-testid="log-followup-{emp.pk}"' in html
    r = client.get(_new(book.pd1), {"contact": book.wang.pk, "next": page})
    assert r.context["form"].initial["contacts"] == [book.wang.pk]
    r = client.post(_new(book.pd1) + "?next=" + page, {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "channel": "wechat", "content": "微信沟通",
        "contacts": [book.wang.pk], "next": page})
    assert r.status_code == 302 and r["Location"] == page
    assert "微信沟通" in client.get(page).content.decode()


def test_attachments_on_the_form_and_the_tab(org, book, web):
    from tests.activities.conftest import pdf

    client = web(org.rep_pd1)
    r = client.post(_new(book.pd1), {"occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                                     "channel": "visit", "content": "送彩页", "files": [pdf("彩页.pdf")]})
    assert r.status_code == 302
    att = FollowUp.objects.get().attachments.get()
    html = client.get(_tab(book.pd1)).content.decode()
    url = reverse("web:followup_attachment", args=[att.pk])
    assert url in html and "彩页.pdf" in html
    r = web(org.pd_head).get(url)
    assert r.status_code == 200 and r["X-Content-Type-Options"] == "nosniff" and "inline" in r["Content-Disposition"]
    assert web(org.rep_pd2).get(url).status_code == 404
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("报价.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    r = web(org.rep_pd1).post(_new(book.pd1), {"occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                                               "channel": "visit", "content": "再送", "files": [fake]})
    assert r.status_code == 400 and "报价.pdf" in r.content.decode() and 'data-testid="error-files"' in r.content.decode()
