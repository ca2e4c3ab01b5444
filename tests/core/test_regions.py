"""core.regions: the data file, the quirks of DOMAIN.md "Regions", containment (with hypothesis)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.core import regions as R
from pharmcrm.core.models import Region
from pharmcrm.core.regions_load import regions_read

ROWS = regions_read()
CODES = [r.code for r in ROWS]
BY_CODE = {r.code: r for r in ROWS}


@pytest.fixture(autouse=True)
def _fresh_cache():
    R.regions_cache_clear()
    yield
    R.regions_cache_clear()


def codes(regions) -> list[str]:
    return [r.code for r in regions]


# --- the data file -----------------------------------------------------------------------------

def test_file_is_complete_and_consistent():
    levels = [r.level for r in ROWS]
    assert levels.count(1) == 34  # 31 + Taiwan, Hong Kong, Macau
    assert 320 <= levels.count(2) <= 340
    assert 2800 <= levels.count(3) <= 2900
    for r in ROWS:
        if r.level == 1:
            assert r.code.endswith("0000") and r.parent_code is None
        else:
            assert BY_CODE[r.parent_code].level < r.level
            assert R.region_prefix(r.parent_code) == r.code[: len(R.region_prefix(r.parent_code))]
    assert len(set(CODES)) == len(CODES)


@pytest.mark.django_db
def test_migration_loaded_the_file():
    assert Region.objects.count() == len(ROWS)
    assert Region.objects.filter(is_active=False).count() == 0
    r = Region.objects.select_related("parent__parent").get(code="330106")
    assert (r.name, r.level, r.parent.name, r.parent.parent.name) == ("西湖区", 3, "杭州市", "浙江省")


@pytest.mark.django_db
def test_statistical_only_codes_are_not_regions():
    for code in ("110100", "120100", "310100", "500100", "500200",  # 市辖区 / 县 of municipalities
                 "419000", "429000", "469000", "659000",  # 省直辖县级行政区划
                 "620201",  # 嘉峪关's pseudo county
                 "130171", "320571"):  # NBS functional zones (高新区, 苏州工业园区)
        assert R.region_get(code) is None, code


# --- quirks --------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("province,district", [("110000", "110101"), ("120000", "120101"), ("310000", "310115"),
                                               ("500000", "500103"), ("500000", "500229")])
def test_municipality_districts_hang_off_the_municipality(province, district):
    assert R.region_get(district).parent_code == province
    assert R.region_get(district).level == R.COUNTY
    children = R.region_children(province)
    assert district in codes(children)
    assert {r.level for r in children} == {R.COUNTY}  # no meaningless middle step
    assert R.region_label("110101") == "北京市 东城区"
    assert R.region_contains(province, district)


@pytest.mark.django_db
@pytest.mark.parametrize("code,name,province", [
    ("429004", "仙桃市", "420000"), ("429005", "潜江市", "420000"), ("429006", "天门市", "420000"),
    ("429021", "神农架林区", "420000"), ("419001", "济源市", "410000"), ("469001", "五指山市", "460000"),
    ("469030", "琼中黎族苗族自治县", "460000"), ("659001", "石河子市", "650000"),
])
def test_province_administered_county_level_units(code, name, province):
    r = R.region_get(code)
    assert (r.name, r.level, r.parent_code) == (name, R.COUNTY, province)
    assert not r.has_children
    assert code in codes(R.region_children(province))
    assert [p.code for p in R.region_path(code)] == [province, code]
    assert R.region_contains(province, code)
    assert not R.region_contains(code[:4] + "00", code) or R.region_get(code[:4] + "00") is None
    # the cities come first under the province, the directly administered units after them
    kids = R.region_children(province)
    assert [k.level for k in kids] == sorted(k.level for k in kids)


@pytest.mark.django_db
@pytest.mark.parametrize("code,name", [("441900", "东莞市"), ("442000", "中山市"), ("460400", "儋州市"),
                                       ("620200", "嘉峪关市")])
def test_cities_without_county_level_are_leaves(code, name):
    r = R.region_get(code)
    assert (r.name, r.level, r.has_children) == (name, R.CITY, False)
    assert R.region_children(code) == []
    assert R.region_prefix(code) == code[:4]
    assert R.region_contains(code, code)
    assert R.region_contains(code[:2] + "0000", code)
    R.region_validate(code)


@pytest.mark.django_db
@pytest.mark.parametrize("code,name", [("710000", "台湾省"), ("810000", "香港特别行政区"), ("820000", "澳门特别行政区")])
def test_taiwan_hong_kong_macau_are_province_level_leaves(code, name):
    r = R.region_get(code)
    assert (r.name, r.level, r.parent_code, r.has_children) == (name, R.PROVINCE, None, False)
    assert code in codes(R.region_children(None))
    assert R.region_label(code) == name
    assert not R.region_contains(code, "440300")


# --- the functions ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_children_path_label():
    provinces = R.region_children()
    assert len(provinces) == 34 and provinces[0].name == "北京市"
    assert "330100" in codes(R.region_children("330000"))
    assert "330106" in codes(R.region_children("330100"))
    assert codes(R.region_path("330106")) == ["330000", "330100", "330106"]
    assert R.region_label("330106") == "浙江省 杭州市 西湖区"
    assert R.region_label("330106", sep="/") == "浙江省/杭州市/西湖区"
    assert R.region_label("") == "" and R.region_label(None) == ""
    assert R.region_label("999999") == "999999"  # unknown: the bare code, never an error
    assert R.region_path("999999") == [] and R.region_children("999999") == []


def test_prefix():
    assert R.region_prefix("330000") == "33"
    assert R.region_prefix("330100") == "3301"
    assert R.region_prefix("330106") == "330106"
    assert R.region_prefix("110000") == "11"
    assert R.region_prefix("441900") == "4419"


@pytest.mark.django_db
def test_contains_examples():
    assert R.region_contains("330000", "330106")
    assert R.region_contains("330100", "330106")
    assert R.region_contains("330106", "330106")
    assert not R.region_contains("330106", "330100")
    assert not R.region_contains("330100", "330000")
    assert not R.region_contains("330200", "330106")
    assert not R.region_contains("360000", "330106")  # 江西 does not contain 浙江's 西湖区
    assert not R.region_contains("420000", "430100")
    assert not R.region_contains("", "330106") and not R.region_contains("330000", "")
    assert not R.region_contains("33", "330106")  # not a code


@pytest.mark.django_db
def test_validate_messages_are_chinese():
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as e:
            R.region_validate("12345")
        assert "6位" in e.value.messages[0]
        with pytest.raises(ValidationError) as e:
            R.region_validate("999999")
        assert "999999" in e.value.messages[0] and "行政区划代码" in e.value.messages[0]
    R.region_validate("330106")
    R.region_validate(" 330106 ")


@pytest.mark.django_db
def test_inactive_codes_are_refused_unless_allowed():
    Region.objects.filter(code="330106").update(is_active=False)
    R.regions_cache_clear()
    assert R.region_get("330106").is_active is False
    assert "330106" not in codes(R.region_children("330100"))
    assert "330106" in codes(R.region_children("330100", include_inactive=True))
    assert R.region_label("330106") == "浙江省 杭州市 西湖区"  # old data keeps its label
    with translation.override("zh-hans"), pytest.raises(ValidationError) as e:
        R.region_validate("330106")
    assert "西湖区" in e.value.messages[0]
    R.region_validate("330106", allow_inactive=True)


@pytest.mark.django_db
def test_search():
    names = [R.region_label(r.code) for r in R.region_search("西湖区")]
    assert "浙江省 杭州市 西湖区" in names and "江西省 南昌市 西湖区" in names
    assert R.region_search("杭州")[0].code == "330100"
    assert R.region_search("") == []
    assert codes(R.region_search("330106")) == ["330106"]


@pytest.mark.django_db
def test_served_from_memory(django_assert_num_queries):
    R.region_label("330106")  # loads once
    with django_assert_num_queries(0):
        for code in CODES[:500]:
            R.region_label(code)
            R.region_children(code)
        R.region_validate("330106")


@pytest.mark.django_db(transaction=True)
def test_empty_table_falls_back_to_the_bundled_file():
    Region.objects.update(parent=None)
    Region.objects.all().delete()  # what a transactional test's flush leaves behind
    R.regions_cache_clear()
    assert R.region_label("330106") == "浙江省 杭州市 西湖区"
    from pharmcrm.core.regions_load import regions_sync

    regions_sync(Region, ROWS)  # leave the table as the other tests expect it


# --- containment: one function, properties over the whole table ------------------------------

def _tree_contains(a: str, b: str) -> bool:
    """Reference: walk b's parents in the file."""
    r = BY_CODE.get(b)
    while r is not None:
        if r.code == a:
            return True
        r = BY_CODE.get(r.parent_code) if r.parent_code else None
    return False


codes_st = st.sampled_from(CODES)
# pairs that are often related: a code and one of its ancestors or relatives
near_st = st.sampled_from(CODES).flatmap(
    lambda c: st.tuples(st.sampled_from([p.code for p in _path(c)] + [c[:2] + "0000"] + CODES[:5]), st.just(c))
)


def _path(c: str):
    out, r = [], BY_CODE.get(c)
    while r is not None:
        out.append(r)
        r = BY_CODE.get(r.parent_code) if r.parent_code else None
    return out


@pytest.mark.django_db
@given(a=codes_st, b=codes_st)
def test_contains_equals_the_tree(a, b):
    assert R.region_contains(a, b) == _tree_contains(a, b)
    assert R.region_contains(a, b) == (a in codes(R.region_path(b)))


@pytest.mark.django_db
@given(pair=near_st)
def test_contains_equals_the_tree_for_related_pairs(pair):
    a, b = pair
    assert R.region_contains(a, b) == _tree_contains(a, b)
    assert R.region_contains(a, b) == b.startswith(R.region_prefix(a))


@pytest.mark.django_db
@given(a=codes_st, b=codes_st, c=codes_st)
def test_contains_is_reflexive_transitive_antisymmetric(a, b, c):
    assert R.region_contains(a, a)
    if R.region_contains(a, b) and R.region_contains(b, c):
        assert R.region_contains(a, c)
    if R.region_contains(a, b) and R.region_contains(b, a):
        assert a == b


@pytest.mark.django_db
@given(code=codes_st)
def test_every_region_is_inside_its_province_and_city(code):
    path = R.region_path(code)
    assert path[0].level == R.PROVINCE and path[-1].code == code
    for ancestor in path:
        assert R.region_contains(ancestor.code, code)
    levels = [p.level for p in path]
    assert levels == sorted(set(levels))  # strictly descending the tree; a level may be skipped
    for child in R.region_children(code):
        assert R.region_contains(code, child.code) and not R.region_contains(child.code, code)
