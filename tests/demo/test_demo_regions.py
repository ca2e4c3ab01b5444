"""The demo company's customers carry real, current region codes inside their department's territory."""

import pytest

from pharmcrm.core import regions as R
from pharmcrm.demo import vocabulary as v
from pharmcrm.demo.generator import DEPARTMENTS, USERS, demo_plan

pytestmark = pytest.mark.django_db


def test_every_vocabulary_district_is_a_current_region_inside_its_city():
    for city in v.CITIES.values():
        assert R.region_get(city.code) is not None, city.name
        assert R.region_get(city.code).name in (city.full_name, city.province), city.name
        for district, code in city.districts:
            R.region_validate(code)
            assert R.region_contains(city.code, code), (city.name, district, code)
            r = R.region_get(code)
            assert r.name == district or r.level == R.CITY, (district, r)  # 东莞's towns: the city itself


def test_demo_customers_are_in_their_departments_territory():
    plan = demo_plan()
    territory = {name: cities for name, _parent, cities in DEPARTMENTS}
    dept_of = {u.username: u.department for u in USERS}
    provinces = set()
    for c in plan.customers:
        code = c.data["region_code"]
        R.region_validate(code)
        cities = territory[dept_of[c.owner]]
        assert any(R.region_contains(v.CITIES[name].code, code) for name in cities), (c.owner, code)
        provinces.add(R.region_path(code)[0].name)
    assert {"上海市", "江苏省", "浙江省", "广东省", "福建省", "北京市", "山东省", "四川省", "重庆市"} <= provinces
