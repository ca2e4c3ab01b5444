"""The qualifications API: multipart upload, errors, status, masking, download, 404 for outsiders."""

from __future__ import annotations

import datetime

import pytest

from pharmcrm.qualifications import rules
from pharmcrm.qualifications.models import QualificationDocument, QualificationFile
from tests.api.conftest import ApiClient, assert_error
from tests.api.routes import api_routes, concrete_path, path_params
from tests.factories import VALID_CREDIT_CODE, make_customer, make_share
from tests.qualifications.conftest import ID_NUMBER, make_document, pdf, png, stored_files

pytestmark = pytest.mark.django_db
API = "/api/v1"
OUTSIDERS = ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"]


@pytest.fixture
def api(db):
    clients = {}

    def make(user) -> ApiClient:
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make


def _upload(client, customer_id, fields, files):
    return client.client.post(f"{API}/customers/{customer_id}/qualifications", data={**fields, "files": files})


def test_upload_list_detail_and_status(api, org, media_root):
    c = make_customer(org.rep_pd1, "浦东医院", type="hospital")
    client = api(org.rep_pd1)
    r = client.get(f"/customers/{c.pk}/qualification-status")
    assert r.status_code == 200 and r.json()["flag"] == "missing" and r.json()["missing"] == ["practice_licence"]
    r = _upload(client, c.pk, {"type": "practice_licence", "number": "PDY00012331011517A1001",
                               "issuing_authority": "上海市浦东新区卫生健康委员会", "valid_to": "2030-12-31"},
                [pdf("执业许可证.pdf"), png("副本.png")])
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["type"] == "practice_licence" and body["type_label"] == "医疗机构执业许可证"
    assert body["status"] == "valid" and body["state"] == "current" and len(body["files"]) == 2
    assert body["files"][0]["original_name"] == "执业许可证.pdf"
    status = client.get(f"/customers/{c.pk}/qualification-status").json()
    assert status["complete"] and status["flag"] == "complete" and status["optional"] == ["purchase_authorisation"]
    assert [d["id"] for d in client.get(f"/customers/{c.pk}/qualifications").json()] == [body["id"]]
    assert client.get(f"/qualifications/{body['id']}").json()["number"] == "PDY00012331011517A1001"
    # download
    r = client.client.get(body["files"][0]["download_url"])
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff" and r["Content-Disposition"].startswith("attachment;")
    assert b"".join(r.streaming_content).startswith(b"%PDF-")


def test_upload_errors_have_the_error_shape_and_store_nothing(api, org, media_root):
    c = make_customer(org.rep_pd1)
    client = api(org.rep_pd1)
    r = _upload(client, c.pk, {"type": "purchase_authorisation", "agent_name": "王小明",
                               "agent_id_number": "110105194912310021", "valid_to": "2027-01-01"},
                [pdf("伪装.pdf", b"<html>not a pdf</html>")])
    body = assert_error(r, 400, field="agent_id_number")
    assert "files" in body["fields"] and "不是 PDF" in body["fields"]["files"][0]
    r = _upload(client, c.pk, {"type": "drug_licence", "number": "沪AA0210123", "valid_to": "2027-01-01"}, [])
    assert "至少上传一个" in assert_error(r, 400, field="files")["fields"]["files"][0]
    r = _upload(client, c.pk, {"type": "gsp_certificate", "valid_to": "2027-01-01"}, [pdf()])
    assert_error(r, 400, field="type")
    r = _upload(client, c.pk, {"type": "drug_licence", "number": "x", "valid_to": "2027-02-30"}, [pdf()])
    assert_error(r, 400, field="valid_to")
    assert not QualificationDocument.objects.exists() and stored_files(media_root) == []


def test_replace_and_void(api, org):
    c = make_customer(org.rep_pd1, type="other")
    old = make_document(org.rep_pd1, c, "business_licence", valid_to=rules.today() + datetime.timedelta(days=5))
    client = api(org.rep_pd1)
    r = client.client.post(f"{API}/qualifications/{old.pk}/replace",
                           data={"number": VALID_CREDIT_CODE, "no_expiry": "true", "files": [pdf()]})
    assert r.status_code == 201, r.content
    new = r.json()
    assert new["type"] == "business_licence" and new["no_expiry"] and new["status"] == "valid"
    assert client.get(f"/qualifications/{old.pk}").json()["replaced_by_id"] == new["id"]
    history = client.get(f"/customers/{c.pk}/qualifications", history="true").json()
    assert {d["state"] for d in history} == {"current", "superseded"}
    assert_error(client.post(f"/qualifications/{new['id']}/void", {"reason": ""}), 400, field="reason")
    r = client.post(f"/qualifications/{new['id']}/void", {"reason": "录错客户"})
    assert r.status_code == 200 and r.json()["state"] == "voided" and r.json()["void_reason"] == "录错客户"
    assert client.get(f"/customers/{c.pk}/qualification-status").json()["flag"] == "missing"
    assert_error(client.post(f"/qualifications/{old.pk}/void", {"reason": "x"}), 400, "not_current")


def test_id_number_masked_for_readers(api, org):
    c = make_customer(org.rep_pd1)
    d = make_document(org.rep_pd1, c, "purchase_authorisation")
    make_share(c, user=org.rep_px, access="read")
    assert api(org.rep_pd1).get(f"/qualifications/{d.pk}").json()["agent_id_number"] == ID_NUMBER
    assert api(org.pd_head).get(f"/qualifications/{d.pk}").json()["agent_id_number"] == ID_NUMBER
    reader = api(org.rep_px)
    assert reader.get(f"/qualifications/{d.pk}").json()["agent_id_number"] == "110105********002X"
    assert reader.get(f"/customers/{c.pk}/qualifications").json()[0]["agent_id_number"] == "110105********002X"
    assert_error(reader.post(f"/qualifications/{d.pk}/void", {"reason": "x"}), 403, "forbidden")
    r = _upload(reader, c.pk, {"type": "other", "title": "x", "no_expiry": "true"}, [pdf()])
    assert_error(r, 403, "forbidden")


def test_expiring(api, org):
    today = rules.today()
    mine = make_customer(org.rep_pd1, type="other")
    other = make_customer(org.rep_gz, type="other")
    d1 = make_document(org.rep_pd1, mine, "business_licence", valid_to=today + datetime.timedelta(days=10))
    d0 = make_document(org.rep_pd1, mine, "other", valid_to=today - datetime.timedelta(days=3))
    make_document(org.rep_pd1, mine, "drug_licence", valid_to=today + datetime.timedelta(days=200))
    make_document(org.rep_gz, other, "business_licence", valid_to=today + datetime.timedelta(days=1))
    page = api(org.rep_pd1).get("/qualifications/expiring").json()
    assert [d["id"] for d in page["items"]] == [d0.pk, d1.pk] and page["count"] == 2
    assert page["items"][0]["status"] == "expired" and page["items"][0]["days_left"] == -3
    assert page["items"][1]["customer_name"] == mine.name
    page = api(org.rep_pd1).get("/qualifications/expiring", include_expired="false", within_days=7).json()
    assert page["items"] == []
    assert_error(api(org.rep_pd1).get("/qualifications/expiring", within_days=-1), 400)


ID_ROUTES = ("document_id", "file_id")


def test_every_document_and_file_route_is_404_for_outsiders(api, org):
    c = make_customer(org.rep_pd1)
    d = make_document(org.rep_pd1, c, "business_licence")
    f = QualificationFile.objects.get(document=d)
    routes = [(m, p) for m, p in api_routes() if set(path_params(p)) & set(ID_ROUTES)]
    assert {p for _m, p in routes} == {"/qualifications/{document_id}", "/qualifications/{document_id}/replace",
                                       "/qualifications/{document_id}/void", "/qualifications/files/{file_id}"}
    for who in OUTSIDERS:
        client = api(getattr(org, who))
        for method, template in routes:
            for ids in ({"document_id": d.pk, "file_id": f.pk}, {"document_id": d.pk + 999, "file_id": f.pk + 999}):
                path = API + concrete_path(template, **ids)
                if method == "GET":
                    r = client.client.get(path)
                elif template.endswith("/void"):
                    r = client.post(concrete_path(template, **ids), {"reason": "x"})
                else:
                    r = client.client.post(path, data={"number": VALID_CREDIT_CODE, "no_expiry": "true",
                                                       "files": [pdf()]})
                assert_error(r, 404, "not_found")
    d.refresh_from_db()
    assert d.state == "current" and QualificationDocument.objects.count() == 1


def test_openapi_lists_the_routes(api, org):
    spec = api(org.rep_pd1).get("/openapi.json").json()
    paths = spec["paths"]
    assert "/api/v1/customers/{customer_id}/qualifications" in paths
    body = paths["/api/v1/customers/{customer_id}/qualifications"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
