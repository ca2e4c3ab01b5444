"""GET /api/v1/regions, /regions/{code}; region_code validation, region_label and the region filter of customers."""

from __future__ import annotations

import pytest

from pharmcrm.core import regions as R
from pharmcrm.core.models import Region
from tests.api.conftest import ApiClient, assert_error
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    R.regions_cache_clear()
    yield
    R.regions_cache_clear()


def test_regions_need_authentication(db):
    assert_error(ApiClient().get("/regions"), 401)


def test_provinces_children_and_search(org, as_user):
    api = as_user(org.rep_pd1)
    r = api.get("/regions")
    assert r.status_code == 200
    provinces = r.json()
    assert len(provinces) == 34
    assert provinces[0] == {"code": "110000", "name": "北京市", "level": 1, "parent_code": None,
                            "is_active": True, "leaf": False, "label": "北京市"}
    assert {p["code"] for p in provinces if p["leaf"]} == {"710000", "810000", "820000"}
    zj = api.get("/regions", parent="330000").json()
    assert zj[0]["code"] == "330100" and zj[0]["label"] == "浙江省 杭州市"
    hz = api.get("/regions", parent="330100").json()
    assert {"code": "330106", "name": "西湖区", "level": 3, "parent_code": "330100", "is_active": True,
            "leaf": True, "label": "浙江省 杭州市 西湖区"} in hz
    assert [x["code"] for x in api.get("/regions", parent="110000").json()][:2] == ["110101", "110102"]
    assert api.get("/regions", parent="441900").json() == []
    assert "浙江省 杭州市 西湖区" in [x["label"] for x in api.get("/regions", q="西湖区").json()]
    assert_error(api.get("/regions", parent="999999"), 404)
    assert_error(api.get("/regions", parent="1234567"), 400)


def test_inactive_codes_only_on_request(org, as_user):
    Region.objects.filter(code="330106").update(is_active=False)
    R.regions_cache_clear()
    api = as_user(org.rep_pd1)
    assert "330106" not in [x["code"] for x in api.get("/regions", parent="330100").json()]
    listed = api.get("/regions", parent="330100", include_inactive="true").json()
    assert next(x for x in listed if x["code"] == "330106")["is_active"] is False
    assert api.get("/regions/330106").json()["is_active"] is False


def test_region_detail_with_path(org, as_user):
    api = as_user(org.rep_pd1)
    r = api.get("/regions/330106")
    assert r.status_code == 200
    body = r.json()
    assert body["label"] == "浙江省 杭州市 西湖区"
    assert [p["code"] for p in body["path"]] == ["330000", "330100", "330106"]
    assert [p["code"] for p in api.get("/regions/429004").json()["path"]] == ["420000", "429004"]
    assert [p["code"] for p in api.get("/regions/810000").json()["path"]] == ["810000"]
    assert_error(api.get("/regions/999999"), 404)
    assert_error(api.get("/regions/110100"), 404)  # statistical 市辖区: not a region


def test_customer_region_code_is_validated_and_labelled(org, as_user):
    api = as_user(org.rep_pd1)
    body = assert_error(api.post("/customers", {"type": "agent", "name": "无效地区医药", "region_code": "999999"}),
                        400, field="region_code")
    assert "999999" in body["fields"]["region_code"][0]
    assert_error(api.post("/customers", {"type": "agent", "name": "无效地区医药", "region_code": "33"}),
                 400, field="region_code")
    r = api.post("/customers", {"type": "agent", "name": "西湖医药有限公司", "region_code": "330106"})
    assert r.status_code == 201, r.content
    c = r.json()
    assert c["region_code"] == "330106" and c["region_label"] == "浙江省 杭州市 西湖区"
    r = api.patch(f"/customers/{c['id']}", {"region_code": "110101"})
    assert r.status_code == 200 and r.json()["region_label"] == "北京市 东城区"
    r = api.patch(f"/customers/{c['id']}", {"region_code": ""})
    assert r.status_code == 200 and r.json()["region_label"] == ""
    items = api.get("/customers").json()["items"]
    assert items[0]["region_label"] == ""


def test_an_abolished_code_is_kept_but_cannot_be_chosen(org, as_user):
    api = as_user(org.rep_pd1)
    cid = api.post("/customers", {"type": "agent", "name": "西湖医药有限公司", "region_code": "330106"}).json()["id"]
    Region.objects.filter(code="330106").update(is_active=False)
    R.regions_cache_clear()
    r = api.patch(f"/customers/{cid}", {"phone": "0571-88886666"})  # untouched region: fine
    assert r.status_code == 200 and r.json()["region_label"] == "浙江省 杭州市 西湖区"
    other = api.post("/customers", {"type": "agent", "name": "新客户医药有限公司", "region_code": "330106"})
    assert_error(other, 400, field="region_code")


def test_customer_list_region_filter_is_containment(org, as_user):
    a = make_customer(org.rep_pd1, "西湖客户", region_code="330106")
    b = make_customer(org.rep_pd1, "宁波客户", region_code="330203")
    make_customer(org.rep_pd1, "北京客户", region_code="110101")
    api = as_user(org.rep_pd1)

    def ids(region):
        r = api.get("/customers", region=region)
        assert r.status_code == 200
        return {x["id"] for x in r.json()["items"]}

    assert ids("330000") == {a.pk, b.pk}
    assert ids("330100") == {a.pk}
    assert ids("330106") == {a.pk}
    assert ids("320000") == set()
    assert_error(api.get("/customers", region="3300001"), 400)
