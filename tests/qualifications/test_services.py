"""Filing, renewing and voiding documents; rights; the stored flag and the daily step."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.core.models import AuditEvent
from pharmcrm.qualifications import daily, rules, selectors, services
from pharmcrm.qualifications.models import (
    CustomerQualificationState,
    DocumentState,
    QualificationDocument,
    QualificationFile,
)
from tests.factories import make_customer, make_share
from tests.qualifications.conftest import doc_data, make_document, pdf, png, stored_files

pytestmark = pytest.mark.django_db
AGENT_SET = ["business_licence", "drug_licence", "quality_agreement", "purchase_authorisation"]


def _state(customer):
    return CustomerQualificationState.objects.get(customer=customer)


def test_create_stores_document_files_audit_and_flag(org, media_root):
    c = make_customer(org.rep_pd1, "浦东新药代理有限公司", type="agent")
    doc = make_document(org.rep_pd1, c, "drug_licence", files=[pdf("药品经营许可证 正本.pdf"), png("副本.PNG")])
    assert doc.state == DocumentState.CURRENT and doc.uploaded_by == org.rep_pd1
    files = list(doc.files.order_by("id"))
    assert [f.original_name for f in files] == ["药品经营许可证 正本.pdf", "副本.PNG"]
    assert [f.content_type for f in files] == ["application/pdf", "image/png"]
    on_disk = stored_files(media_root)
    assert len(on_disk) == 2
    for f, path in zip(files, sorted(on_disk, key=lambda p: [x.file.name for x in files].index(
            str(p.relative_to(media_root)))), strict=True):
        assert path.name not in f.original_name and "药品" not in str(path)  # random names on disk
        assert path.suffix in (".pdf", ".png") and len(path.stem) == 32
        assert path.stat().st_size == f.size
    assert AuditEvent.objects.filter(action="qualification_upload", customer_id=c.pk, target_id=doc.pk).exists()
    state = _state(c)
    assert state.flag == "missing" and not state.complete
    assert state.missing_types == ["business_licence", "quality_agreement", "purchase_authorisation"]


def test_flag_follows_every_change(org):
    c = make_customer(org.rep_pd1, type="hospital")
    assert selectors.qualification_flag(c.pk) == "missing"  # no row yet
    lic = make_document(org.rep_pd1, c, "practice_licence", valid_to=datetime.date(2020, 1, 1))
    assert _state(c).flag == "expired"
    new = services.document_replace(actor=org.rep_pd1, document_id=lic.pk,
                                    data=doc_data("practice_licence", no_expiry=True), files=[pdf()])
    assert _state(c).flag == "complete" and _state(c).complete
    lic.refresh_from_db()
    assert lic.state == DocumentState.SUPERSEDED and lic.replaced_by == new and lic.replaced_at
    services.document_void(actor=org.rep_pd1, document_id=new.pk, reason="上传错了客户")
    assert _state(c).flag == "missing"
    assert QualificationDocument.objects.filter(customer=c).count() == 2  # nothing deleted


def test_replace_keeps_type_and_history(org):
    c = make_customer(org.rep_pd1, type="agent")
    old = make_document(org.rep_pd1, c, "quality_agreement", valid_to=datetime.date(2026, 12, 31))
    new = services.document_replace(actor=org.rep_pd1, document_id=old.pk,
                                    data={**doc_data("quality_agreement"), "type": "other"}, files=[pdf()])
    assert new.type == "quality_agreement"
    assert [d.pk for d in selectors.document_history(document=new)] == [new.pk, old.pk]
    old.refresh_from_db()
    assert [d.pk for d in selectors.document_history(document=old)] == [new.pk, old.pk]
    with pytest.raises(ApplicationError) as exc:
        services.document_replace(actor=org.rep_pd1, document_id=old.pk, data=doc_data("quality_agreement"),
                                  files=[pdf()])
    assert exc.value.code == "not_current"
    with pytest.raises(ApplicationError):
        services.document_void(actor=org.rep_pd1, document_id=old.pk, reason="x")
    assert AuditEvent.objects.filter(action="qualification_replace", target_id=new.pk).exists()


def test_void_needs_a_reason(org):
    c = make_customer(org.rep_pd1)
    d = make_document(org.rep_pd1, c, "business_licence")
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as exc:
            services.document_void(actor=org.rep_pd1, document_id=d.pk, reason=reason)
        assert "reason" in exc.value.fields and "作废原因" in exc.value.fields["reason"][0]
    with pytest.raises(ApplicationError):
        services.document_void(actor=org.rep_pd1, document_id=d.pk, reason="x" * 301)
    d = services.document_void(actor=org.rep_pd1, document_id=d.pk, reason="营业执照号码录错")
    assert d.state == "voided" and d.voided_by == org.rep_pd1 and d.void_reason == "营业执照号码录错"
    assert AuditEvent.objects.filter(action="qualification_void", target_id=d.pk, customer_id=c.pk).exists()


@pytest.mark.parametrize("kind,data,field,text", [
    ("", {}, "type", "请选择资质类型"),
    ("drug_licence", {"number": ""}, "number", "证件编号"),
    ("business_licence", {"number": "91350100M000100Y44"}, "number", "校验"),
    ("purchase_authorisation", {"agent_name": ""}, "agent_name", "被授权人"),
    ("purchase_authorisation", {"agent_id_number": "110105194912310021"}, "agent_id_number", "校验位"),
    ("purchase_authorisation", {"agent_id_number": "1101051949"}, "agent_id_number", "18位"),
    ("purchase_authorisation", {"no_expiry": True, "valid_to": None}, "no_expiry", "有效期"),
    ("other", {"title": ""}, "title", "什么证件"),
    ("drug_licence", {"valid_to": None}, "valid_to", "长期"),
    ("drug_licence", {"valid_from": datetime.date(2027, 1, 1), "valid_to": datetime.date(2026, 1, 1)},
     "valid_to", "早于"),
    ("drug_licence", {"valid_to": "2026-13-01"}, "valid_to", "YYYY-MM-DD"),
    ("drug_licence", {"scope": "范" * 2001}, "scope", "2000"),
])
def test_validation_errors_in_chinese_and_nothing_stored(org, media_root, kind, data, field, text):
    c = make_customer(org.rep_pd1)
    payload = {**doc_data(kind or "drug_licence"), **data}
    if not kind:
        payload["type"] = ""
    with pytest.raises(ApplicationError) as exc:
        services.document_create(actor=org.rep_pd1, customer_id=c.pk, data=payload, files=[pdf()])
    assert field in exc.value.fields, exc.value.fields
    assert text in " ".join(exc.value.fields[field]), exc.value.fields
    assert not QualificationDocument.objects.exists() and not QualificationFile.objects.exists()
    assert stored_files(media_root) == []


def test_unknown_fields_refused(org):
    c = make_customer(org.rep_pd1)
    with pytest.raises(ApplicationError) as exc:
        services.document_create(actor=org.rep_pd1, customer_id=c.pk,
                                 data={**doc_data("drug_licence"), "state": "voided"}, files=[pdf()])
    assert exc.value.code == "unknown_field"


def test_other_fields_of_an_authorisation_are_dropped_for_other_types(org):
    c = make_customer(org.rep_pd1)
    d = make_document(org.rep_pd1, c, "drug_licence", agent_name="张三", agent_id_number="xx")
    assert d.agent_name == "" and d.agent_id_number == ""


def test_rights_follow_the_customer(org):
    c = make_customer(org.rep_pd1)
    d = make_document(org.rep_pd1, c, "business_licence")
    # peers and other branches: not found (the same as a missing id)
    for who in ("rep_pd2", "rep_px", "rep_gz", "south_head", "finance"):
        user = getattr(org, who)
        with pytest.raises(NotFound):
            make_document(user, c, "drug_licence")
        with pytest.raises(NotFound):
            services.document_void(actor=user, document_id=d.pk, reason="x")
        with pytest.raises(NotFound):
            services.document_replace(actor=user, document_id=d.pk, data=doc_data("business_licence"), files=[pdf()])
        with pytest.raises(NotFound):
            selectors.document_get(actor=user, document_id=d.pk)
        with pytest.raises(NotFound):
            selectors.document_list(actor=user, customer_id=c.pk)
    # a read-only share sees but may not change
    make_share(c, user=org.rep_px, access="read")
    assert selectors.document_get(actor=org.rep_px, document_id=d.pk) == d
    with pytest.raises(PermissionDenied):
        make_document(org.rep_px, c, "drug_licence")
    with pytest.raises(PermissionDenied):
        services.document_void(actor=org.rep_px, document_id=d.pk, reason="x")
    # heads above and a read-write share may
    make_document(org.pd_head, c, "drug_licence")
    make_share(c, user=org.rep_gz, access="write")
    make_document(org.rep_gz, c, "quality_agreement")
    make_document(org.admin, c, "purchase_authorisation")
    assert _state(c).flag == "complete"


def test_deleted_customer_documents_are_invisible(org):
    from pharmcrm.customers import services as customer_services

    c = make_customer(org.rep_pd1)
    d = make_document(org.rep_pd1, c, "business_licence")
    customer_services.customer_delete(actor=org.rep_pd1, customer_id=c.pk)
    with pytest.raises(NotFound):
        selectors.document_get(actor=org.rep_pd1, document_id=d.pk)
    with pytest.raises(NotFound):
        make_document(org.rep_pd1, c, "drug_licence")


def test_customer_type_change_recomputes_the_flag(org):
    from pharmcrm.customers import services as customer_services

    c = make_customer(org.rep_pd1, type="other")
    make_document(org.rep_pd1, c, "business_licence")
    assert _state(c).flag == "complete"
    customer_services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"type": "agent"})
    assert _state(c).flag == "missing" and _state(c).customer_type == "agent"


def test_daily_step_recomputes_what_expired_and_is_idempotent(org):
    c1 = make_customer(org.rep_pd1, type="other")
    c2 = make_customer(org.rep_pd1, type="other")
    c3 = make_customer(org.rep_pd1, type="other")
    today = rules.today()
    make_document(org.rep_pd1, c1, "business_licence", valid_to=today)           # expires tonight
    make_document(org.rep_pd1, c2, "business_licence", valid_to=today + datetime.timedelta(days=400))
    make_document(org.rep_pd1, c3, "business_licence", no_expiry=True)
    assert [_state(c).flag for c in (c1, c2, c3)] == ["complete"] * 3
    tomorrow = today + datetime.timedelta(days=1)
    assert daily.refresh_qualification_flags(on=tomorrow) == 1
    assert [_state(c).flag for c in (c1, c2, c3)] == ["expired", "complete", "complete"]
    assert _state(c1).next_check is None
    assert daily.refresh_qualification_flags(on=tomorrow) == 0  # idempotent
    # c2 enters the warning window 90 days before its end: its counts are refreshed that day
    enter = today + datetime.timedelta(days=400 - 90)
    assert _state(c2).next_check == enter and _state(c2).expiring_count == 0
    assert daily.refresh_qualification_flags(on=enter) == 1
    assert _state(c2).expiring_count == 1 and _state(c2).flag == "complete"
    # a bulk type change (no signal) is caught too
    from pharmcrm.customers.models import Customer

    Customer.objects.filter(pk=c3.pk).update(type="hospital")
    assert daily.refresh_qualification_flags(on=enter) == 1
    assert _state(c3).flag == "missing"


def test_daily_step_is_registered_with_crm_daily(org):
    registry = pytest.importorskip("pharmcrm.core.daily", reason="the daily-job registry has not landed yet")
    steps = {s.key: s for s in registry.daily_steps()}
    assert daily.STEP_NAME in steps
    c = make_customer(org.rep_pd1, type="other")
    make_document(org.rep_pd1, c, "business_licence", valid_to=rules.today())
    tomorrow = rules.today() + datetime.timedelta(days=1)
    outcomes = registry.run_daily(tomorrow, only=[daily.STEP_NAME])
    assert outcomes[0].ok and re.search(r"(^|\D)1(\D|$)", outcomes[0].summary)  # translated: "已重算 1 个…"
    assert _state(c).flag == "expired"
    assert re.search(r"(^|\D)0(\D|$)", registry.run_daily(tomorrow, only=[daily.STEP_NAME])[0].summary)


def test_documents_move_for_a_merge(org):
    a = make_customer(org.rep_pd1, type="other")
    b = make_customer(org.rep_pd1, type="other")
    make_document(org.rep_pd1, a, "business_licence")
    assert services.documents_move(source_customer_id=a.pk, target_customer_id=b.pk) == 1
    assert _state(a).flag == "missing" and _state(b).flag == "complete"


def test_status_selector_is_visibility_checked(org):
    c = make_customer(org.rep_pd1, type="other")
    make_document(org.rep_pd1, c, "business_licence")
    assert selectors.customer_qualification_status(actor=org.pd_head, customer_id=c.pk).complete
    with pytest.raises(NotFound):
        selectors.customer_qualification_status(actor=org.rep_pd2, customer_id=c.pk)
