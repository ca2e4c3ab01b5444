"""capped_count: exact below the limit, "10,000+" above it."""

import pytest

from pharmcrm.core.pagination import CappedCount, capped_count
from pharmcrm.org.models import Department


def test_str():
    assert str(CappedCount(0, True)) == "0"
    assert str(CappedCount(1234, True)) == "1,234"
    assert str(CappedCount(10001, False)) == "10,000+"


@pytest.mark.django_db
@pytest.mark.parametrize("n, limit, expected, exact", [
    (0, 3, 0, True), (2, 3, 2, True), (3, 3, 3, True), (4, 3, 4, False), (7, 3, 4, False),
])
def test_capped_count(n, limit, expected, exact):
    Department.objects.bulk_create([Department(name=f"d{i}") for i in range(n)])
    c = capped_count(Department.objects.order_by("name"), limit)
    assert (c.value, c.exact) == (expected, exact)
    if not exact:
        assert str(c) == f"{limit:,}+"


@pytest.mark.django_db
def test_default_limit_from_settings(settings):
    settings.PHARMCRM = {**settings.PHARMCRM, "EXACT_COUNT_LIMIT": 2}
    Department.objects.bulk_create([Department(name=f"d{i}") for i in range(5)])
    assert str(capped_count(Department.objects.all())) == "2+"


@pytest.mark.django_db
def test_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        capped_count(Department.objects.all(), 10)
