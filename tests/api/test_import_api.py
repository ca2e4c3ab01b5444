"""POST /api/v1/customers/import: preview by default, all-or-nothing with commit=true."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pharmcrm.customers.models import Customer
from tests.customers.test_import import book

pytestmark = pytest.mark.django_db


def post(client, data: bytes, **params):
    qs = "?commit=true" if params.get("commit") else ""
    return client.post(f"/api/v1/customers/import{qs}", {"file": SimpleUploadedFile("c.xlsx", data)})


def test_preview_then_commit(client, org):
    client.force_login(org.rep_pd1)
    good = book([["甲医药有限公司", "代理商", "", "330106", "", ""]])
    r = post(client, good)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["ok"] and not body["committed"] and body["counts"]["create"] == 1
    assert Customer.objects.count() == 0
    r = post(client, good, commit=True)
    assert r.status_code == 200 and r.json()["committed"]
    assert Customer.objects.get().region_code == "330106"


def test_rejected_rows_come_back_structured_and_nothing_is_written(client, org):
    client.force_login(org.rep_pd1)
    r = post(client, book([["甲", "代理商", "", "", "", ""], ["乙", "火星人", "", "", "", ""]]), commit=True)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "import_rejected"
    rows = body["import"]["rows"]
    assert [x["action"] for x in rows] == ["create", "reject"] and "火星人" in rows[1]["errors"][0]
    assert Customer.objects.count() == 0


def test_bad_file_and_missing_file(client, org):
    client.force_login(org.rep_pd1)
    r = post(client, b"junk")
    assert r.status_code == 400 and r.json()["code"] == "bad_file" and "file" in r.json()["fields"]
    r = client.post("/api/v1/customers/import", {})
    assert r.status_code == 400


def test_template(client, org):
    client.force_login(org.rep_pd1)
    r = client.get("/api/v1/customers/import/template")
    assert r.status_code == 200 and r.content.startswith(b"PK")
