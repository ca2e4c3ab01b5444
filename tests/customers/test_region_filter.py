"""The customer list's region filter is region containment (hypothesis: prefix filter == region_contains)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmcrm.core import regions as R
from pharmcrm.core.regions_load import regions_read
from pharmcrm.customers.selectors import CustomerFilters, customer_list
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

CODES = [r.code for r in regions_read()]
# customers' codes: every quirk, neighbours that share digits, and legacy codes not in the table
CUSTOMER_CODES = [
    "330000", "330100", "330106", "330110", "330203", "331000", "110000", "110101", "110119", "120101",
    "310115", "500103", "500229", "420000", "420100", "420106", "429004", "429021", "410000", "419001",
    "460000", "460400", "469001", "650000", "659001", "440000", "441900", "442000", "440300", "440305",
    "620200", "710000", "810000", "820000", "110100", "429000", "320571", "",
]


@pytest.fixture
def customers(org):
    return {make_customer(org.rep_pd1, f"地区客户{i:02d}", region_code=code).pk: code
            for i, code in enumerate(CUSTOMER_CODES)}


@given(code=st.sampled_from(CODES) | st.sampled_from([c for c in CUSTOMER_CODES if c]))
def test_filter_equals_containment(org, customers, code):
    got = set(customer_list(actor=org.rep_pd1, filters=CustomerFilters(region=code)).values_list("pk", flat=True))
    assert got == {pk for pk, c in customers.items() if R.region_contains(code, c)}
