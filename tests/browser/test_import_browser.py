"""A rep imports a small workbook with one bad row, fixes it, imports."""

import io

import pytest
from openpyxl import Workbook

from pharmcrm.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["客户名称", "客户类型", "地区", "电话"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return str(path)


def test_rep_imports_fixes_and_imports(page_as, org, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    page = page_as(org.rep_pd1)
    page.goto_path("/customers/")
    page.click("[data-testid=import]")
    bad = _xlsx(tmp_path / "bad.xlsx", [["杭州康泰医药有限公司", "代理商", "330106", "0571-88886666"],
                                        ["宁波新药房", "外星人", "330203", ""]])
    page.set_input_files("#import-file", bad)
    page.click("[data-testid=import-preview]")
    assert page.locator("[data-testid=import-blocked]").is_visible()
    assert "外星人" in page.locator("tr[data-action=reject]").inner_text()
    assert page.locator("[data-testid=import-commit]").count() == 0
    good = _xlsx(tmp_path / "good.xlsx", [["杭州康泰医药有限公司", "代理商", "330106", "0571-88886666"],
                                          ["宁波新药房", "单体药店", "330203", ""]])
    page.set_input_files("#import-file", good)
    page.click("[data-testid=import-preview]")
    assert page.locator("tr[data-action=create]").count() == 2
    page.click("[data-testid=import-commit]")
    page.locator("#confirm-dialog [data-role=ok]").click()
    page.wait_for_url("**/customers/")
    assert set(Customer.objects.values_list("name", flat=True)) == {"杭州康泰医药有限公司", "宁波新药房"}
    assert "杭州康泰医药有限公司" in page.content()
