"""The region picker (web.regions): endpoint, widget, field, and its use on the customer pages."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from pharmcrm.core import regions as R
from pharmcrm.core.models import Region
from pharmcrm.customers.models import Customer
from pharmcrm.web.regions import RegionField, RegionWidget
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

URL = "/regions/children/"
NEW = {"name": "杭州西湖医药有限公司", "type": "agent", "status": "prospect"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    R.regions_cache_clear()
    yield
    R.regions_cache_clear()


def _codes(response) -> list[str]:
    return [i["code"] for i in response.json()["items"]]


# --- the endpoint ------------------------------------------------------------------------------

def test_children_endpoint_needs_login(client):
    assert reverse("web:region_children") == URL
    r = client.get(URL)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_children_endpoint(as_user, org):
    c = as_user(org.rep_pd1)
    r = c.get(URL)
    assert r.status_code == 200 and len(_codes(r)) == 34
    assert "private" in r["Cache-Control"] and "max-age=86400" in r["Cache-Control"]
    zj = c.get(URL, {"parent": "330000"}).json()["items"]
    assert {"code": "330100", "name": "杭州市", "level": 2, "leaf": False, "label": "浙江省 杭州市",
            "path": ["330000", "330100"]} in zj
    assert "330106" in _codes(c.get(URL, {"parent": "330100"}))
    bj = c.get(URL, {"parent": "110000"}).json()["items"]
    assert bj[0]["code"] == "110101" and {i["level"] for i in bj} == {3} and all(i["leaf"] for i in bj)
    hb = _codes(c.get(URL, {"parent": "420000"}))
    assert hb[-4:] == ["429004", "429005", "429006", "429021"]
    assert _codes(c.get(URL, {"parent": "441900"})) == []
    assert c.get(URL, {"parent": "999999"}).status_code == 404
    hits = c.get(URL, {"q": "西湖区"}).json()["items"]
    assert {"浙江省 杭州市 西湖区", "江西省 南昌市 西湖区"} <= {h["label"] for h in hits}
    assert next(h for h in hits if h["code"] == "330106")["path"] == ["330000", "330100", "330106"]


def test_children_endpoint_makes_no_query_once_warm(as_user, org):
    c = as_user(org.rep_pd1)
    c.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        c.get(URL, {"parent": "330100"})
    assert not [q for q in ctx.captured_queries if "core_region" in q["sql"]]


# --- widget and field ---------------------------------------------------------------------------

@pytest.mark.parametrize("data,expected", [
    ({"r_0": "330000", "r_1": "330100", "r_2": "330106"}, "330106"),
    ({"r_0": "330000", "r_1": "330100", "r_2": ""}, "330100"),
    ({"r_0": "330000", "r_1": "", "r_2": ""}, "330000"),
    ({"r_0": "", "r_1": "", "r_2": ""}, ""),
    ({"r_0": "110000", "r_1": "110101"}, "110101"),  # municipality: two steps
    ({"r_0": "420000", "r_1": "429004"}, "429004"),  # province-administered county
    ({"r_0": "440000", "r_1": "441900", "r_2": ""}, "441900"),  # 东莞: the city is the leaf
    # without the script, changing the province leaves the old city/county behind: ignored
    ({"r_0": "320000", "r_1": "330100", "r_2": "330106"}, "320000"),
    ({"r_0": "330000", "r_1": "330200", "r_2": "330106"}, "330200"),
    ({"r": "330106", "r_0": "110000"}, "330106"),  # the script submits the code alone
    ({"r_0": "", "r_current": "310100"}, "310100"),  # an unknown saved code is not silently dropped
])
def test_widget_value_is_the_deepest_consistent_select(data, expected):
    assert RegionWidget().value_from_datadict(data, {}, "r") == expected


def test_widget_renders_the_current_path():
    html = RegionWidget().render("region_code", "330106", attrs={"id": "id_region_code"})
    assert re.search(r'<select name="region_code_0" id="id_region_code"', html)
    for code in ("330000", "330100", "330106"):
        assert re.search(f'<option value="{code}"( data-leaf="1")? selected>', html)
    assert 'data-region-url="/regions/children/?v=' in html
    selects = re.findall(r"<select[^>]*>", html)
    assert len(selects) == 3 and not [s for s in selects if "hidden" in s]


def test_widget_municipality_skips_the_middle_step():
    html = RegionWidget().render("r", "110101")
    second = html.split('name="r_1"')[1].split("</select>")[0]
    assert "区/县" in second or "District" in second
    assert '<option value="110101" data-leaf="1" selected>' in second
    third = html.split('name="r_2"')[1].split(">")[0]
    assert "hidden" in third  # nothing below a district


def test_widget_groups_directly_administered_units():
    html = RegionWidget().render("r", "429004")
    second = html.split('name="r_1"')[1].split("</select>")[0]
    assert "<optgroup" in second and '<option value="429004" data-leaf="1" selected>' in second
    assert second.index("420100") < second.index("<optgroup")


def test_widget_empty_and_leaf():
    html = RegionWidget().render("r", "")
    assert 'name="r_1"' in html and html.split('name="r_1"')[1].split(">")[0].endswith("hidden")
    html = RegionWidget().render("r", "810000")
    assert '<option value="810000" data-leaf="1" selected>' in html


def test_widget_keeps_an_abolished_code_choosable():
    Region.objects.filter(code="330106").update(is_active=False)
    R.regions_cache_clear()
    html = RegionWidget().render("r", "330106")
    assert re.search(r'<option value="330106" data-leaf="1" selected>西湖区（已撤销）|\(abolished\)', html)


def test_field_validation_messages():
    f = RegionField(required=False)
    assert f.clean("") == "" and f.clean(" 330106 ") == "330106"
    with pytest.raises(ValidationError) as e:
        f.clean("999999")
    assert "999999" in str(e.value)
    with pytest.raises(ValidationError):
        f.clean("abc")


# --- customers ----------------------------------------------------------------------------------

def test_create_customer_with_the_picker(as_user, org):
    c = as_user(org.rep_pd1)
    page = c.get(reverse("web:customer_create")).content.decode()
    assert 'data-region-picker="region_code"' in page and "/static/web/regions.js" in page
    r = c.post(reverse("web:customer_create"),
               {**NEW, "region_code_0": "330000", "region_code_1": "330100", "region_code_2": "330106"})
    assert r.status_code == 302
    customer = Customer.objects.get(name=NEW["name"])
    assert customer.region_code == "330106"
    detail = c.get(reverse("web:customer_detail", args=[customer.pk])).content.decode()
    assert "浙江省 杭州市 西湖区" in detail
    # editing shows the path already chosen
    edit = c.get(reverse("web:customer_edit", args=[customer.pk])).content.decode()
    assert '<option value="330100" selected>杭州市</option>' in edit
    assert '<option value="330106" data-leaf="1" selected>西湖区</option>' in edit
    # city level is fine too
    r = c.post(reverse("web:customer_edit", args=[customer.pk]),
               {**NEW, "region_code_0": "330000", "region_code_1": "330100", "region_code_2": ""})
    assert r.status_code == 302
    customer.refresh_from_db()
    assert customer.region_code == "330100"
    history = c.get(reverse("web:customer_detail", args=[customer.pk]), {"tab": "history"}).content.decode()
    assert "浙江省 杭州市 西湖区" in history and "浙江省 杭州市" in history


def test_unknown_region_is_refused_in_chinese(as_user, org):
    c = as_user(org.rep_pd1)
    r = c.post(reverse("web:customer_create"), {**NEW, "region_code": "999999"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "行政区划代码 999999 不存在" in body and 'data-testid="error-region_code"' in body
    assert not Customer.objects.filter(name=NEW["name"]).exists()


def test_list_shows_labels_and_filters_by_containment(as_user, org):
    a = make_customer(org.rep_pd1, "西湖客户", region_code="330106")
    b = make_customer(org.rep_pd1, "余杭客户", region_code="330110")
    d = make_customer(org.rep_pd1, "宁波客户", region_code="330203")
    e = make_customer(org.rep_pd1, "省级客户", region_code="330000")
    f = make_customer(org.rep_pd1, "北京客户", region_code="110101")
    g = make_customer(org.rep_pd1, "东莞客户", region_code="441900")
    make_customer(org.rep_pd1, "无地区客户")
    c = as_user(org.rep_pd1)

    def names(**params):
        r = c.get(reverse("web:customer_list"), params)
        assert r.status_code == 200
        return {x.name for x in r.context["rows"]}

    assert names(region="330000") == {a.name, b.name, d.name, e.name}
    assert names(region="330100") == {a.name, b.name}
    assert names(region="330106") == {a.name}
    assert names(region="110000") == {f.name}
    assert names(region="440000") == {g.name} == names(region="441900")
    assert names(region_0="330000", region_1="330200") == {d.name}  # without the script
    assert len(names(region="nonsense")) == 7  # a malformed filter is ignored, never a 500
    page = c.get(reverse("web:customer_list"), {"region": "330100"}).content.decode()
    assert "浙江省 杭州市 西湖区" in page and 'data-region-picker="region"' in page
    assert '<option value="330100" selected>' in page


@pytest.mark.parametrize("region", ["330000", "330106"])
def test_list_query_count_is_constant_with_region_filter(as_user, org, region):
    for i in range(120):
        make_customer(org.rep_pd1, f"浙江客户{i:03d}", region_code=("330106", "330110", "330203")[i % 3])
    c = as_user(org.sh_head)
    c.get(reverse("web:customer_list"), {"region": region})
    counts = {}
    for size in (20, 100):
        with CaptureQueriesContext(connection) as ctx:
            r = c.get(reverse("web:customer_list"), {"region": region, "size": size})
        assert r.status_code == 200 and len(r.context["rows"]) == (size if region == "330000" else min(size, 40))
        counts[size] = len(ctx.captured_queries)
    assert counts[20] == counts[100], counts


def test_export_has_the_region_label(as_user, org):
    make_customer(org.rep_pd1, "西湖客户", region_code="330106")
    content = as_user(org.rep_pd1).get(reverse("web:customer_export"), {"region": "330000"}).content
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    header = list(rows[0])
    assert len(rows) == 2 and rows[1][header.index("所在地区")] == "浙江省 杭州市 西湖区"
    assert rows[1][header.index("行政区划代码")] == "330106"


def test_widget_warns_about_an_unknown_saved_code_and_keeps_it():
    html = RegionWidget().render("region_code", "310100")  # legacy 市辖区 code, not a region
    assert 'name="region_code_current" value="310100"' in html
    assert "310100" in html and ("不是有效的行政区划" in html or "not a known region" in html)


def test_editing_a_customer_whose_code_was_abolished(as_user, org):
    customer = make_customer(org.rep_pd1, "西湖客户", type="agent", region_code="330106")
    Region.objects.filter(code="330106").update(is_active=False)
    R.regions_cache_clear()
    c = as_user(org.rep_pd1)
    page = c.get(reverse("web:customer_edit", args=[customer.pk])).content.decode()
    assert re.search(r'<option value="330106" data-leaf="1" selected>西湖区（已撤销）</option>', page)
    data = {"name": "西湖客户", "type": "agent", "status": "prospect",
            "region_code_0": "330000", "region_code_1": "330100", "region_code_2": "330106", "phone": "0571-1"}
    assert c.post(reverse("web:customer_edit", args=[customer.pk]), data).status_code == 302  # kept
    customer.refresh_from_db()
    assert customer.region_code == "330106" and customer.phone == "0571-1"
    other = {**data, "name": "新客户"}
    r = c.post(reverse("web:customer_create"), other)  # but not chosen for a new one
    assert r.status_code == 400 and "已撤销或更名" in r.content.decode()


def test_widget_html_is_kept_per_input(django_assert_num_queries):
    """The picker is rendered on every customer list: the second rendering of the same inputs
    is the kept HTML; any input that changes the HTML (value, name, attributes, language, the
    compact form) gives its own."""
    from django.utils import translation

    from pharmcrm.web import regions as web_regions

    web_regions._RENDERED.clear()
    first = RegionWidget(compact=True).render("region", "330106", attrs={"id": "f-region"})
    assert len(web_regions._RENDERED) == 1
    assert RegionWidget(compact=True).render("region", "330106", attrs={"id": "f-region"}) is first
    assert len(web_regions._RENDERED) == 1
    others = [
        RegionWidget(compact=True).render("region", "330100", attrs={"id": "f-region"}),
        RegionWidget(compact=True).render("region_code", "330106", attrs={"id": "f-region"}),
        RegionWidget(compact=True).render("region", "330106", attrs={"id": "other"}),
        RegionWidget().render("region", "330106", attrs={"id": "f-region"}),
    ]
    with translation.override("en"):
        others.append(RegionWidget(compact=True).render("region", "330106", attrs={"id": "f-region"}))
    assert len({first, *others}) == 6 and len(web_regions._RENDERED) == 6
    assert "Zhejiang" in others[-1] or "All regions" in others[-1]
