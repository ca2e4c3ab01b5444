"""Customer create/edit/delete/restore, shares, history, export and query counts through the web UI."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pharmcrm.core.models import AuditEvent
from pharmcrm.customers.models import Customer, CustomerShare
from tests.factories import VALID_CREDIT_CODE, make_customer, make_group

pytestmark = pytest.mark.django_db

NEW = {"name": "上海浦东新药代理有限公司", "short_name": "浦东新药", "type": "agent", "status": "prospect",
       "grade": "B", "source": "referral", "credit_code": "", "phone": "021-50001234", "region_code": "310115",
       "address": "上海市浦东新区张江路1号", "notes": "展会认识"}


def test_create_customer(as_user, org):
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_create"), {**NEW, "credit_code": VALID_CREDIT_CODE.lower()})
    customer = Customer.objects.get(name=NEW["name"])
    assert r.status_code == 302 and r["Location"] == reverse("web:customer_detail", args=[customer.pk])
    assert customer.owner == org.rep_pd1 and customer.credit_code == VALID_CREDIT_CODE
    assert AuditEvent.objects.filter(customer_id=customer.pk, action="create").exists()


def test_create_with_invalid_credit_code_keeps_input_and_writes_nothing(as_user, org):
    c = as_user(org.rep_pd1)
    bad = VALID_CREDIT_CODE[:-1] + ("0" if VALID_CREDIT_CODE[-1] != "0" else "1")
    before = (Customer.objects.count(), AuditEvent.objects.count())
    r = c.post(reverse("web:customer_create"), {**NEW, "credit_code": bad})
    assert r.status_code == 400
    body = r.content.decode()
    assert "统一社会信用代码应为18位，校验位不正确" in body
    assert 'data-testid="error-credit_code"' in body and 'data-testid="error-summary"' in body
    assert f'value="{bad}"' in body and NEW["name"] in body and NEW["address"] in body   # nothing typed is lost
    assert (Customer.objects.count(), AuditEvent.objects.count()) == before


def test_create_with_short_credit_code_and_missing_fields(as_user, org):
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_create"), {**NEW, "credit_code": "12345"})
    assert r.status_code == 400 and "统一社会信用代码应为18位（您输入了5位）" in r.content.decode()
    r = c.post(reverse("web:customer_create"), {"name": "", "type": ""})
    assert r.status_code == 400
    assert set(r.context["form"].errors) >= {"name", "type"}
    r = c.post(reverse("web:customer_create"), {**NEW, "name": "x" * 500})
    assert r.status_code == 400
    assert Customer.objects.count() == 0


def test_head_creates_for_a_team_member_but_not_outside(as_user, org):
    c = as_user(org.sh_head)
    r = c.post(reverse("web:customer_create"), {**NEW, "owner": org.rep_pd2.pk})
    assert r.status_code == 302
    assert Customer.objects.get(name=NEW["name"]).owner == org.rep_pd2
    r = c.post(reverse("web:customer_create"), {**NEW, "name": "另一个客户", "owner": org.rep_gz.pk})
    assert r.status_code == 400 and not Customer.objects.filter(name="另一个客户").exists()
    # a rep sees no owner field at all and always creates for themselves
    r = as_user(org.rep_pd1).get(reverse("web:customer_create"))
    assert "owner" not in r.context["form"].fields


def test_edit_customer_and_history(as_user, org):
    customer = make_customer(org.rep_pd1, "仁济医院", type="hospital")
    c = as_user(org.rep_pd1)
    r = c.get(reverse("web:customer_edit", args=[customer.pk]))
    assert r.status_code == 200 and "仁济医院" in r.content.decode()
    data = {**NEW, "name": "上海仁济医院", "type": "hospital", "status": "active"}
    r = c.post(reverse("web:customer_edit", args=[customer.pk]), data)
    assert r.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "上海仁济医院" and customer.status == "active"
    r = c.get(reverse("web:customer_detail", args=[customer.pk]), {"tab": "history"})
    body = r.content.decode()
    assert r.status_code == 200
    assert "名称" in body and "仁济医院" in body and "上海仁济医院" in body
    assert "客户状态" in body and "潜在" in body and "成交" in body   # verbose names and choice labels
    assert "张伟" in body


def test_edit_invalid_keeps_input(as_user, org):
    customer = make_customer(org.rep_pd1, "仁济医院", type="hospital")
    r = as_user(org.rep_pd1).post(reverse("web:customer_edit", args=[customer.pk]),
                                  {**NEW, "credit_code": "ABC", "name": "新名字"})
    assert r.status_code == 400 and "新名字" in r.content.decode()
    customer.refresh_from_db()
    assert customer.name == "仁济医院"


def test_read_share_can_view_but_not_edit(as_user, org):
    customer = make_customer(org.rep_pd1, "仁济医院")
    CustomerShare.objects.create(customer=customer, user=org.rep_gz, access="read", created_by=org.rep_pd1)
    c = as_user(org.rep_gz)
    r = c.get(reverse("web:customer_detail", args=[customer.pk]))
    assert r.status_code == 200
    assert r.context["perms"] == {"write": False, "manage": False, "transfer": False}
    assert 'data-testid="edit"' not in r.content.decode()
    assert c.get(reverse("web:customer_edit", args=[customer.pk])).status_code == 403
    assert c.post(reverse("web:customer_delete", args=[customer.pk])).status_code == 403
    assert Customer.objects.filter(pk=customer.pk, deleted_at__isnull=True).exists()


def test_detail_actions_by_role(as_user, org):
    customer = make_customer(org.rep_pd1, "仁济医院")
    body = as_user(org.rep_pd1).get(reverse("web:customer_detail", args=[customer.pk])).content.decode()
    assert 'data-testid="edit"' in body and 'data-testid="share"' in body and 'data-testid="delete"' in body
    assert 'data-testid="transfer"' not in body
    body = as_user(org.pd_head).get(reverse("web:customer_detail", args=[customer.pk])).content.decode()
    assert 'data-testid="transfer"' in body


def test_share_add_and_remove(as_user, org):
    customer = make_customer(org.rep_pd1, "仁济医院")
    group = make_group("华东KA", [org.rep_px])
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_shares", args=[customer.pk]), {"target": f"u:{org.rep_gz.pk}", "access": "write"},
               HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "刘洋" in r.content.decode()
    assert CustomerShare.objects.filter(customer=customer, user=org.rep_gz, access="write").exists()
    r = c.post(reverse("web:customer_shares", args=[customer.pk]), {"target": f"g:{group.pk}", "access": "read"})
    assert r.status_code == 302
    assert CustomerShare.objects.filter(customer=customer, group=group).exists()
    # the partner now sees it, a group member too
    assert as_user(org.rep_gz).get(reverse("web:customer_detail", args=[customer.pk])).status_code == 200
    assert as_user(org.rep_px).get(reverse("web:customer_detail", args=[customer.pk])).status_code == 200
    share = CustomerShare.objects.get(customer=customer, user=org.rep_gz)
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_share_delete", args=[customer.pk, share.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert not CustomerShare.objects.filter(pk=share.pk).exists()
    assert as_user(org.rep_gz).get(reverse("web:customer_detail", args=[customer.pk])).status_code == 404
    body = as_user(org.rep_pd1).get(reverse("web:customer_detail", args=[customer.pk]), {"tab": "history"}).content.decode()
    assert "共享对象" in body and "取消共享" in body


def test_share_errors_are_shown_in_the_dialog(as_user, org):
    customer = make_customer(org.rep_pd1, "仁济医院")
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_shares", args=[customer.pk]), {"target": "", "access": "read"},
               HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "data-open" in r.content.decode()
    r = c.post(reverse("web:customer_shares", args=[customer.pk]), {"target": "u:99999", "access": "read"})
    assert r.status_code == 400
    r = c.post(reverse("web:customer_shares", args=[customer.pk]), {"target": f"u:{org.rep_gz.pk}", "access": "admin"})
    assert r.status_code == 400
    assert not CustomerShare.objects.exists()


def test_delete_and_restore(as_user, org):
    customer = make_customer(org.rep_pd1, "仁济医院")
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_delete", args=[customer.pk]))
    assert r.status_code == 302
    customer.refresh_from_db()
    assert customer.deleted_at is not None
    r = c.get(reverse("web:customer_recycle_bin"))
    assert [x.pk for x in r.context["rows"]] == [customer.pk]
    assert as_user(org.rep_pd2).get(reverse("web:customer_recycle_bin")).context["rows"] == []
    assert as_user(org.rep_pd2).post(reverse("web:customer_restore", args=[customer.pk])).status_code == 404
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_restore", args=[customer.pk]))
    assert r.status_code == 302
    customer.refresh_from_db()
    assert customer.deleted_at is None


def _sheet_rows(content: bytes):
    ws = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_export_contains_exactly_the_filtered_rows(as_user, org, book):
    c = as_user(org.sh_head)
    r = c.get(reverse("web:customer_export"), {"type": "distributor"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet_rows(r.content)
    assert rows[0][:4] == ["ID", "客户名称", "简称", "类型"]
    assert [row[1] for row in rows[1:]] == ["国药控股上海有限公司"]      # not 广州 (invisible), not the agent
    assert rows[1][3] == "配送商" and rows[1][4] == "成交"
    r = c.get(reverse("web:customer_export"))
    assert {row[1] for row in _sheet_rows(r.content)[1:]} == {"上海仁济医院", "张江中医药有限公司", "国药控股上海有限公司",
                                                                 "老百姓大药房"}
    assert r["X-Export-Capped"] == "0"


def test_export_is_capped_and_says_so(as_user, org, settings):
    settings.PHARMCRM = {**settings.PHARMCRM, "EXPORT_MAX_ROWS": 3}
    for i in range(5):
        make_customer(org.rep_pd1, f"导出客户{i}")
    c = as_user(org.rep_pd1)
    r = c.get(reverse("web:customer_export"))
    rows = _sheet_rows(r.content)
    assert r["X-Export-Capped"] == "1" and r["X-Export-Rows"] == "3"
    assert len([row for row in rows[1:] if row and row[0] is not None and isinstance(row[0], int)]) == 3
    assert "仅导出了前 3 行" in str(rows[-1][0])
    assert "导出的 Excel 只包含前 3 个" in c.get(reverse("web:customer_list")).content.decode()


def test_export_neutralises_formulas(as_user, org):
    make_customer(org.rep_pd1, "=HYPERLINK(\"http://x\")")
    rows = _sheet_rows(as_user(org.rep_pd1).get(reverse("web:customer_export")).content)
    assert rows[1][1].startswith("'=")


@pytest.mark.parametrize("who", ["rep_pd1", "sh_head", "admin"])
def test_list_query_count_does_not_grow_with_page_size(as_user, org, who):
    for i in range(120):
        make_customer(org.rep_pd1, f"批量客户{i:03d}", status="active")
    c = as_user(getattr(org, who))
    c.get(reverse("web:customer_list"))  # warm caches (visibility volume estimate, session)
    counts = {}
    for size in (20, 100):
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(reverse("web:customer_list"), {"size": size})
        assert r.status_code == 200 and len(r.context["rows"]) == size
        counts[size] = len(ctx.captured_queries)
    assert counts[20] == counts[100], counts
    assert counts[100] <= 15, counts


def test_detail_and_export_query_counts_are_bounded(as_user, org, django_assert_max_num_queries):
    for i in range(60):
        make_customer(org.rep_pd1, f"批量客户{i:03d}")
    customer = Customer.objects.first()
    c = as_user(org.rep_pd1)
    c.get(reverse("web:customer_detail", args=[customer.pk]))
    for tab in ("overview", "shares", "history"):
        with django_assert_max_num_queries(20):
            assert c.get(reverse("web:customer_detail", args=[customer.pk]), {"tab": tab}).status_code == 200
    with django_assert_max_num_queries(12):
        c.get(reverse("web:customer_export"))


def test_header_offers_logging_a_follow_up_to_those_who_may(client, org):
    """The most frequent action on a customer page: 写跟进 in the header, for whoever may write."""
    c = make_customer(org.rep_pd1)
    CustomerShare.objects.create(customer=c, user=org.rep_px, access="read", created_by=org.rep_pd1)
    CustomerShare.objects.create(customer=c, user=org.rep_pd2, access="write", created_by=org.rep_pd1)
    link = f'href="{reverse("web:followup_create", args=[c.pk])}" data-testid="header-log-followup"'
    for user, shown in ((org.rep_pd1, True), (org.pd_head, True), (org.rep_pd2, True), (org.rep_px, False)):
        client.force_login(user)
        html = client.get(reverse("web:customer_detail", args=[c.pk])).content.decode()
        assert (link in html) is shown, user.username
        if shown:
            assert client.get(reverse("web:followup_create", args=[c.pk])).status_code == 200
