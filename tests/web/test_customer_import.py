"""The import pages: template, upload → preview, commit; the stored file is the user's own."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from pharmcrm.customers.models import Customer
from tests.customers.test_import import book
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def upload(client, data: bytes, name="客户.xlsx"):
    f = io.BytesIO(data)
    f.name = name
    return client.post("/customers/import/", {"file": f})


def test_template_download(as_user, org):
    r = as_user(org.rep_pd1).get("/customers/import/template/")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.worksheets[0]["B1"].value == "客户名称 *"


def test_page_lists_the_steps(as_user, org):
    r = as_user(org.rep_pd1).get("/customers/import/")
    assert r.status_code == 200 and "下载导入模板" in r.content.decode()
    assert "/customers/import/" in as_user(org.rep_pd1).get("/customers/").content.decode()


def test_bad_row_blocks_then_fixed_file_imports(as_user, org):
    client = as_user(org.rep_pd1)
    r = upload(client, book([["甲医药有限公司", "代理商", "", "", "", ""], ["乙医药有限公司", "火星人", "", "", "", ""]]))
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="import-blocked"' in html and "火星人" in html
    assert 'data-testid="import-commit"' not in html
    r = client.post("/customers/import/commit/")  # refused: nothing written
    assert r.status_code == 400 and Customer.objects.count() == 0
    r = upload(client, book([["甲医药有限公司", "代理商", "", "", "", ""], ["乙医药有限公司", "经销商", "", "", "", ""]]))
    assert 'data-testid="import-commit"' in r.content.decode()
    r = client.post("/customers/import/commit/")
    assert r.status_code == 302 and Customer.objects.filter(owner=org.rep_pd1).count() == 2
    r = client.post("/customers/import/commit/")  # the file is gone after the commit
    assert r.status_code == 302 and Customer.objects.count() == 2


def test_a_bad_file_shows_the_reason(as_user, org):
    r = upload(as_user(org.rep_pd1), b"not a workbook", name="a.xlsx")
    assert r.status_code == 400 and "不是 Excel 工作簿" in r.content.decode()
    r = as_user(org.rep_pd1).post("/customers/import/", {})
    assert r.status_code == 400 and "请选择" in r.content.decode()


def test_another_user_cannot_commit_my_upload(client, org):
    client.force_login(org.rep_pd1)
    upload(client, book([["甲医药有限公司", "代理商", "", "", "", ""]]))
    client.force_login(org.rep_pd2)  # a new session: no stored file
    r = client.post("/customers/import/commit/")
    assert r.status_code == 302 and Customer.objects.count() == 0


def test_contact_import_pages(as_user, org):
    client = as_user(org.rep_pd1)
    r = client.get("/contacts/import/")
    assert r.status_code == 200 and "导入联系人" in r.content.decode()
    r = client.get("/contacts/import/template/")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.worksheets[0]["A1"].value == "姓名 *"
    assert "/contacts/import/" in client.get("/contacts/").content.decode()
    make = make_customer(org.rep_pd1, "上海仁济医院")
    wb2 = __import__("openpyxl").Workbook()
    wb2.active.append(["姓名", "客户名称", "手机", "职务"])
    wb2.active.append(["王芳", make.name, "13800138000", "药剂科主任"])
    buf = io.BytesIO()
    wb2.save(buf)
    r = upload(client, buf.getvalue())  # posts to the customer import: the header does not match
    assert r.status_code == 400
    f = io.BytesIO(buf.getvalue())
    f.name = "c.xlsx"
    r = client.post("/contacts/import/", {"file": f})
    import re
    assert 'data-testid="import-commit"' in r.content.decode(), re.findall(r'text-danger small">(.*?)</ul>', r.content.decode(), re.S)
    r = client.post("/contacts/import/commit/")
    assert r.status_code == 302 and r["Location"] == "/contacts/"
