"""The customer import at scale: plain-function validation that agrees with full_clean, a constant
number of queries, the prepared rows kept between preview and commit (and dropped when they no
longer hold), raw inserts that write what the services write."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.models import AuditEvent
from pharmcrm.core.pinyin import search_key
from pharmcrm.customers import importing
from pharmcrm.customers.duplicate_keys import name_key, phone_key
from pharmcrm.customers.models import Customer
from pharmcrm.customers.services import _full_clean
from pharmcrm.org.models import User
from tests.customers.test_import import HEADER, book
from tests.factories import VALID_CREDIT_CODE, make_customer

pytestmark = pytest.mark.django_db


def rows(n: int, start: int = 0) -> list[list]:
    return [[f"测试{i:05d}医药有限公司", "代理商", "", "330106", f"1380000{i:04d}", ""] for i in range(start, start + n)]


def test_plain_checks_agree_with_full_clean(org):
    ctx = importing._Context(org.rep_pd1)
    values = {
        "type": ["", "agent", "hospital", "外星人"], "name": ["", "甲公司", "名" * 201],
        "credit_code": ["", VALID_CREDIT_CODE, VALID_CREDIT_CODE[:-1] + "0", "ABC"],
        "region_code": ["", "330106", "999999", "1234567890123"], "status": ["", "prospect", "nope"],
        "grade": ["", "A", "Z"], "source": ["", "x" * 21], "phone": ["", "1" * 31], "notes": ["", "n" * 5001],
    }
    keys = list(values)
    checked = 0
    for combo in itertools.islice(itertools.product(*values.values()), 0, None, 7):
        f = dict(importing._CREATE_DEFAULTS) | dict(zip(keys, combo, strict=True))
        customer = Customer(owner=org.rep_pd1, created_by=org.rep_pd1, **f)
        try:
            _full_clean(customer, constraints=False)
        except ApplicationError:
            ok = False
        else:
            ok = True
        assert importing._valid_new(ctx, f) == ok, f
        checked += 1
    assert checked > 1000


def test_query_count_does_not_grow_with_rows(org):
    mine = [make_customer(org.rep_pd1, f"已有{i}医药有限公司") for i in range(3)]

    def count(n: int) -> tuple[int, int]:
        updates = [[c.pk, c.name, "代理商", ""] for c in mine]
        data = book([[""] + r[:2] + [r[4]] for r in rows(n, start=n)] + updates, ["ID", "客户名称", "客户类型", "电话"])
        with CaptureQueriesContext(connection) as q:
            importing.customer_import_preview(actor=User.objects.get(pk=org.rep_pd1.pk), data=data)
        preview = len(q)
        with CaptureQueriesContext(connection) as q:
            importing.customer_import_commit(actor=User.objects.get(pk=org.rep_pd1.pk), data=data)
        return preview, len(q)

    # (rows are checked in chunks of 500: one more query per chunk, so both stay within one)
    assert count(50) == count(450)
    assert Customer.objects.filter(owner=org.rep_pd1).count() == 3 + 50 + 450


def test_created_customers_hold_what_the_services_write(org):
    importing.customer_import_commit(actor=org.pd_head, data=book([
        ["上海康泰医药有限公司", "代理商", VALID_CREDIT_CODE.lower(), "330106", "021-5888 8888", "rep_pd2"],
        ["重庆大药房", "药店", "", "", "", ""],
    ]))
    a = Customer.objects.get(name="上海康泰医药有限公司")
    b = Customer.objects.get(name="重庆大药房")
    assert (a.owner, a.owner_department_id, a.created_by) == (org.rep_pd2, org.rep_pd2.department_id, org.pd_head)
    assert a.credit_code == VALID_CREDIT_CODE and a.type == "agent" and a.status == "prospect"
    assert a.search_text == search_key(a.name, a.short_name, a.credit_code, a.phone)
    assert (a.name_key, a.phone_key) == (name_key(a.name), phone_key(a.phone))
    assert "chongqing" in b.search_text and "zhongqing" in b.search_text
    assert b.owner == org.pd_head and a.created_at and a.updated_at and a.owned_since and not a.deleted_at
    assert a.pool_department_id is None and a.merged_into_id is None and a.pool_exempt is False
    events = AuditEvent.objects.filter(action="import").order_by("target_id")
    assert [(e.target_id, e.customer_id, e.target_label, e.actor_id, e.target_type, e.changes) for e in events] == [
        (c.pk, c.pk, c.name, org.pd_head.pk, "customer", {}) for c in sorted([a, b], key=lambda c: c.pk)]


def test_commit_reuses_the_prepared_rows(org, tmp_path, monkeypatch):
    cache = tmp_path / "x.prep"
    data = book(rows(20))
    p = importing.customer_import_preview(actor=org.rep_pd1, data=data, cache=cache)
    assert p.ok and cache.exists()

    def refuse(*args, **kwargs):
        raise AssertionError("prepared again")

    monkeypatch.setattr(importing, "_prepare", refuse)
    importing.customer_import_commit(actor=org.rep_pd1, data=data, cache=cache)
    assert Customer.objects.filter(owner=org.rep_pd1).count() == 20


def test_commit_rechecks_duplicates_created_since_the_preview(org, tmp_path):
    cache = tmp_path / "x.prep"
    data = book(rows(5))
    assert importing.customer_import_preview(actor=org.rep_pd1, data=data, cache=cache).ok
    make_customer(org.rep_gz, "别人的公司", phone="13800000003")  # invisible to rep_pd1
    with pytest.raises(importing.ImportRejected) as exc:
        importing.customer_import_commit(actor=org.rep_pd1, data=data, cache=cache)
    rejected = [r for r in exc.value.preview.rows if r.action == "reject"]
    assert [r.row for r in rejected] == [5]
    text = " ".join(rejected[0].errors)
    assert org.rep_gz.full_name in text and "别人的公司" not in text
    assert Customer.objects.count() == 1 and not AuditEvent.objects.filter(action="import").exists()


def test_commit_rechecks_the_right_to_update(org, tmp_path):
    mine = make_customer(org.rep_pd1, "我的客户")
    cache = tmp_path / "x.prep"
    data = book([[mine.pk, "我的客户（改名）", "代理商"]], ["ID", "客户名称", "客户类型"])
    assert importing.customer_import_preview(actor=org.rep_pd1, data=data, cache=cache).ok
    Customer.objects.filter(pk=mine.pk).update(owner=org.rep_gz, owner_department=org.gz)  # transferred away
    with pytest.raises(importing.ImportRejected):
        importing.customer_import_commit(actor=org.rep_pd1, data=data, cache=cache)
    mine.refresh_from_db()
    assert mine.name == "我的客户"


def test_prepared_rows_are_dropped_when_they_no_longer_hold(org, tmp_path):
    cache = tmp_path / "x.prep"
    data = book([["甲医药有限公司", "代理商", "", "", "", "rep_pd2"]])
    importing.customer_import_preview(actor=org.pd_head, data=data, cache=cache)
    assert importing.prepared_load(cache, actor=org.pd_head, data=data) is not None
    assert importing.prepared_load(cache, actor=org.rep_pd1, data=data) is None  # another user
    assert importing.prepared_load(cache, actor=org.pd_head, data=book(rows(1))) is None  # another file
    raw = cache.read_bytes()
    cache.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))  # tampered with
    assert importing.prepared_load(cache, actor=org.pd_head, data=data) is None
    cache.write_bytes(raw)
    org.rep_pd2.is_active = False  # the team changed: the owner column means something else now
    org.rep_pd2.save()
    assert importing.prepared_load(cache, actor=org.pd_head, data=data) is None
    with pytest.raises(importing.ImportRejected) as exc:
        importing.customer_import_commit(actor=org.pd_head, data=data, cache=cache)
    assert "rep_pd2" in " ".join(exc.value.preview.rows[0].errors)
    assert not Customer.objects.exists()


def test_a_reject_anywhere_writes_nothing(org):
    data = book(rows(1500) + [["坏行公司", "外星人", "", "", "", ""]])
    with pytest.raises(importing.ImportRejected) as exc:
        importing.customer_import_commit(actor=org.rep_pd1, data=data)
    assert exc.value.preview.counts == {"create": 1500, "update": 0, "reject": 1}
    assert not Customer.objects.exists() and not AuditEvent.objects.exists()


def test_header_is_the_same_as_the_other_tests():
    assert HEADER[0] == "客户名称"
