"""contacts.services: create, update, employments, the move, delete/restore — rules, rights, audit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from pharmcrm.contacts import selectors, services
from pharmcrm.contacts.models import CareDate, Contact, Employment
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from tests.contacts.conftest import new_contact
from tests.factories import make_share

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _fields(exc_info) -> dict:
    return exc_info.value.fields


# --- create --------------------------------------------------------------------------------

def test_create_normalises_and_audits_on_the_customer(org, book):
    c = new_contact(org.rep_pd1, book.pd1, "王建华", mobile="+86 138-0013-8000", phone=" 021-5000 1234转801 ",
                    email=" Wang@Example.COM ", wechat="wang_jh88", birth_year=1975, birth_month=3, birth_day=8,
                    care_notes="爱好钓鱼", care_dates=[{"label": "结婚纪念日", "month": 5, "day": 20, "year": 2001}])
    c.refresh_from_db()
    assert (c.mobile, c.phone, c.email) == ("13800138000", "021-5000 1234转801", "wang@example.com")
    assert c.birthday_text == "1975-03-08" and c.name_pinyin == "wangjianhua"
    assert "wangjianhua" in c.search_text and "wjh" in c.search_text and "13800138000" in c.search_text
    assert "0215000123" in c.search_text  # the phone's digits, without dashes
    assert c.created_by == org.rep_pd1
    emp = c.employments.get()
    assert (emp.customer, emp.title, emp.role, emp.end_date) == (book.pd1, "药剂科主任", "pharmacy_director", None)
    assert [str(d) for d in c.care_dates.all()] == ["结婚纪念日 05-20"]
    event = AuditEvent.objects.get(target_type="contact", target_id=c.pk)
    assert event.action == "contact_create" and event.customer_id == book.pd1.pk and event.actor == org.rep_pd1
    assert event.changes["mobile"] == [None, "13800138000"] and event.changes["birthday"] == [None, "1975-03-08"]
    job = AuditEvent.objects.get(target_type="employment", target_id=emp.pk)
    assert (job.action, job.customer_id, job.target_label) == ("employment_start", book.pd1.pk, "王建华")
    assert job.changes["customer"] == [None, "上海仁济医院"] and job.changes["role"] == [None, "pharmacy_director"]


@pytest.mark.parametrize("data,field,message", [
    ({"mobile": "1380013800"}, "mobile", "11位手机号"),
    ({"mobile": "23800138000"}, "mobile", "11位手机号"),
    ({"email": "wang@"}, "email", "邮箱"),
    ({"wechat": "王建华"}, "wechat", "微信号"),
    ({"phone": "abc"}, "phone", "电话"),
    ({"birth_month": 2, "birth_day": 30}, "birth_day", "日期不存在"),
    ({"birth_month": 4, "birth_day": 31}, "birth_day", "日期不存在"),
    ({"birth_year": 1975, "birth_month": 2, "birth_day": 29}, "birth_day", "1975年不是闰年"),
    ({"birth_month": 13, "birth_day": 1}, "birth_month", "月份"),
    ({"birth_month": 3}, "birth_day", "月和日"),
    ({"birth_year": 1975}, "birth_month", "月"),
    ({"birth_year": 1800, "birth_month": 1, "birth_day": 1}, "birth_year", "出生年份"),
    ({"name": ""}, "name", "姓名"),
    ({"name": "王" * 51}, "name", "50"),
    ({"gender": "x"}, "gender", "男、女"),
])
def test_create_validation_in_chinese(org, book, data, field, message):
    before = (Contact.objects.count(), Employment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        new_contact(org.rep_pd1, book.pd1, **{"name": "王建华", **data})
    assert field in _fields(exc), _fields(exc)
    assert message in " ".join(_fields(exc)[field]), _fields(exc)
    assert (Contact.objects.count(), Employment.objects.count(), AuditEvent.objects.count()) == before


def test_feb_29_without_year_or_in_a_leap_year_is_fine(org, book):
    assert new_contact(org.rep_pd1, book.pd1, "甲", birth_month=2, birth_day=29).birthday_text == "02-29"
    assert new_contact(org.rep_pd1, book.pd1, "乙", birth_year=1980, birth_month=2, birth_day=29).birth_year == 1980


def test_all_errors_at_once_and_nothing_written(org, book):
    with pytest.raises(ApplicationError) as exc:
        services.contact_create(actor=org.rep_pd1, customer_id=book.pd1.pk,
                                data={"name": "王", "mobile": "123", "email": "x"},
                                employment={"role": "other", "start_date": TODAY + DAY},
                                care_dates=[{"label": "", "month": 2, "day": 31}])
    assert {"mobile", "email", "role_other", "start_date", "care_dates.0.label", "care_dates.0.day"} <= set(
        _fields(exc))
    assert not Contact.objects.exists()


def test_employment_dates_and_role(org, book):
    with pytest.raises(ApplicationError) as exc:
        new_contact(org.rep_pd1, book.pd1, employment={"role": "nope"})
    assert "role" in _fields(exc)
    with pytest.raises(ApplicationError) as exc:
        new_contact(org.rep_pd1, book.pd1, employment={"start_date": "2024-13-01"})
    assert "start_date" in _fields(exc)
    c = new_contact(org.rep_pd1, book.pd1, employment={"role": "other", "role_other": "医保办主任"})
    assert c.employments.get().role_text == "医保办主任"


def test_create_rights(org, book):
    with pytest.raises(NotFound):  # a peer's customer: as if it did not exist
        new_contact(org.rep_pd2, book.pd1)
    make_share(book.pd1, user=org.rep_pd2, access="read")
    with pytest.raises(PermissionDenied):
        new_contact(org.rep_pd2, book.pd1)
    make_share(book.pd1b, user=org.rep_pd2, access="write")
    assert new_contact(org.rep_pd2, book.pd1b).created_by == org.rep_pd2
    assert new_contact(org.pd_head, book.pd1, "赵六")  # heads above the owner write
    with pytest.raises(NotFound):
        new_contact(org.finance, book.pd1)
    with pytest.raises(ApplicationError):
        services.contact_create(actor=org.rep_pd1, customer_id="1", data={"name": "x"}, employment={})


def test_unknown_and_wrongly_typed_fields(org, book):
    with pytest.raises(ApplicationError) as exc:
        new_contact(org.rep_pd1, book.pd1, colour="red")
    assert exc.value.code == "unknown_field"
    with pytest.raises(ApplicationError) as exc:
        new_contact(org.rep_pd1, book.pd1, mobile=13800138000)
    assert "mobile" in _fields(exc)
    with pytest.raises(ApplicationError) as exc:
        new_contact(org.rep_pd1, book.pd1, birth_month="3", birth_day=8)
    assert "birth_month" in _fields(exc)


# --- update and care dates -----------------------------------------------------------------

def test_update_and_care_dates_replace(org, book):
    c = new_contact(org.rep_pd1, book.pd1, care_dates=[{"label": "结婚纪念日", "month": 5, "day": 20}])
    services.contact_update(actor=org.rep_pd1, contact_id=c.pk, data={"mobile": "13912345678", "birth_month": 7,
                                                                       "birth_day": 1},
                            care_dates=[{"label": "孩子生日", "month": 9, "day": 1, "year": 2012}])
    c.refresh_from_db()
    assert c.mobile == "13912345678" and c.birthday_text == "07-01"
    assert [str(d) for d in CareDate.objects.filter(contact=c)] == ["孩子生日 09-01"]
    event = AuditEvent.objects.filter(action="contact_update").get()
    assert event.customer_id == book.pd1.pk
    assert event.changes["birthday"] == ["", "07-01"] and event.changes["care_dates"] == [
        ["结婚纪念日 05-20"], ["孩子生日 2012-09-01"]]
    # no change, no event; care_dates None leaves them alone
    services.contact_update(actor=org.rep_pd1, contact_id=c.pk, data={"mobile": "139 1234 5678"})
    assert AuditEvent.objects.filter(action="contact_update").count() == 1
    assert CareDate.objects.filter(contact=c).count() == 1


def test_update_rights_follow_current_employers(org, book):
    c = new_contact(org.rep_pd1, book.pd1)
    with pytest.raises(NotFound):
        services.contact_update(actor=org.rep_pd2, contact_id=c.pk, data={"notes": "x"})
    make_share(book.pd1, user=org.rep_pd2, access="read")
    with pytest.raises(PermissionDenied):  # sees the contact, may not change them
        services.contact_update(actor=org.rep_pd2, contact_id=c.pk, data={"notes": "x"})
    # once they work at 李娜's customer too, 李娜 may change them (through her customer)
    services.employment_add(actor=org.rep_pd2, contact_id=c.pk, customer_id=book.pd2.pk,
                            data={"title": "顾问", "role": "other", "role_other": "顾问"})
    services.contact_update(actor=org.rep_pd2, contact_id=c.pk, data={"notes": "x"})
    assert AuditEvent.objects.get(action="contact_update").customer_id == book.pd2.pk


def test_a_former_employer_does_not_give_the_right_to_edit_a_current_contact(org, book):
    c = new_contact(org.rep_pd1, book.pd1)
    services.contact_move(actor=org.admin, contact_id=c.pk, from_employment_id=c.employments.get().pk,
                          to_customer_id=book.pd2.pk, data={"role": "purchasing"})
    assert selectors.contact_get(actor=org.rep_pd1, contact_id=c.pk)  # still sees them (former)
    with pytest.raises(PermissionDenied):
        services.contact_update(actor=org.rep_pd1, contact_id=c.pk, data={"notes": "x"})
    services.contact_update(actor=org.rep_pd2, contact_id=c.pk, data={"notes": "x"})


def test_someone_who_left_everywhere_is_edited_through_a_former_employer(org, book):
    c = new_contact(org.rep_pd1, book.pd1)
    services.employment_end(actor=org.rep_pd1, contact_id=c.pk, employment_id=c.employments.get().pk)
    services.contact_update(actor=org.rep_pd1, contact_id=c.pk, data={"notes": "退休了"})
    assert Contact.objects.get(pk=c.pk).notes == "退休了"


# --- employments ---------------------------------------------------------------------------

def test_overlapping_employment_at_the_same_customer_is_refused(org, book):
    c = new_contact(org.rep_pd1, book.pd1, employment={"start_date": TODAY - 100 * DAY})
    with pytest.raises(ApplicationError) as exc:
        services.employment_add(actor=org.rep_pd1, contact_id=c.pk, customer_id=book.pd1.pk,
                                data={"role": "purchasing"})
    assert exc.value.code == "overlap" and "重叠" in exc.value.message
    with pytest.raises(ApplicationError):  # a past one that reaches into the current one
        services.employment_add(actor=org.rep_pd1, contact_id=c.pk, customer_id=book.pd1.pk,
                                data={"role": "purchasing", "start_date": TODAY - 300 * DAY,
                                      "end_date": TODAY - 100 * DAY})
    # a past one that ended before: fine (they came back)
    services.employment_add(actor=org.rep_pd1, contact_id=c.pk, customer_id=book.pd1.pk,
                            data={"role": "purchasing", "start_date": TODAY - 300 * DAY,
                                  "end_date": TODAY - 101 * DAY})
    # two current jobs at two customers: fine (rare but real)
    services.employment_add(actor=org.rep_pd1, contact_id=c.pk, customer_id=book.pd1b.pk,
                            data={"role": "owner", "title": "法人代表"})
    assert Employment.objects.filter(contact=c, end_date__isnull=True).count() == 2


def test_end_before_start_and_future_dates(org, book):
    c = new_contact(org.rep_pd1, book.pd1, employment={"start_date": TODAY - 10 * DAY})
    emp = c.employments.get()
    with pytest.raises(ApplicationError) as exc:
        services.employment_end(actor=org.rep_pd1, contact_id=c.pk, employment_id=emp.pk, end_date=TODAY - 11 * DAY)
    assert "不能早于入职日期" in _fields(exc)["end_date"][0]
    with pytest.raises(ApplicationError) as exc:
        services.employment_end(actor=org.rep_pd1, contact_id=c.pk, employment_id=emp.pk, end_date=TODAY + DAY)
    assert "end_date" in _fields(exc)
    services.employment_end(actor=org.rep_pd1, contact_id=c.pk, employment_id=emp.pk)
    emp.refresh_from_db()
    assert emp.end_date == TODAY
    with pytest.raises(ApplicationError) as exc:  # twice: refused, nothing changes
        services.employment_end(actor=org.rep_pd1, contact_id=c.pk, employment_id=emp.pk)
    assert exc.value.code == "already_ended"
    event = AuditEvent.objects.get(action="employment_end")
    assert event.customer_id == book.pd1.pk and event.changes == {"end_date": [None, TODAY.isoformat()]}


def test_the_database_refuses_end_before_start_too(org, book):
    c = new_contact(org.rep_pd1, book.pd1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Employment.objects.filter(contact=c).update(start_date=TODAY, end_date=TODAY - DAY)


def test_one_main_contact_per_customer(org, book):
    a = new_contact(org.rep_pd1, book.pd1, "甲", employment={"is_primary": True})
    b = new_contact(org.rep_pd1, book.pd1, "乙", employment={"is_primary": True})
    primary = Employment.objects.filter(customer=book.pd1, is_primary=True, end_date__isnull=True)
    assert [e.contact for e in primary] == [b]
    services.employment_update(actor=org.rep_pd1, contact_id=a.pk, employment_id=a.employments.get().pk,
                               data={"is_primary": True, "title": "主任"})
    assert [e.contact for e in primary.all()] == [a]
    assert AuditEvent.objects.get(action="employment_update").changes == {
        "title": ["药剂科主任", "主任"], "is_primary": [False, True]}


def test_employment_of_another_contact_or_invisible_customer_is_404(org, book):
    a = new_contact(org.rep_pd1, book.pd1, "甲")
    b = new_contact(org.rep_pd2, book.pd2, "乙")
    with pytest.raises(NotFound):
        services.employment_end(actor=org.rep_pd1, contact_id=a.pk, employment_id=b.employments.get().pk)
    with pytest.raises(NotFound):
        services.employment_end(actor=org.rep_pd2, contact_id=b.pk, employment_id=a.employments.get().pk)
    # b also worked at 张伟's customer; 李娜 cannot end that one (she sees the contact, not that job)
    services.employment_add(actor=org.pd_head, contact_id=b.pk, customer_id=book.pd1.pk, data={"role": "doctor"})
    other = Employment.objects.get(contact=b, customer=book.pd1)
    with pytest.raises(NotFound):
        services.employment_end(actor=org.rep_pd2, contact_id=b.pk, employment_id=other.pk)


def test_adding_an_employment_needs_write_on_that_customer(org, book):
    c = new_contact(org.rep_pd1, book.pd1)
    with pytest.raises(NotFound):
        services.employment_add(actor=org.rep_pd1, contact_id=c.pk, customer_id=book.pd2.pk, data={"role": "doctor"})
    make_share(book.pd2, user=org.rep_pd1, access="read")
    with pytest.raises(PermissionDenied):
        services.employment_add(actor=org.rep_pd1, contact_id=c.pk, customer_id=book.pd2.pk, data={"role": "doctor"})


# --- the move ------------------------------------------------------------------------------

def test_move_keeps_history_and_is_audited_on_both_customers(org, book):
    c = new_contact(org.rep_pd1, book.pd1, employment={"start_date": TODAY - 400 * DAY, "is_primary": True})
    old = c.employments.get()
    when = TODAY - 5 * DAY
    new = services.contact_move(actor=org.pd_head, contact_id=c.pk, from_employment_id=old.pk,
                                to_customer_id=book.pd2.pk, date=when,
                                data={"title": "采购经理", "role": "purchasing"})
    old.refresh_from_db()
    assert old.end_date == when and old.start_date == TODAY - 400 * DAY and old.title == "药剂科主任"
    assert (new.customer, new.start_date, new.end_date, new.title, new.role) == (
        book.pd2, when, None, "采购经理", "purchasing")
    assert Employment.objects.filter(contact=c).count() == 2
    out = AuditEvent.objects.get(action="contact_move_out")
    into = AuditEvent.objects.get(action="contact_move_in")
    assert (out.customer_id, into.customer_id) == (book.pd1.pk, book.pd2.pk)
    assert "国药" not in str(out.changes) and "仁济" not in str(into.changes)  # neither names the other
    # the old company keeps them as a former contact, the new one has them as current
    cur, former = selectors.customer_contacts(actor=org.rep_pd1, customer_id=book.pd1.pk)
    assert cur == [] and [e.contact_id for e in former] == [c.pk]
    cur, former = selectors.customer_contacts(actor=org.rep_pd2, customer_id=book.pd2.pk)
    assert [e.contact_id for e in cur] == [c.pk] and former == []
    # and each owner sees the contact, but only the employment at their own customer
    assert [e.customer for e in selectors.contact_employments(actor=org.rep_pd1, contact=c)] == [book.pd1]
    assert [e.customer for e in selectors.contact_employments(actor=org.rep_pd2, contact=c)] == [book.pd2]
    assert [e.customer for e in selectors.contact_employments(actor=org.pd_head, contact=c)] == [book.pd2, book.pd1]


def test_move_defaults_and_refusals(org, book):
    c = new_contact(org.rep_pd1, book.pd1, employment={"start_date": TODAY - 10 * DAY})
    emp = c.employments.get()
    with pytest.raises(ApplicationError) as exc:
        services.contact_move(actor=org.rep_pd1, contact_id=c.pk, from_employment_id=emp.pk,
                              to_customer_id=book.pd1.pk)
    assert exc.value.code == "same_customer"
    with pytest.raises(ApplicationError) as exc:
        services.contact_move(actor=org.rep_pd1, contact_id=c.pk, from_employment_id=emp.pk,
                              to_customer_id=book.pd1b.pk, date=TODAY - 11 * DAY)
    assert "date" in _fields(exc)
    with pytest.raises(ApplicationError) as exc:
        services.contact_move(actor=org.rep_pd1, contact_id=c.pk, from_employment_id=emp.pk,
                              to_customer_id=book.pd1b.pk, date=TODAY + DAY)
    assert "date" in _fields(exc)
    with pytest.raises(NotFound):  # a customer 张伟 cannot see
        services.contact_move(actor=org.rep_pd1, contact_id=c.pk, from_employment_id=emp.pk,
                              to_customer_id=book.gz.pk)
    make_share(book.gz, user=org.rep_pd1, access="read")
    with pytest.raises(PermissionDenied):  # sees it, may not change it
        services.contact_move(actor=org.rep_pd1, contact_id=c.pk, from_employment_id=emp.pk,
                              to_customer_id=book.gz.pk)
    assert Employment.objects.get(pk=emp.pk).end_date is None  # nothing happened
    new = services.contact_move(actor=org.rep_pd1, contact_id=c.pk, from_employment_id=emp.pk,
                                to_customer_id=book.pd1b.pk)
    assert (new.start_date, new.role) == (TODAY, "pharmacy_director")  # today, same kind of job
    with pytest.raises(ApplicationError) as exc:  # the old one has ended: no second move from it
        services.contact_move(actor=org.rep_pd1, contact_id=c.pk, from_employment_id=emp.pk,
                              to_customer_id=book.pd1.pk)
    assert exc.value.code == "already_ended"


def test_move_needs_write_on_the_old_customer(org, book):
    c = new_contact(org.rep_pd1, book.pd1)
    make_share(book.pd1, user=org.rep_pd2, access="read")
    with pytest.raises(PermissionDenied):
        services.contact_move(actor=org.rep_pd2, contact_id=c.pk, from_employment_id=c.employments.get().pk,
                              to_customer_id=book.pd2.pk)


def test_move_is_atomic(org, book, monkeypatch):
    c = new_contact(org.rep_pd1, book.pd1)
    emp = c.employments.get()

    def boom(**kw):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        services.contact_move(actor=org.rep_pd1, contact_id=c.pk, from_employment_id=emp.pk,
                              to_customer_id=book.pd1b.pk)
    assert Employment.objects.get(pk=emp.pk).end_date is None
    assert Employment.objects.filter(contact=c).count() == 1


# --- delete / restore ----------------------------------------------------------------------

def test_delete_and_restore(org, book):
    c = new_contact(org.rep_pd1, book.pd1)
    services.contact_delete(actor=org.rep_pd1, contact_id=c.pk)
    assert Contact.objects.filter(pk=c.pk, deleted_at__isnull=False).exists()  # soft
    with pytest.raises(NotFound):
        selectors.contact_get(actor=org.rep_pd1, contact_id=c.pk)
    assert [x.pk for x in selectors.contact_recycle_bin(actor=org.rep_pd1)] == [c.pk]
    assert not selectors.contact_recycle_bin(actor=org.rep_pd2).exists()
    assert selectors.customer_contacts(actor=org.rep_pd1, customer_id=book.pd1.pk) == ([], [])
    with pytest.raises(NotFound):
        services.contact_restore(actor=org.rep_pd2, contact_id=c.pk)
    services.contact_restore(actor=org.rep_pd1, contact_id=c.pk)
    assert selectors.contact_get(actor=org.rep_pd1, contact_id=c.pk)
    assert list(AuditEvent.objects.filter(target_id=c.pk, action__in=["contact_delete", "contact_restore"])
                .values_list("action", "customer_id").order_by("id")) == [
        ("contact_delete", book.pd1.pk), ("contact_restore", book.pd1.pk)]


def test_a_rep_cannot_delete_someone_who_also_works_for_a_colleague(org, book):
    c = new_contact(org.rep_pd1, book.pd1)
    services.employment_add(actor=org.pd_head, contact_id=c.pk, customer_id=book.pd2.pk, data={"role": "doctor"})
    with pytest.raises(PermissionDenied):
        services.contact_delete(actor=org.rep_pd1, contact_id=c.pk)
    services.contact_delete(actor=org.pd_head, contact_id=c.pk)  # the head may change both
    assert set(AuditEvent.objects.filter(action="contact_delete").values_list("customer_id", flat=True)) == {
        book.pd1.pk, book.pd2.pk}


def test_deleting_the_customer_hides_its_contacts(org, book):
    from pharmcrm.customers import services as customer_services

    c = new_contact(org.rep_pd1, book.pd1)
    customer_services.customer_delete(actor=org.rep_pd1, customer_id=book.pd1.pk)
    assert not selectors.visible_contacts(org.rep_pd1).filter(pk=c.pk).exists()
    assert not selectors.visible_contacts(org.admin).filter(pk=c.pk).exists()
    customer_services.customer_restore(actor=org.rep_pd1, customer_id=book.pd1.pk)
    assert selectors.visible_contacts(org.rep_pd1).filter(pk=c.pk).exists()
