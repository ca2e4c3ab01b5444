import pytest

from tests.factories import make_customer


@pytest.fixture
def as_user(client):
    """``as_user(user)`` -> the test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def book(org):
    """Customers spread over the org: two reps in 浦东组, one in 浦西组, one in 广州."""

    class Book:
        pass

    b = Book()
    b.pd1 = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active", grade="A")
    b.pd1b = make_customer(org.rep_pd1, "张江中医药有限公司", type="agent")
    b.pd2 = make_customer(org.rep_pd2, "国药控股上海有限公司", type="distributor", status="active")
    b.px = make_customer(org.rep_px, "老百姓大药房", type="pharmacy")
    b.gz = make_customer(org.rep_gz, "广州医药有限公司", type="distributor", status="dormant")
    return b
