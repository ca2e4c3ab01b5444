"""The agreement pages: list (filters, export, query count), create/edit, detail actions with the
overlap refusal, the customer tab, navigation, and 404 for outsiders on every route."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pharmcrm.agency.models import AgencyAgreement, AgreementStatus
from tests.agency.helpers import make_agreement

pytestmark = pytest.mark.django_db

OUTSIDERS = ["rep_pd2", "rep_px", "rep_gz", "south_head", "finance"]


def _html(r) -> str:
    return r.content.decode()


def test_create_add_lines_and_territory_activate(world, web_as):
    c = web_as(world.org.rep_pd1)
    r = c.get(reverse("web:agreement_create") + f"?agent={world.agent_a.pk}")
    assert r.status_code == 200 and "浙江康源医药有限公司" in _html(r)
    y = world.today.year + 1
    # an error keeps what was typed
    r = c.post(reverse("web:agreement_create"), {
        "agent": world.agent_a.pk, "number": "ZJ-WEB-1", "exclusive": "on", "start_date": f"{y}-01-01",
        "end_date": f"{y - 1}-01-01", "rebate_terms": "季度返利"})
    assert r.status_code == 400 and "结束日期不能早于开始日期" in _html(r) and "季度返利" in _html(r)
    r = c.post(reverse("web:agreement_create"), {
        "agent": world.agent_a.pk, "number": "ZJ-WEB-1", "exclusive": "on", "start_date": f"{y}-01-01",
        "end_date": f"{y}-12-31", "deposit_amount": "30000"})
    a = AgencyAgreement.objects.get(number="ZJ-WEB-1")
    assert r.status_code == 302 and r["Location"] == reverse("web:agreement_detail", args=[a.pk])
    detail = reverse("web:agreement_detail", args=[a.pk])
    r = c.get(detail)
    assert r.status_code == 200 and "下一步" in _html(r)
    r = c.post(reverse("web:agreement_line_add", args=[a.pk]), {"product": world.p1.pk, "agency_price": "-1"})
    assert r.status_code == 400 and 'id="line-dialog"' in _html(r) and "data-open" in _html(r)
    r = c.post(reverse("web:agreement_line_add", args=[a.pk]), {"product": world.p1.pk, "agency_price": "12.5",
                                                                "supply_price": "15"})
    assert r.status_code == 302
    r = c.post(reverse("web:agreement_region_add", args=[a.pk]), {"region_code": "330100"})
    assert r.status_code == 302
    r = c.post(reverse("web:agreement_region_add", args=[a.pk]), {"region_code": "330106"})
    assert r.status_code == 400 and "已被本协议的" in _html(r)
    r = c.post(reverse("web:agreement_hospital_add", args=[a.pk]), {"hospital": world.hosp_zy.pk})
    assert r.status_code == 400  # not visible to rep_pd1
    r = c.post(reverse("web:agreement_activate", args=[a.pk]))
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == AgreementStatus.ACTIVE
    body = _html(c.get(detail))
    assert "生效中" in body and "阿托伐他汀钙片" in body and "浙江省 杭州市" in body
    # history on the agreement and on the customer
    assert "新建代理协议" in body and "代理协议生效" in body
    r = c.get(reverse("web:customer_detail", args=[world.agent_a.pk]) + "?tab=history")
    assert "代理协议生效" in _html(r) and "ZJ-WEB-1" in _html(r)


def test_overlap_refusal_is_shown_with_what_the_user_may_see(world, web_as):
    org = world.org
    make_agreement(world.agent_g, actor=org.rep_gz, products=[world.p1], regions=["330000"], number="GZ-SECRET",
                   activate=True)
    mine = make_agreement(world.agent_a, products=[world.p1], regions=["330106"], number="ZJ-2")
    c = web_as(org.rep_pd1)
    body = _html(c.get(reverse("web:agreement_detail", args=[mine.pk])))
    assert "预检" in body and "与另一份独家协议冲突（无权查看详情）" in body and "GZ-SECRET" not in body
    r = c.post(reverse("web:agreement_activate", args=[mine.pk]))
    body = _html(r)
    assert r.status_code == 400 and "未生效" in body
    assert "与另一份独家协议冲突（无权查看详情）" in body and "浙江省 杭州市 西湖区" in body
    assert "GZ-SECRET" not in body and "广州南方医药" not in body
    mine.refresh_from_db()
    assert mine.status == AgreementStatus.DRAFT
    r = web_as(org.admin).post(reverse("web:agreement_activate", args=[mine.pk]))
    assert r.status_code == 400 and "GZ-SECRET" in _html(r) and "广州南方医药有限公司" in _html(r)


def test_terminate_and_deposit_dialogs(world, web_as):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], activate=True,
                       deposit_amount="20000")
    c = web_as(world.org.rep_pd1)
    r = c.post(reverse("web:agreement_terminate", args=[a.pk]), {"reason": ""})
    assert r.status_code == 400 and 'id="terminate-dialog"' in _html(r)
    r = c.post(reverse("web:agreement_deposit", args=[a.pk]), {"status": "paid", "on": str(world.today)})
    assert r.status_code == 302
    r = c.post(reverse("web:agreement_deposit", args=[a.pk]), {"status": "partly_refunded",
                                                              "refunded_amount": "30000"})
    assert r.status_code == 400 and "累计已退金额" in _html(r)
    r = c.post(reverse("web:agreement_terminate", args=[a.pk]), {"reason": "未完成任务量"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == AgreementStatus.TERMINATED and a.deposit_status == "paid"


def test_edit_of_an_active_agreement_locks_fields_and_checks_dates(world, web_as):
    y = world.today.year + 1
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], start=datetime.date(y, 1, 1),
                       end=datetime.date(y, 6, 30), activate=True)
    make_agreement(world.agent_b, products=[world.p1], regions=["330106"], start=datetime.date(y, 7, 1),
                   end=datetime.date(y, 12, 31), activate=True, number="HZ-NEXT")
    c = web_as(world.org.rep_pd1)
    r = c.get(reverse("web:agreement_edit", args=[a.pk]))
    assert r.status_code == 200 and 'name="exclusive"' in _html(r) and "disabled" in _html(r)
    data = {"start_date": f"{y}-01-01", "end_date": f"{y}-07-31", "notes": "延期"}
    r = c.post(reverse("web:agreement_edit", args=[a.pk]), data)
    # 杭州百草 (agent_b) belongs to a peer: the refusal does not name its agreement
    assert r.status_code == 400 and "无权查看详情" in _html(r) and "HZ-NEXT" not in _html(r)
    a.refresh_from_db()
    assert a.end_date == datetime.date(y, 6, 30)


def test_list_filters_export_and_constant_queries(world, web_as):
    admin = world.org.admin
    for i in range(3):
        make_agreement(world.agent_a, actor=admin, products=[world.p1, world.p2], regions=[["330100", "330200",
                       "320100"][i]], hospitals=[], activate=i != 2)
    c = web_as(admin)
    url = reverse("web:agreement_list")
    r = c.get(url)
    assert r.status_code == 200 and len(r.context["rows"]) == 3
    assert len(c.get(url, {"status": "active"}).context["rows"]) == 2
    assert len(c.get(url, {"region": "330000"}).context["rows"]) == 2
    assert len(c.get(url, {"product": world.p3.pk}).context["rows"]) == 0
    for bad in ({"product": "x"}, {"region": "99"}, {"sort": "evil"}, {"expiring": "9999"}, {"page": "abc"},
                {"size": "7"}, {"q": "x" * 500}):
        assert c.get(url, bad).status_code == 200, bad
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for _i in range(8):
        make_agreement(world.agent_b, actor=admin, products=[world.p3], regions=["440100"], hospitals=[world.hosp_zy])
    with CaptureQueriesContext(connection) as many:
        r = c.get(url)
    assert len(r.context["rows"]) == 11
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    r = c.get(reverse("web:agreement_export"), {"status": "active"})
    assert r.status_code == 200 and r["X-Export-Rows"] == "2"
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.values)
    assert rows[0][0] == "协议编号" and len(rows) == 3 and "浙江省 杭州市" in " ".join(str(v) for v in rows[1] + rows[2])


def test_list_shows_only_visible_agreements(world, web_as):
    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"])
    g = make_agreement(world.agent_g, actor=world.org.rep_gz, products=[world.p1], regions=["440100"])
    rows = {x.pk for x in web_as(world.org.rep_pd1).get(reverse("web:agreement_list")).context["rows"]}
    assert rows == {a.pk}
    rows = {x.pk for x in web_as(world.org.south_head).get(reverse("web:agreement_list")).context["rows"]}
    assert rows == {g.pk}


def test_customer_tab_and_availability_card(world, web_as):
    from pharmcrm.customers.models import CustomerWantedRegion

    CustomerWantedRegion.objects.create(customer=world.agent_a, region_code="330000", note="重点")
    CustomerWantedRegion.objects.create(customer=world.agent_a, region_code="320000")
    make_agreement(world.agent_g, actor=world.org.rep_gz, products=[world.p1], regions=["330100"], activate=True)
    mine = make_agreement(world.agent_a, products=[world.p2], regions=["320100"], number="ZJ-TAB")
    c = web_as(world.org.rep_pd1)
    r = c.get(reverse("web:customer_detail", args=[world.agent_a.pk]) + "?tab=agreements")
    body = _html(r)
    assert r.status_code == 200 and 'data-testid="tab-agreements"' in body and "ZJ-TAB" in body
    assert "另一代理商（无权查看详情）" in body and 'data-state="taken"' in body and 'data-state="free"' in body
    # tab order: after 资质 (qualifications), before 共享 (sharing; the 动态 activity tab sits between)
    keys = [t.key for t in r.context["tabs"]]
    assert keys.index("qualifications") < keys.index("agreements") < keys.index("shares")
    # a hospital shows the agreements naming it; a pharmacy chain... an "other" customer has no tab
    from tests.factories import make_customer

    other = make_customer(world.org.rep_pd1, "某咨询公司", type="other")
    r = c.get(reverse("web:customer_detail", args=[other.pk]))
    assert 'data-testid="tab-agreements"' not in _html(r)
    make_agreement(world.agent_a, products=[world.p3], hospitals=[world.hosp_xh], number="ZJ-HOSP")
    r = c.get(reverse("web:customer_detail", args=[world.hosp_xh.pk]) + "?tab=agreements")
    assert "ZJ-HOSP" in _html(r)
    assert mine.pk


def test_navigation_has_the_agreements_item(world, web_as):
    body = _html(web_as(world.org.rep_pd1).get(reverse("web:desktop")))
    assert 'data-nav="agreements"' in body and "代理协议" in body


def test_lookups(world, web_as):
    c = web_as(world.org.rep_pd1)
    hosp = c.get(reverse("web:agency_hospital_lookup"), {"q": "医院"}).json()
    assert [h["id"] for h in hosp] == [world.hosp_xh.pk]  # 浙一 belongs to 广州's rep
    agents = c.get(reverse("web:agency_agent_lookup")).json()
    assert {a["id"] for a in agents} == {world.agent_a.pk}


# --- every route with an agreement id, as outsiders ------------------------------------------

def _routes():
    from tests.web.test_pages import _web_routes

    return sorted({name for route, name in _web_routes() if "agreement_id" in route and not route.startswith("api/")})


def test_every_agreement_route_is_tried():
    assert set(_routes()) == {
        "agreement_detail", "agreement_edit", "agreement_activate", "agreement_terminate", "agreement_deposit",
        "agreement_line_add", "agreement_line_edit", "agreement_line_remove", "agreement_region_add",
        "agreement_region_remove", "agreement_hospital_add", "agreement_hospital_remove",
    }


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_route(world, web_as, outsider):
    from tests.web.test_pages import _web_routes

    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"], hospitals=[])
    ids = {"agreement_id": a.pk, "line_id": a.lines.get().pk, "region_id": a.regions.get().pk, "entry_id": 1}
    c = web_as(getattr(world.org, outsider))
    before = list(AgencyAgreement.objects.values())
    for route, name in _web_routes():
        if "agreement_id" not in route or route.startswith("api/"):
            continue
        import re

        kwargs = {k: ids[k] for k in re.findall(r"<int:(\w+)>", route)}
        url = reverse(f"web:{name}", kwargs=kwargs)
        for method in ("get", "post"):
            r = getattr(c, method)(url, {"reason": "x", "status": "paid", "region_code": "330200"})
            assert r.status_code == 404, (name, method, r.status_code)
    assert list(AgencyAgreement.objects.values()) == before


def test_read_share_sees_but_gets_403_on_changes(world, web_as):
    from tests.factories import make_share

    a = make_agreement(world.agent_a, products=[world.p1], regions=["330100"])
    make_share(world.agent_a, user=world.org.rep_px, access="read")
    c = web_as(world.org.rep_px)
    body = _html(c.get(reverse("web:agreement_detail", args=[a.pk])))
    assert 'data-testid="activate"' not in body and 'data-testid="add-line"' not in body
    assert c.get(reverse("web:agreement_edit", args=[a.pk])).status_code == 403
    assert c.post(reverse("web:agreement_activate", args=[a.pk])).status_code == 403
