"""Customer import: bad files, per-row results, all-or-nothing commit, duplicates, rights."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.models import AuditEvent
from pharmcrm.customers import importing
from pharmcrm.customers.models import Customer
from tests.factories import VALID_CREDIT_CODE, make_customer

pytestmark = pytest.mark.django_db

HEADER = ["客户名称", "客户类型", "统一社会信用代码", "地区", "电话", "负责人"]


def book(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def preview(actor, rows, header=HEADER):
    return importing.customer_import_preview(actor=actor, data=book(rows, header))


def test_template_header_is_accepted_and_explains_choices():
    data = importing.customer_import_template()
    wb = load_workbook(io.BytesIO(data))
    assert [c.value for c in wb.worksheets[0][1]][:3] == ["ID", "客户名称 *", "类型 *"]
    text = " ".join(str(c.value) for row in wb.worksheets[1].iter_rows() for c in row if c.value)
    assert "代理商" in text and "医院" in text


def test_preview_classifies_rows_and_explains_rejections(org):
    p = preview(org.rep_pd1, [
        ["杭州康泰医药有限公司", "代理商", "", "330106", "0571-88886666", ""],
        ["无类型公司", "", "", "", "", ""],
        ["坏类型公司", "外星人", "", "", "", ""],
        ["坏代码公司", "医院", "91350100M000100Y44", "", "", ""],
        ["坏地区公司", "医院", "", "火星", "", ""],
        ["坏负责人公司", "医院", "", "", "", "nobody"],
        ["浙江省 杭州市 西湖区 的公司", "药店", "", "浙江省 杭州市 西湖区", "", ""],
    ])
    actions = [r.action for r in p.rows]
    assert actions == ["create", "reject", "reject", "reject", "reject", "reject", "create"]
    errors = {r.values["name"]: " ".join(r.errors) for r in p.rows}
    assert "类型" in errors["无类型公司"]
    assert "外星人" in errors["坏类型公司"] and "代理商" in errors["坏类型公司"]
    assert "统一社会信用代码" in errors["坏代码公司"]
    assert "火星" in errors["坏地区公司"]
    assert "nobody" in errors["坏负责人公司"]
    assert p.rows[6].instance.region_code == "330106"
    assert not p.ok and Customer.objects.count() == 0


def test_commit_is_all_or_nothing(org):
    rows = [["甲医药有限公司", "代理商", "", "", "", ""], ["乙医药有限公司", "", "", "", "", ""]]
    with pytest.raises(ApplicationError) as exc:
        importing.customer_import_commit(actor=org.rep_pd1, data=book(rows))
    assert exc.value.code == "import_rejected"
    assert Customer.objects.count() == 0 and not AuditEvent.objects.exists()
    rows[1][1] = "经销商"
    p = importing.customer_import_commit(actor=org.rep_pd1, data=book(rows))
    assert p.counts == {"create": 2, "update": 0, "reject": 0}
    created = Customer.objects.order_by("name")
    assert [c.name for c in created] == ["乙医药有限公司", "甲医药有限公司"]
    assert all(c.owner_id == org.rep_pd1.pk and c.owner_department_id == org.rep_pd1.department_id for c in created)
    assert all("yiyao" in c.search_text for c in created)
    assert AuditEvent.objects.filter(action="import").count() == 2


def test_duplicates_are_reported_not_merged_and_never_leak(org):
    make_customer(org.rep_gz, "广州白云医药有限公司", credit_code=VALID_CREDIT_CODE)  # invisible to rep_pd1
    p = preview(org.rep_pd1, [
        ["广州白云医药有限公司", "代理商", "", "", "", ""],
        ["新公司", "代理商", VALID_CREDIT_CODE, "", "", ""],
        ["同名公司", "代理商", "", "", "13800138000", ""],
        ["同名公司", "代理商", "", "", "", ""],
    ])
    assert [r.action for r in p.rows] == ["reject", "reject", "reject", "reject"]
    text = " ".join(p.rows[0].errors + p.rows[1].errors)
    assert org.rep_gz.full_name in text
    other = Customer.objects.get()
    assert str(other.pk) not in " ".join(p.rows[1].errors)
    assert "第 5 行" in " ".join(p.rows[2].errors) or "5" in " ".join(p.rows[2].errors)
    assert Customer.objects.count() == 1


def test_update_by_id_only_for_writable_customers(org):
    mine = make_customer(org.rep_pd1, "我的客户")
    theirs = make_customer(org.rep_gz, "别人的客户")
    header = ["ID", "客户名称", "客户类型", "电话"]
    p = preview(org.rep_pd1, [[mine.pk, "我的客户（改名）", "代理商", "021-55556666"],
                              [theirs.pk, "别人的客户", "代理商", ""]], header)
    assert [r.action for r in p.rows] == ["update", "reject"]
    assert "别人的客户" not in " ".join(p.rows[1].errors[1:])  # nothing about the invisible one
    importing.customer_import_commit(actor=org.rep_pd1, data=book(
        [[mine.pk, "我的客户（改名）", "代理商", "021-55556666"]], header))
    mine.refresh_from_db()
    assert mine.name == "我的客户（改名）" and mine.phone == "021-55556666"
    assert AuditEvent.objects.filter(action="import_update", customer_id=mine.pk).exists()


@pytest.mark.parametrize("data,needle", [
    (b"", "空"),
    (b"name,type\n a,b\n", "xlsx"),
    (b"PK\x03\x04" + b"\x00" * 100, "损坏"),
    (b"\x00" * (11 * 1024 * 1024), "MB"),
])
def test_bad_files_get_clear_errors(org, data, needle):
    with pytest.raises(ApplicationError) as exc:
        importing.customer_import_preview(actor=org.rep_pd1, data=data)
    assert exc.value.code == "bad_file" and needle in exc.value.message


def test_wrong_columns_formulas_and_empty_sheets(org):
    with pytest.raises(ApplicationError) as exc:
        preview(org.rep_pd1, [["x", "y"]], header=["公司", "类别"])
    assert "公司" in exc.value.message and "客户名称" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        preview(org.rep_pd1, [["甲", "代理商", "", "", "=1+1", ""]])
    assert "E2" in exc.value.message and "公式" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        preview(org.rep_pd1, [])
    assert exc.value.code == "bad_file"
    with pytest.raises(ApplicationError):
        preview(org.rep_pd1, [["a", "代理商"]], header=["客户名称", "客户类型", "客户名称"])


def test_numbers_and_dates_typed_into_cells_keep_their_digits(org):
    p = preview(org.rep_pd1, [["数字电话公司", "代理商", "", 330106, 13800138000, ""],
                              ["日期公司", "代理商", "", "", datetime.date(2026, 1, 2), ""]])
    assert p.rows[0].instance.phone == "13800138000" and p.rows[0].instance.region_code == "330106"
    assert p.rows[1].instance.phone == "2026-01-02"
