"""The qualification screens: tab, header tag, upload/renew/void, file download, expiring list."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pharmcrm.qualifications import rules
from pharmcrm.qualifications.models import DocumentState, QualificationDocument, QualificationFile
from tests.factories import make_customer, make_share
from tests.qualifications.conftest import ID_NUMBER, doc_data, make_document, pdf, png, stored_files

pytestmark = pytest.mark.django_db
PEERS = ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"]


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def agent(org):
    return make_customer(org.rep_pd1, "浦东新药代理有限公司", type="agent")


def _tab(client, customer):
    return client.get(reverse("web:customer_detail", args=[customer.pk]), {"tab": "qualifications"})


def _form_data(kind, files, **extra):
    data = {k: ("" if v is None else v) for k, v in doc_data(kind, **extra).items()}
    if data.get("no_expiry") is False:
        data.pop("no_expiry")
    data["files"] = files
    return data


def test_tab_lists_required_types_as_missing_with_upload_actions(as_user, org, agent):
    r = _tab(as_user(org.rep_pd1), agent)
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="tab-qualifications"' in body
    for kind in ("business_licence", "drug_licence", "quality_agreement", "purchase_authorisation"):
        assert f'data-testid="qual-upload-{kind}"' in body
    assert body.count('data-status="missing"') == 4
    assert "资质缺失" in body and "缺失" in body and "上传" in body
    # the tab sits before the sharing tab
    assert body.index('data-testid="tab-qualifications"') < body.index('data-testid="tab-shares"')
    # the header tag
    assert 'data-testid="qualification-flag" data-flag="missing"' in body


def test_tab_statuses_colours_and_text(as_user, org, agent):
    today = rules.today()
    make_document(org.rep_pd1, agent, "business_licence", no_expiry=True)
    make_document(org.rep_pd1, agent, "drug_licence", valid_to=today + datetime.timedelta(days=20))
    make_document(org.rep_pd1, agent, "quality_agreement", valid_to=today - datetime.timedelta(days=1))
    body = _tab(as_user(org.rep_pd1), agent).content.decode()
    assert 'data-status="valid"' in body and "有效" in body and "tag-green" in body
    assert 'data-status="expiring"' in body and "即将到期" in body and "tag-amber" in body and "剩20天" in body
    assert 'data-status="expired"' in body and "已过期" in body and "tag-red" in body
    assert 'data-testid="qualification-flag" data-flag="expired"' in body and "资质过期" in body
    assert 'data-testid="qual-renew"' in body


def test_readers_see_no_upload_actions(as_user, org, agent):
    make_share(agent, user=org.rep_px, access="read")
    body = _tab(as_user(org.rep_px), agent).content.decode()
    assert "qual-upload" not in body
    r = as_user(org.rep_px).get(reverse("web:qualification_create", args=[agent.pk]))
    assert r.status_code == 403


def test_upload_through_the_form(as_user, org, agent, media_root):
    c = as_user(org.rep_pd1)
    r = c.get(reverse("web:qualification_create", args=[agent.pk]), {"type": "purchase_authorisation"})
    assert r.status_code == 200 and 'name="files"' in r.content.decode() and "multiple" in r.content.decode()
    r = c.post(reverse("web:qualification_create", args=[agent.pk]),
               _form_data("purchase_authorisation", [pdf("委托书.pdf"), png("身份证.png")]))
    assert r.status_code == 302 and r["Location"].endswith("?tab=qualifications")
    doc = QualificationDocument.objects.get(customer=agent)
    assert doc.agent_id_number == ID_NUMBER and doc.files.count() == 2
    assert len(stored_files(media_root)) == 2


def test_upload_errors_are_shown_under_the_fields_and_input_kept(as_user, org, agent, media_root):
    c = as_user(org.rep_pd1)
    data = _form_data("purchase_authorisation", [pdf("伪装.pdf", b"<html><body>hi</body></html>")],
                      agent_id_number="110105194912310021", agent_territory="上海市浦东新区张江镇")
    r = c.post(reverse("web:qualification_create", args=[agent.pk]), data)
    body = r.content.decode()
    assert r.status_code == 400
    assert 'data-testid="error-agent_id_number"' in body and "校验位" in body
    assert 'data-testid="error-files"' in body and "不是 PDF" in body
    assert "上海市浦东新区张江镇" in body  # typed input is kept
    assert 'data-testid="error-summary"' in body and "重新选择" in body
    assert not QualificationDocument.objects.exists() and stored_files(media_root) == []


def test_upload_oversize_file_error(as_user, org, agent, settings, media_root):
    settings.PHARMCRM = {**settings.PHARMCRM, "QUALIFICATION_MAX_UPLOAD_BYTES": 300}
    r = as_user(org.rep_pd1).post(reverse("web:qualification_create", args=[agent.pk]),
                                  _form_data("drug_licence", [pdf("大.pdf")]))
    assert r.status_code == 400 and "文件过大" in r.content.decode()
    assert stored_files(media_root) == []


def test_detail_preview_download_and_masked_id(as_user, org, agent):
    doc = make_document(org.rep_pd1, agent, "purchase_authorisation", files=[png("身份证 正面.png"), pdf("委托书.pdf")])
    c = as_user(org.rep_pd1)
    body = c.get(reverse("web:qualification_detail", args=[doc.pk])).content.decode()
    assert ID_NUMBER in body and 'data-testid="qual-preview"' in body and 'data-testid="qual-void"' in body
    image, document = doc.files.order_by("id")
    r = c.get(reverse("web:qualification_file", args=[image.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("inline;") and "filename*=UTF-8''" in r["Content-Disposition"]
    assert b"".join(r.streaming_content).startswith(b"\x89PNG")
    r = c.get(reverse("web:qualification_file", args=[document.pk]), {"download": "1"})
    assert r["Content-Type"] == "application/pdf" and r["Content-Disposition"].startswith("attachment;")
    assert "%E5%A7%94%E6%89%98%E4%B9%A6.pdf" in r["Content-Disposition"]  # 委托书.pdf, encoded
    # a head sees everything; a read-only share sees the ID masked and no actions
    make_share(agent, user=org.rep_px, access="read")
    body = as_user(org.rep_px).get(reverse("web:qualification_detail", args=[doc.pk])).content.decode()
    assert ID_NUMBER not in body and "110105********002X" in body and "qual-void" not in body
    assert as_user(org.rep_px).get(reverse("web:qualification_file", args=[image.pk])).status_code == 200


def test_void_with_reason_from_the_detail_page(as_user, org, agent):
    doc = make_document(org.rep_pd1, agent, "business_licence")
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:qualification_void", args=[doc.pk]), {"reason": ""})
    assert r.status_code == 400 and 'data-testid="error-reason"' in r.content.decode()
    assert c.get(reverse("web:qualification_void", args=[doc.pk])).status_code == 405
    r = c.post(reverse("web:qualification_void", args=[doc.pk]), {"reason": "上传错了"})
    assert r.status_code == 302
    doc.refresh_from_db()
    assert doc.state == DocumentState.VOIDED
    body = c.get(reverse("web:qualification_detail", args=[doc.pk])).content.decode()
    assert "上传错了" in body and 'data-testid="qual-voided"' in body
    body = _tab(c, agent).content.decode()
    assert 'data-testid="qual-history"' in body and "已作废" in body
    # the customer's history tab names the action in Chinese
    history = c.get(reverse("web:customer_detail", args=[agent.pk]), {"tab": "history"}).content.decode()
    assert "作废资质" in history and "上传资质" in history


def test_renew_prefills_and_supersedes(as_user, org, agent):
    old = make_document(org.rep_pd1, agent, "drug_licence", valid_to=rules.today() + datetime.timedelta(days=10))
    c = as_user(org.rep_pd1)
    r = c.get(reverse("web:qualification_replace", args=[old.pk]))
    assert r.status_code == 200 and old.number in r.content.decode() and 'name="type"' not in r.content.decode()
    data = _form_data("drug_licence", [pdf()], valid_to=rules.today() + datetime.timedelta(days=5 * 365))
    data.pop("type")
    r = c.post(reverse("web:qualification_replace", args=[old.pk]), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    old.refresh_from_db()
    assert old.state == DocumentState.SUPERSEDED
    body = c.get(reverse("web:qualification_detail", args=[old.pk])).content.decode()
    assert 'data-testid="qual-versions"' in body and "qual-replace" not in body
    # replacing it again is refused politely
    r = c.get(reverse("web:qualification_replace", args=[old.pk]))
    assert r.status_code == 302


@pytest.mark.parametrize("peer", PEERS)
def test_peers_get_404_on_every_document_route(as_user, org, agent, peer):
    doc = make_document(org.rep_pd1, agent, "business_licence")
    f = doc.files.get()
    c = as_user(getattr(org, peer))
    for name, arg, method, data in [
        ("web:qualification_create", agent.pk, "get", {}),
        ("web:qualification_create", agent.pk, "post", {}),
        ("web:qualification_detail", doc.pk, "get", {}),
        ("web:qualification_replace", doc.pk, "get", {}),
        ("web:qualification_replace", doc.pk, "post", {}),
        ("web:qualification_void", doc.pk, "get", {}),
        ("web:qualification_void", doc.pk, "post", {"reason": "x"}),
        ("web:qualification_file", f.pk, "get", {}),
        ("web:qualification_file", f.pk, "get", {"download": "1"}),
    ]:
        url = reverse(name, args=[arg])
        r = c.get(url, data) if method == "get" else c.post(url, data)
        assert r.status_code == 404, (peer, name, method)
        missing = reverse(name, args=[arg + 10_000])
        r2 = c.get(missing, data) if method == "get" else c.post(missing, data)
        assert r2.status_code == 404
    doc.refresh_from_db()
    assert doc.state == DocumentState.CURRENT and QualificationDocument.objects.count() == 1
    # nothing of the customer shows in the peer's expiring list
    assert doc.pk not in {d.pk for d in c.get(reverse("web:qualifications_expiring"), {"within": 180}).context["rows"]}


def test_missing_file_on_disk_is_404_not_500(as_user, org, agent, media_root):
    doc = make_document(org.rep_pd1, agent, "business_licence")
    f = doc.files.get()
    for p in stored_files(media_root):
        p.unlink()
    assert as_user(org.rep_pd1).get(reverse("web:qualification_file", args=[f.pk])).status_code == 404


def _expiring_world(org, n):
    today = rules.today()
    customers = [make_customer(org.rep_pd1 if i % 2 else org.rep_pd2, f"到期客户{i:02d}", type="other")
                 for i in range(n)]
    docs = []
    for i, c in enumerate(customers):
        docs.append(make_document(c.owner, c, "business_licence", valid_to=today + datetime.timedelta(days=i * 7 - 14)))
    return customers, docs


def test_expiring_list_visibility_sort_and_filters(as_user, org):
    _customers, docs = _expiring_world(org, 10)  # -14, -7, 0, 7, ..., 49 days
    c = as_user(org.pd_head)
    r = c.get(reverse("web:qualifications_expiring"))
    rows = r.context["rows"]
    assert [d.pk for d in rows] == [d.pk for d in docs]  # soonest first, expired included
    assert "已过期" in r.content.decode() and "天后到期" not in r.content.decode()
    rows = c.get(reverse("web:qualifications_expiring"), {"sort": "-valid_to"}).context["rows"]
    assert [d.pk for d in rows] == [d.pk for d in reversed(docs)]
    rows = c.get(reverse("web:qualifications_expiring"), {"expired": "0", "within": "30"}).context["rows"]
    assert [d.pk for d in rows] == [d.pk for d in docs[2:7]]  # 0, 7, 14, 21, 28 days
    # a rep sees only their own customers'
    rows = as_user(org.rep_pd1).get(reverse("web:qualifications_expiring")).context["rows"]
    assert {d.customer.owner_id for d in rows} == {org.rep_pd1.pk}
    # garbage in the URL is ignored
    for params in ({"within": "x"}, {"sort": "evil"}, {"type": "gsp"}, {"page": "-1"}, {"size": "7"}):
        assert c.get(reverse("web:qualifications_expiring"), params).status_code == 200


def test_expiring_list_query_count_is_constant(as_user, org):
    _expiring_world(org, 3)
    c = as_user(org.pd_head)
    c.get(reverse("web:qualifications_expiring"))  # warm caches (session, user)
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("web:qualifications_expiring"))
    _expiring_world(org, 20)
    with CaptureQueriesContext(connection) as many:
        r = c.get(reverse("web:qualifications_expiring"), {"size": 50, "within": 180})
    assert len(r.context["rows"]) == 23
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_tab_query_count_is_constant(as_user, org, agent):
    c = as_user(org.rep_pd1)
    make_document(org.rep_pd1, agent, "business_licence")
    _tab(c, agent)
    with CaptureQueriesContext(connection) as few:
        _tab(c, agent)
    for kind in ("drug_licence", "quality_agreement", "purchase_authorisation", "other", "other"):
        make_document(org.rep_pd1, agent, kind, files=[pdf(), png()])
    old = QualificationDocument.objects.filter(customer=agent, type="other").first()
    from pharmcrm.qualifications import services

    services.document_void(actor=org.rep_pd1, document_id=old.pk, reason="重复")
    with CaptureQueriesContext(connection) as many:
        _tab(c, agent)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_expiring_export(as_user, org):
    _expiring_world(org, 4)
    r = as_user(org.pd_head).get(reverse("web:qualifications_expiring_export"), {"expired": "0"})
    assert r.status_code == 200 and r["X-Export-Rows"] == "2"
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[0][0] == "客户" and rows[0][1] == "资质类型"
    assert rows[1][1] == "营业执照" and rows[1][5] == 0 and rows[1][6] == "即将到期"


def test_customer_list_links_to_the_expiring_list(as_user, org):
    body = as_user(org.rep_pd1).get(reverse("web:customer_list")).content.decode()
    assert reverse("web:qualifications_expiring") in body


def test_files_are_not_reachable_under_a_media_url(client, org, agent):
    doc = make_document(org.rep_pd1, agent, "business_licence")
    f = QualificationFile.objects.get(document=doc)
    client.force_login(org.admin)
    for prefix in ("/media/", "/static/", "/"):
        assert client.get(prefix + f.file.name).status_code == 404
