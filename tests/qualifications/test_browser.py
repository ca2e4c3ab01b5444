"""Browser: a rep uploads qualifications on a customer and sees the header tag change; the form
shows the authorisation's fields only for an authorisation; a bad file gets a Chinese error;
void with a reason; the pages fit 375 px."""

from __future__ import annotations

import re

import pytest

from pharmcrm.demo.gen_qualifications import placeholder_pdf, placeholder_png
from pharmcrm.qualifications.models import DocumentState, QualificationDocument
from tests.factories import make_customer
from tests.qualifications.conftest import ID_NUMBER, make_document

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _flag(page) -> str:
    return page.locator("[data-testid=qualification-flag]").get_attribute("data-flag")


def test_rep_uploads_a_qualification_and_the_tag_changes(page_as, org, media_root):
    hospital = make_customer(org.rep_pd1, "上海浦东仁和医院", type="hospital")
    page = page_as(org.rep_pd1)
    page.goto_path(f"/customers/{hospital.pk}/")
    tag = page.locator("[data-testid=qualification-flag]")
    assert _flag(page) == "missing" and "资质缺失" in tag.inner_text()
    tag.click()  # the tag opens the 资质 tab
    page.wait_for_url(re.compile(r"tab=qualifications"))
    row = page.locator("tr[data-type=practice_licence]")
    assert "缺失" in row.inner_text()
    row.locator("[data-testid=qual-upload-practice_licence]").click()
    page.wait_for_url(re.compile(r"/qualifications/new/\?type=practice_licence"))
    # the authorisation's fields and the "other" name are hidden for a licence
    assert not page.locator("[data-qual-for=purchase_authorisation]").is_visible()
    assert not page.locator("[data-field=title]").is_visible()
    page.fill("#id_number", "PDY12345678310115A1001")
    page.fill("#id_issuing_authority", "上海市浦东新区卫生健康委员会")
    # a bad file first: HTML disguised as a PDF
    page.set_input_files("input[name=files]", files=[
        {"name": "执业许可证.pdf", "mimeType": "application/pdf", "buffer": b"<html><body>fake</body></html>"}])
    page.fill("#id_valid_to", "2030-12-31")
    page.click("[data-testid=save]")
    error = page.locator("[data-testid=error-files]")
    assert "不是 PDF" in error.inner_text() and "执业许可证.pdf" in error.inner_text()
    assert page.input_value("#id_number") == "PDY12345678310115A1001"  # input kept
    assert not QualificationDocument.objects.exists()
    page.set_input_files("input[name=files]", files=[
        {"name": "执业许可证.pdf", "mimeType": "application/pdf", "buffer": placeholder_pdf(["Licence"])},
        {"name": "副本.png", "mimeType": "image/png", "buffer": placeholder_png(60, 40)}])
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(rf"/customers/{hospital.pk}/\?tab=qualifications"))
    assert _flag(page) == "complete" and "资质齐全" in page.locator("[data-testid=qualification-flag]").inner_text()
    assert "有效" in page.locator("tr[data-type=practice_licence]").inner_text()
    doc = QualificationDocument.objects.get(customer=hospital)
    assert doc.files.count() == 2

    # open it: image preview, then void it with a reason -> missing again
    page.locator("tr[data-type=practice_licence] td.col-name a").click()
    page.wait_for_url(re.compile(rf"/qualifications/{doc.pk}/$"))
    preview = page.locator("[data-testid=qual-preview]")
    preview.wait_for()
    assert page.evaluate("img => img.naturalWidth", preview.element_handle()) == 60
    page.click("[data-testid=qual-void]")
    dialog = page.locator("#void-dialog")
    dialog.wait_for(state="visible")
    dialog.locator("[data-testid=qual-void-submit]").click()  # no reason: refused
    page.locator("[data-testid=error-reason]").wait_for()
    assert "作废原因" in page.locator("[data-testid=error-reason]").inner_text()
    page.locator("#void-dialog textarea[name=reason]").fill("上传错了，证号有误")
    page.locator("#void-dialog [data-testid=qual-void-submit]").click()
    page.wait_for_url(re.compile(r"tab=qualifications"))
    assert _flag(page) == "missing"
    doc.refresh_from_db()
    assert doc.state == DocumentState.VOIDED and doc.void_reason == "上传错了，证号有误"


def test_authorisation_fields_appear_for_an_authorisation(page_as, org, media_root):
    agent = make_customer(org.rep_pd1, "张江医药代理有限公司", type="agent")
    page = page_as(org.rep_pd1, width=375)
    page.goto_path(f"/customers/{agent.pk}/qualifications/new/")
    agent_box = page.locator("[data-qual-for=purchase_authorisation]")
    assert not agent_box.is_visible()
    assert page.locator("[data-field=scope]").is_visible()
    page.select_option("#id_type", "purchase_authorisation")
    assert agent_box.is_visible() and not page.locator("[data-field=scope]").is_visible()
    page.select_option("#id_type", "other")
    assert not agent_box.is_visible() and page.locator("[data-field=title]").is_visible()
    page.check("#id_no_expiry")
    assert page.locator("#id_valid_to").is_disabled()
    page.uncheck("#id_no_expiry")
    page.select_option("#id_type", "purchase_authorisation")
    page.fill("#id_agent_name", "王小明")
    page.fill("#id_agent_id_number", ID_NUMBER)
    page.fill("#id_agent_territory", "上海市浦东新区")
    page.fill("#id_valid_to", "2027-06-30")
    page.set_input_files("input[name=files]", files=[
        {"name": "授权委托书.pdf", "mimeType": "application/pdf", "buffer": placeholder_pdf()}])
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"tab=qualifications"))
    doc = QualificationDocument.objects.get(customer=agent)
    assert doc.agent_id_number == ID_NUMBER and doc.agent_territory == "上海市浦东新区"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


@pytest.mark.parametrize("width", [375, 1440])
def test_qualification_pages_open_cleanly(page_as, org, media_root, width):
    c = make_customer(org.rep_pd1, "国药控股浦东有限公司", type="distributor")
    doc = make_document(org.rep_pd1, c, "purchase_authorisation")
    make_document(org.rep_pd1, c, "drug_licence", valid_to=__import__("datetime").date(2020, 1, 1))
    page = page_as(org.pd_head, width=width)
    for path in [f"/customers/{c.pk}/?tab=qualifications", f"/qualifications/{doc.pk}/",
                 f"/qualifications/{doc.pk}/replace/", f"/customers/{c.pk}/qualifications/new/",
                 "/qualifications/expiring/", "/qualifications/expiring/?within=7&expired=0&sort=-customer",
                 "/customers/"]:
        resp = page.goto_path(path)
        assert resp.status < 400, (path, resp.status)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than {width}px"
    page.goto_path("/customers/")
    page.click("[data-testid=qualifications-expiring]")
    page.wait_for_url(re.compile(r"/qualifications/expiring/"))
    assert "已过期" in page.locator("[data-testid=qual-expiring-table]").inner_text()
