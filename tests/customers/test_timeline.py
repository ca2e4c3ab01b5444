"""The customer's activity timeline (customers/timeline.py): one test per source, the merge
order and pagination, and what an entry may reveal about customers the reader cannot see."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from pharmcrm.customers import merge, pool_services, services
from pharmcrm.customers.conflict_models import ConflictStatus, CustomerConflict
from pharmcrm.customers.selectors import customer_permissions
from pharmcrm.customers.timeline import SOURCES, TimelineEntry, TimelineSource, timeline_page
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _entries(user, customer, source=None, **kw):
    perms = customer_permissions(actor=user, customer=customer)
    return timeline_page(actor=user, customer=customer, perms=perms, sources=[source] if source else None,
                         **kw).entries


def _kinds(user, customer, source=None):
    return [e.kind for e in _entries(user, customer, source)]


def test_record_created_edited_and_profile(org):
    c = services.customer_create(actor=org.rep_pd1, data={"name": "浦东康健医药有限公司", "type": "agent"})
    services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"phone": "021-58881234", "grade": "A"})
    entries = _entries(org.rep_pd1, c, "record")
    assert [e.kind for e in entries] == ["record.update", "record.create"]
    edit = entries[0]
    assert edit.actor == org.rep_pd1
    assert "电话" in edit.detail or "phone" in edit.detail.lower()
    assert "search_text" not in edit.detail


def test_ownership_transfer_and_pool(org):
    c = make_customer(org.rep_pd1, "浦东中医门诊部", type="clinic")
    services.customer_transfer(actor=org.pd_head, reason="离职交接",
                               assignments=[services.TransferAssignment(customer_ids=[c.pk], to_user_id=org.rep_pd2.pk)])
    pool_services.customer_release(actor=org.rep_pd2, customer_id=c.pk, reason="客户长期无采购")
    pool_services.customer_claim(actor=org.rep_pd1, customer_id=c.pk)
    entries = _entries(org.admin, c, "ownership")
    assert [e.kind for e in entries] == ["pool.claim", "pool.release", "ownership.transfer"]
    transfer = entries[-1]
    assert "张伟" in transfer.text and "李娜" in transfer.text and transfer.detail == "离职交接"
    assert transfer.actor == org.pd_head
    assert "张伟" in entries[0].text and entries[0].actor == org.rep_pd1
    assert entries[1].detail == "客户长期无采购"


def test_sharing(org):
    c = make_customer(org.rep_pd1, "浦东医药连锁")
    share = services.share_create(actor=org.rep_pd1, customer_id=c.pk, user_id=org.rep_gz.pk, access="read")
    services.share_delete(actor=org.rep_pd1, customer_id=c.pk, share_id=share.pk)
    entries = _entries(org.rep_pd1, c, "sharing")
    assert [e.kind for e in entries] == ["sharing.unshare", "sharing.share"]
    assert all("刘洋" in e.text for e in entries)


def test_contacts_join_and_leave(org):
    from tests.contacts.conftest import new_contact

    c = make_customer(org.rep_pd1, "仁济医院", type="hospital")
    contact = new_contact(org.rep_pd1, c, "王建华")
    from pharmcrm.contacts import services as cs
    from pharmcrm.contacts.models import Employment

    emp = Employment.objects.get(contact=contact, customer=c)
    cs.employment_end(actor=org.rep_pd1, contact_id=contact.pk, employment_id=emp.pk)
    entries = _entries(org.rep_pd1, c, "contacts")
    assert [e.kind for e in entries] == ["contacts.leave", "contacts.join"]
    assert all("王建华" in e.text for e in entries)
    assert entries[0].link == f"/contacts/{contact.pk}/"
    # a start in the future has not happened yet
    future = timezone.localdate() + datetime.timedelta(days=30)
    later = new_contact(org.rep_pd1, c, "李未来")
    Employment.objects.filter(contact=later).update(start_date=future)
    assert len(_entries(org.rep_pd1, c, "contacts")) == 2


def test_qualifications_uploaded_voided_and_expired(org, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    from pharmcrm.qualifications import services as qs
    from pharmcrm.qualifications.models import QualificationDocument
    from tests.qualifications.conftest import make_document

    c = make_customer(org.rep_pd1, "浦东药房", type="pharmacy")
    kept = make_document(org.rep_pd1, c, "business_licence")
    voided = make_document(org.rep_pd1, c, "drug_licence")
    qs.document_void(actor=org.rep_pd1, document_id=voided.pk, reason="上传错了")
    old = make_document(org.rep_pd1, c, "other")
    QualificationDocument.objects.filter(pk=old.pk).update(valid_to=timezone.localdate() - datetime.timedelta(days=3))
    entries = _entries(org.rep_pd1, c, "qualifications")
    kinds = [e.kind for e in entries]
    assert kinds.count("qualifications.upload") == 3
    assert kinds.count("qualifications.void") == 1
    assert kinds.count("qualifications.expire") == 1
    void = next(e for e in entries if e.kind == "qualifications.void")
    assert void.detail == "上传错了" and void.actor == org.rep_pd1
    assert any(e.link == f"/qualifications/{kept.pk}/" for e in entries)
    expire = next(e for e in entries if e.kind == "qualifications.expire")
    assert timezone.localdate(expire.at) == timezone.localdate() - datetime.timedelta(days=2)


def test_agreements_created_activated_terminated(org):
    from pharmcrm.agency import services as ag
    from tests.agency.helpers import make_agreement, make_product

    agent = make_customer(org.rep_pd1, "浙江康源医药有限公司", type="agent", region_code="330100")
    a = make_agreement(agent, products=[make_product()], regions=["330100"], activate=True)
    ag.agreement_terminate(actor=org.rep_pd1, agreement_id=a.pk, reason="业绩未达标")
    entries = _entries(org.rep_pd1, agent, "agreements")
    assert [e.kind for e in entries] == ["agreements.terminate", "agreements.activate", "agreements.create"]
    assert all(a.number in e.text for e in entries)
    assert entries[0].detail == "业绩未达标" and entries[0].actor == org.rep_pd1
    assert entries[-1].actor == org.rep_pd1


def _conflict(existing, claimant, claimant_customer=None, **kw):
    c = CustomerConflict.objects.create(customer=existing, owner=existing.owner, claimant=claimant,
                                        claimant_customer=claimant_customer, reason="我先跟进的", **kw)
    CustomerConflict.objects.filter(pk=c.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    return c


def test_conflicts_name_the_other_customer_only_if_visible(org):
    existing = make_customer(org.rep_gz, "广州医药有限公司", type="distributor")
    mine = make_customer(org.rep_pd1, "广州医药（浦东录入）", type="distributor")
    c = _conflict(existing, org.rep_pd1, mine, status=ConflictStatus.KEPT, decided_by=org.ceo,
                  decided_at=timezone.now(), decision_note="广州先建档")
    # the claimant's side: the existing customer is invisible to 张伟, so it is not named
    entries = _entries(org.rep_pd1, mine, "duplicates")
    assert [e.kind for e in entries] == ["duplicates.conflict_kept", "duplicates.conflict_raise"]
    assert all("广州医药有限公司" not in e.text + e.detail for e in entries)
    assert entries[1].link == f"/customers/conflicts/{c.pk}/"  # the claimant sees their conflict
    # the owner's side: 刘洋 cannot see 张伟's record, so its name does not appear either
    entries = _entries(org.rep_gz, existing, "duplicates")
    assert "张伟" in entries[-1].text
    assert all("浦东录入" not in e.text for e in entries)
    # the administrator sees both
    entries = _entries(org.admin, existing, "duplicates")
    assert "广州医药（浦东录入）" in entries[-1].text
    # a head who sees only the claimant's record gets no link to the conflict
    entries = _entries(org.pd_head, mine, "duplicates")
    assert all("广州医药有限公司" not in e.text for e in entries)
    assert all(e.link == "" for e in entries)


def test_merge_names_the_merged_customer_only_if_visible(org):
    target = services.customer_create(actor=org.rep_pd1, data={"name": "上海仁济医院", "type": "hospital"})
    source = services.customer_create(actor=org.rep_pd1, data={"name": "浦东康复医院", "type": "hospital"})
    merge.customer_merge(actor=org.admin, source_id=source.pk, target_id=target.pk)
    [entry] = _entries(org.rep_pd1, target, "duplicates")
    assert entry.kind == "duplicates.merge" and "浦东康复医院" in entry.text and entry.actor == org.admin
    # the merged customer's own audit events (moved here by the merge) are not this one's record
    assert _kinds(org.rep_pd1, target, "record") == ["record.create"]
    # someone who sees the target only through a share, not the merged record
    services.share_create(actor=org.rep_pd1, customer_id=target.pk, user_id=org.rep_gz.pk, access="read")
    [entry] = _entries(org.rep_gz, target, "duplicates")
    assert "浦东康复医院" not in entry.text


def test_merged_newest_first_paginated_and_filtered(org, monkeypatch):
    c = make_customer(org.rep_pd1, "分页测试医药有限公司")
    base = timezone.now() - datetime.timedelta(days=10)

    def fake(n, key):
        def entries(customer, user, perms, *, limit):
            return [TimelineEntry(base + datetime.timedelta(minutes=2 * i + (key == "b")), f"{key}.x", "dot", f"{key}{i}")
                    for i in range(n)]
        return entries

    import sys
    import types

    mod = types.ModuleType("tests_fake_timeline")
    mod.a, mod.b = fake(40, "a"), fake(25, "b")
    monkeypatch.setitem(sys.modules, "tests_fake_timeline", mod)
    monkeypatch.setattr("pharmcrm.customers.timeline.SOURCES",
                        [TimelineSource("a", "A", "tests_fake_timeline:a"), TimelineSource("b", "B", "tests_fake_timeline:b")])
    perms = customer_permissions(actor=org.rep_pd1, customer=c)
    first = timeline_page(actor=org.rep_pd1, customer=c, perms=perms, offset=0, limit=30)
    second = timeline_page(actor=org.rep_pd1, customer=c, perms=perms, offset=30, limit=30)
    third = timeline_page(actor=org.rep_pd1, customer=c, perms=perms, offset=60, limit=30)
    allof = first.entries + second.entries + third.entries
    assert len(allof) == 65 and first.has_more and second.has_more and not third.has_more
    assert [e.at for e in allof] == sorted((e.at for e in allof), reverse=True)
    assert allof[0].text == "a39" and allof[-1].text == "a0"
    only_b = timeline_page(actor=org.rep_pd1, customer=c, perms=perms, sources=["b"], limit=100)
    assert {e.kind for e in only_b.entries} == {"b.x"} and len(only_b.entries) == 25


def test_every_source_is_registered_once():
    keys = [s.key for s in SOURCES]
    assert len(keys) == len(set(keys))
    assert {"record", "ownership", "sharing", "contacts", "qualifications", "agreements", "duplicates"} <= set(keys)
