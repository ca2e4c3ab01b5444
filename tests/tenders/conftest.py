"""Fixtures of the tender tests: the org of tests/conftest.py plus a tender specialist (韦琳),
products with floor prices, a hospital of 张伟 and ``new_tender`` through the service."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from pharmcrm.catalog.models import PriceKind, ProductPrice
from pharmcrm.tenders import services
from pharmcrm.tenders.models import Tender
from tests.agency.helpers import make_product
from tests.factories import make_customer, make_user

SH = "310000"  # 上海市
GD = "440000"  # 广东省


def new_tender(actor, name="上海市药品集中采购项目", province=SH, **data) -> Tender:
    return services.tender_create(actor=actor, data={"name": name, "province": province, **data})


def floor(product, price: str, admin, region: str = "") -> ProductPrice:
    return ProductPrice.objects.create(product=product, kind=PriceKind.FLOOR, price=Decimal(price),
                                       region_code=region, valid_from=datetime.date(2020, 1, 1), created_by=admin)


def advance(actor, tender, *to: str) -> Tender:
    for action in to:
        tender = services.ACTION_SERVICES[action](actor=actor, tender_id=tender.pk)
    return tender


@pytest.fixture
def tb(org):
    b = SimpleNamespace()
    b.weilin = make_user("weilin", department=org.hq, roles=("tender",), full_name="韦琳")
    b.hospital = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active")
    b.gz_hospital = make_customer(org.rep_gz, "广州中山医院", type="hospital")
    b.p1 = make_product("阿托伐他汀钙片")
    b.p2 = make_product("二甲双胍缓释片")
    floor(b.p1, "10.0000", org.admin)
    floor(b.p2, "5.0000", org.admin)
    return b


@pytest.fixture
def web_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_as(db):
    from tests.api.conftest import ApiClient

    clients: dict = {}

    def make(user):
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make


@pytest.fixture(autouse=True)
def _reference_rows(db):
    """Role scopes and default stages, which a transactional test's flush deletes."""
    from tests.factories import ensure_reference_rows

    ensure_reference_rows()
