"""Follow-up services: rights, the 24-hour edit rule, comments, the pool clock, the audit trail."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from pharmcrm.activities import services
from pharmcrm.activities.models import FollowUp, FollowUpComment
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import Customer
from tests.activities.conftest import log, shift_created
from tests.contacts.conftest import new_contact
from tests.factories import make_share

pytestmark = pytest.mark.django_db


def test_owner_logs_a_follow_up_with_contacts_and_products(org, book):
    when = timezone.now() - datetime.timedelta(hours=3)
    fu = log(org.rep_pd1, book.pd1, "电话沟通阿托伐他汀进院事宜", channel="phone", occurred_at=when,
             contact_ids=[book.wang.pk], product_ids=[book.product.pk], materials_sent="产品彩页、说明书",
             price_quoted="中标价 12.5 元/盒", result="同意提交药事会", next_date=timezone.localdate() + datetime.timedelta(days=7),
             next_plan="带样品拜访主任")
    fu.refresh_from_db()
    assert fu.author == org.rep_pd1 and fu.channel == "phone" and fu.occurred_at == when
    assert list(fu.contacts.all()) == [book.wang] and list(fu.products.all()) == [book.product]
    event = AuditEvent.objects.get(action="followup_create", target_id=fu.pk)
    assert event.customer_id == book.pd1.pk and event.changes["contacts"] == [None, ["王建华"]]


def test_logging_moves_the_pool_clock_forward_never_back(org, book):
    now = timezone.now()
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(days=2))
    assert Customer.objects.get(pk=book.pd1.pk).last_followup_at == now - datetime.timedelta(days=2)
    log(org.rep_pd1, book.pd1)
    latest = Customer.objects.get(pk=book.pd1.pk).last_followup_at
    assert latest >= now
    log(org.rep_pd1, book.pd1, occurred_at=now - datetime.timedelta(days=10))  # a late entry
    assert Customer.objects.get(pk=book.pd1.pk).last_followup_at == latest


@pytest.mark.parametrize("who", ["pd_head", "sh_head", "ceo", "admin"])
def test_heads_above_and_admins_may_log(org, book, who):
    fu = log(getattr(org, who), book.pd1)
    assert fu.customer_id == book.pd1.pk


def test_read_write_share_may_log_read_only_share_is_refused(org, book):
    make_share(book.pd1, user=org.rep_px, access="write")
    make_share(book.pd1, user=org.rep_gz, access="read")
    assert log(org.rep_px, book.pd1).author == org.rep_px
    with pytest.raises(PermissionDenied) as exc:
        log(org.rep_gz, book.pd1)
    assert "共享" in str(exc.value)  # ask the owner to share it read-write
    assert not FollowUp.objects.filter(author=org.rep_gz).exists()


@pytest.mark.parametrize("who", ["rep_pd2", "rep_px", "south_head", "finance"])
def test_peers_and_other_branches_get_not_found(org, book, who):
    with pytest.raises(NotFound):
        log(getattr(org, who), book.pd1)


def test_validation_messages(org, book):
    with pytest.raises(ApplicationError) as exc:
        log(org.rep_pd1, book.pd1, "  ", channel="fax",
            occurred_at=timezone.now() + datetime.timedelta(hours=1),
            contact_ids=[new_contact(org.rep_pd2, book.pd2, "赵六").pk], product_ids=[999999])
    assert set(exc.value.fields) == {"content", "channel", "occurred_at", "contact_ids", "product_ids"}
    with pytest.raises(ApplicationError) as exc:
        log(org.rep_pd1, book.pd1, occurred_at=timezone.now() - datetime.timedelta(days=3),
            next_date=timezone.localdate() - datetime.timedelta(days=5))
    assert set(exc.value.fields) == {"next_date"}
    with pytest.raises(ApplicationError) as exc:
        log(org.rep_pd1, book.pd1, next_plan="再去一次")
    assert set(exc.value.fields) == {"next_date"}
    with pytest.raises(ApplicationError) as exc:
        log(org.rep_pd1, book.pd1, colour="red")
    assert exc.value.code == "unknown_field"
    # a few minutes ahead (clocks differ) is accepted
    assert log(org.rep_pd1, book.pd1, occurred_at=timezone.now() + datetime.timedelta(minutes=2))


def test_former_contacts_may_be_named_not_strangers(org, book):
    from pharmcrm.contacts import services as contact_services

    emp = book.wang.employments.get()
    contact_services.employment_end(actor=org.rep_pd1, contact_id=book.wang.pk, employment_id=emp.pk)
    assert list(log(org.rep_pd1, book.pd1, contact_ids=[book.wang.pk]).contacts.all()) == [book.wang]


# --- the edit window ---------------------------------------------------------------------------

def test_author_edits_within_the_window(org, book):
    fu = log(org.rep_pd1, book.pd1)
    shift_created(fu, hours=23, minutes=59)
    fu = services.followup_update(actor=org.rep_pd1, followup_id=fu.pk,
                                  data={"result": "主任同意试用", "contact_ids": [book.wang.pk]})
    assert fu.result == "主任同意试用" and list(fu.contacts.all()) == [book.wang]
    event = AuditEvent.objects.get(action="followup_update", target_id=fu.pk)
    assert event.changes["result"] == ["", "主任同意试用"] and event.changes["contacts"] == [[], ["王建华"]]


def test_after_the_window_only_a_comment(org, book):
    fu = log(org.rep_pd1, book.pd1)
    shift_created(fu, hours=24, minutes=1)
    with pytest.raises(ApplicationError) as exc:
        services.followup_update(actor=org.rep_pd1, followup_id=fu.pk, data={"result": "改了"})
    assert exc.value.code == "edit_window_closed" and "请添加评论" in exc.value.message
    assert FollowUp.objects.get(pk=fu.pk).result == ""
    c = services.followup_comment_add(actor=org.rep_pd1, followup_id=fu.pk, text="补充：主任下周出差")
    assert c.follow_up_id == fu.pk and c.author == org.rep_pd1


def test_the_window_is_a_setting(org, book, settings):
    settings.FOLLOWUP_EDIT_HOURS = 48
    fu = log(org.rep_pd1, book.pd1)
    shift_created(fu, hours=30)
    assert services.followup_update(actor=org.rep_pd1, followup_id=fu.pk, data={"result": "ok"}).result == "ok"


def test_only_the_author_edits_even_a_head(org, book):
    fu = log(org.rep_pd1, book.pd1)
    with pytest.raises(PermissionDenied):
        services.followup_update(actor=org.pd_head, followup_id=fu.pk, data={"result": "x"})
    with pytest.raises(NotFound):
        services.followup_update(actor=org.rep_pd2, followup_id=fu.pk, data={"result": "x"})


def test_comments_author_and_writers_only(org, book):
    make_share(book.pd1, user=org.rep_gz, access="read")
    fu = log(org.rep_pd1, book.pd1)
    services.followup_comment_add(actor=org.pd_head, followup_id=fu.pk, text="注意回款")
    with pytest.raises(PermissionDenied):
        services.followup_comment_add(actor=org.rep_gz, followup_id=fu.pk, text="我也想说")
    with pytest.raises(NotFound):
        services.followup_comment_add(actor=org.rep_pd2, followup_id=fu.pk, text="x")
    with pytest.raises(ApplicationError) as exc:
        services.followup_comment_add(actor=org.rep_pd1, followup_id=fu.pk, text="  ")
    assert set(exc.value.fields) == {"text"}
    assert FollowUpComment.objects.filter(follow_up=fu).count() == 1
    assert AuditEvent.objects.filter(action="followup_comment", customer_id=book.pd1.pk).count() == 1


def test_attachments_are_checked_and_stored_safely(org, book, settings):
    import os

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.activities.conftest import pdf

    fu = log(org.rep_pd1, book.pd1, files=[pdf("产品彩页.pdf")])
    att = fu.attachments.get()
    assert att.original_name == "产品彩页.pdf" and att.file.name.startswith("followups/")
    assert "产品彩页" not in att.file.name and att.content_type == "application/pdf"
    assert AuditEvent.objects.get(action="followup_create").changes["attachments"] == [None, ["产品彩页.pdf"]]
    # a disguised file and a missing content: both reported at once, nothing stored
    before = sum(len(files) for _root, _dirs, files in os.walk(settings.MEDIA_ROOT))
    fake = SimpleUploadedFile("报价单.pdf", b"<html>hi</html>", content_type="application/pdf")
    with pytest.raises(ApplicationError) as exc:
        log(org.rep_pd1, book.pd1, "", files=[pdf("好的.pdf"), fake])
    assert set(exc.value.fields) == {"content", "files"}
    assert sum(len(files) for _root, _dirs, files in os.walk(settings.MEDIA_ROOT)) == before
    # the author adds files within the window
    services.followup_update(actor=org.rep_pd1, followup_id=fu.pk, data={}, files=[pdf("样品照片.pdf")])
    assert [a.original_name for a in fu.attachments.order_by("id")] == ["产品彩页.pdf", "样品照片.pdf"]
