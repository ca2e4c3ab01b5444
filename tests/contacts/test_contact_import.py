"""Contact import: customers by ID or exact name (writable only), dates, all or nothing."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook

from pharmcrm.contacts import importing
from pharmcrm.contacts.models import Contact, Employment
from pharmcrm.core.errors import ApplicationError
from tests.factories import make_customer

pytestmark = pytest.mark.django_db
HEADER = ["姓名", "客户ID", "客户名称", "职务", "业务角色", "手机", "生日", "入职日期"]


def book(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def customers(org):
    return make_customer(org.rep_pd1, "上海仁济医院", type="hospital"), make_customer(org.rep_gz, "广州医药有限公司")


def test_preview_keeps_nothing_and_explains(org, customers):
    mine, theirs = customers
    p = importing.contact_import_preview(actor=org.rep_pd1, data=book([
        ["王芳", "", "上海仁济医院", "药剂科主任", "药剂科主任", "13800138000", datetime.date(1980, 5, 17), "2024-03-01"],
        ["李雷", theirs.pk, "", "采购", "采购", "13900139000", "", ""],
        ["韩梅", "", "广州医药有限公司", "", "", "", "", ""],
        ["赵六", "", "上海仁济医院", "", "", "1234", "", ""],
        ["钱七", "", "上海仁济医院", "", "", "", "5月17日", ""],
        ["孙八", "", "", "", "", "", "", ""],
    ]))
    assert [r.action for r in p.rows] == ["create", "reject", "reject", "reject", "reject", "reject"]
    assert Contact.objects.count() == 0
    text = [" ".join(r.errors) for r in p.rows]
    assert "广州医药有限公司" in text[2] and "手机" in text[3] and "5月17日" in text[4]
    assert str(theirs.pk) in text[1]  # the ID the user typed, nothing about the customer behind it


def test_commit_all_or_nothing(org, customers):
    rows = [["王芳", "", "上海仁济医院", "药剂科主任", "药剂科主任", "13800138000", datetime.date(1980, 5, 17),
             "2024-03-01"], ["孙八", "", "", "", "", "", "", ""]]
    with pytest.raises(ApplicationError):
        importing.contact_import_commit(actor=org.rep_pd1, data=book(rows))
    assert Contact.objects.count() == 0
    p = importing.contact_import_commit(actor=org.rep_pd1, data=book(rows[:1]))
    assert p.counts["create"] == 1
    c = Contact.objects.get()
    assert (c.birth_year, c.birth_month, c.birth_day) == (1980, 5, 17)
    e = Employment.objects.get(contact=c)
    assert e.customer_id == customers[0].pk and e.start_date == datetime.date(2024, 3, 1) and e.end_date is None
    # the same person again is reported, not duplicated
    p = importing.contact_import_preview(actor=org.rep_pd1, data=book(rows[:1]))
    assert p.rows[0].action == "reject" and Contact.objects.count() == 1
