"""Browser acceptance (issue 3): a rep is blocked by a duplicate and raises a conflict (撞单申诉);
the lowest common head arbitrates it (transfer); the rep then sees the customer. The duplicate
panel updates as the rep types (htmx). The new pages open cleanly at 375 px and 1440 px."""

import re

import pytest

from pharmcrm.customers.conflict_models import ConflictStatus, CustomerConflict
from pharmcrm.customers.models import Customer
from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def existing(org):
    return make_customer(org.rep_pd1, "国药控股（上海）有限公司", type="distributor", phone="021-5888 8888",
                         address="张江路88号")


def test_blocked_rep_raises_a_conflict_and_the_head_transfers(page_as, org, existing):
    page = page_as(org.rep_px)  # 王芳, 浦西组: cannot see 张伟's customer
    page.goto_path("/customers/new/")
    page.select_option("#id_type", "distributor")
    page.fill("#id_name", "国药控股上海有限公司")
    panel = page.locator("[data-testid=duplicate-panel]")
    # the panel fills in as she types (debounced htmx), before she saves
    panel.locator("[data-testid=duplicate-owner]").wait_for()
    assert "张伟" in panel.inner_text() and "浦东组" in panel.inner_text()
    assert "国药控股（上海）" not in page.content()
    page.fill("#id_phone", "+86 21 5888 8888")
    page.click("[data-testid=save]")
    page.locator("[data-testid=error-name]").wait_for()
    assert "已有同名客户" in page.locator("[data-testid=error-name]").inner_text()
    assert page.input_value("#id_name") == "国药控股上海有限公司"
    assert not Customer.objects.filter(owner=org.rep_px).exists()

    page.locator("[data-testid=raise-conflict]").first.click()
    page.wait_for_url(re.compile(r"/customers/conflicts/new/$"))
    assert "张伟" in page.locator("[data-testid=match-owner]").inner_text()
    page.click("[data-testid=submit-conflict]")  # no reason yet: told what to do, nothing lost
    page.locator("[data-testid=error-reason]").wait_for()
    page.fill("#id_reason", "我上周拜访了他们的采购经理，对方说还没有和我们公司的人对接过。")
    page.click("[data-testid=submit-conflict]")
    page.wait_for_url(re.compile(r"/customers/conflicts/\d+/$"))
    conflict = CustomerConflict.objects.get()
    assert conflict.arbiter_department == org.sh and conflict.status == ConflictStatus.OPEN
    assert "待仲裁" in page.locator("[data-testid=conflict-status]").inner_text()
    assert "国药控股（上海）" not in page.content()

    # 上海经理 (the lowest head above 浦东组 and 浦西组) arbitrates
    head = page_as(org.sh_head)
    head.goto_path("/customers/")
    head.click("[data-testid=conflicts]")
    head.wait_for_url(re.compile(r"/customers/conflicts/"))
    head.locator("[data-testid=conflict-table] a", has_text="国药控股（上海）有限公司").click()
    head.wait_for_url(re.compile(rf"/customers/conflicts/{conflict.pk}/$"))
    sides = head.locator("[data-testid=conflict-sides]").inner_text()
    assert "国药控股（上海）有限公司" in sides and "我上周拜访了他们的采购经理" in sides
    head.fill("#decision-note", "王芳已有实质接触，转给王芳。")
    head.click("[data-testid=decide-transfer]")
    dialog = head.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "王芳" in dialog.inner_text() and "张伟" in dialog.inner_text()
    dialog.locator("[data-role=ok]").click()
    head.locator("[data-testid=decision]").wait_for()
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.TRANSFERRED and conflict.decision_note == "王芳已有实质接触，转给王芳。"

    # 王芳 now owns and sees the customer
    page.goto_path(f"/customers/conflicts/{conflict.pk}/")
    page.click("[data-testid=existing-link]")
    page.wait_for_url(re.compile(rf"/customers/{existing.pk}/$"))
    assert page.locator("[data-testid=customer-owner]").inner_text() == "王芳"


@pytest.mark.parametrize("width", [375, 1440])
def test_duplicate_and_conflict_pages_open_cleanly(page_as, org, existing, width):
    own = make_customer(org.rep_px, "浦西药房")
    from pharmcrm.customers import conflicts
    from pharmcrm.customers.duplicates import duplicate_find

    data = {"name": "国药控股上海", "type": "agent"}
    ref = duplicate_find(actor=org.rep_px, name=data["name"], exclude_id=own.pk)[0].ref
    c = conflicts.conflict_raise(actor=org.rep_px, ref=ref, data=data, reason="同一家", claimant_customer_id=own.pk)
    for who, paths in (
        (org.rep_px, ["/customers/conflicts/", "/customers/conflicts/?box=mine&status=any", f"/customers/conflicts/{c.pk}/",
                      "/customers/duplicate-check/", "/customers/duplicate-check/?name=国药控股上海&phone=02158888888",
                      f"/customers/{own.pk}/edit/"]),
        (org.sh_head, ["/customers/conflicts/", f"/customers/conflicts/{c.pk}/", "/customers/conflicts/?status=closed"]),
        (org.admin, ["/customers/conflicts/?box=all", f"/customers/conflicts/{c.pk}/"]),
        (org.rep_pd1, ["/customers/conflicts/?box=about", f"/customers/conflicts/{c.pk}/"]),
    ):
        page = page_as(who, width=width)
        for path in paths:
            resp = page.goto_path(path)
            assert resp.status < 400, (who.username, path, resp.status)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} is {overflow}px wider than the {width}px viewport"
    # the merge decision is offered (the claimant has a record of their own) and asks first
    page = page_as(org.sh_head, width=width)
    page.goto_path(f"/customers/conflicts/{c.pk}/")
    page.click("[data-testid=decide-merge]")
    page.locator("#confirm-dialog").wait_for(state="visible")
    assert "不可撤销" in page.locator("#confirm-dialog").inner_text()
    page.keyboard.press("Escape")
    assert CustomerConflict.objects.get(pk=c.pk).status == ConflictStatus.OPEN
