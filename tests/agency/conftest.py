"""Fixtures of the agency tests: products, agents, hospitals over the ``org`` of tests/conftest.py."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from tests.agency.helpers import make_product
from tests.factories import make_customer


@pytest.fixture
def world(org):
    """Agents and hospitals spread over the org, three products.

    rep_pd1 (浦东组) owns agent A and hospital 杭州西湖医院 (330106); rep_pd2 owns agent B;
    rep_gz (广州) owns agent G and hospital 浙一 (330102).
    """
    w = SimpleNamespace(org=org)
    w.agent_a = make_customer(org.rep_pd1, "浙江康源医药有限公司", type="agent", region_code="330100")
    w.agent_b = make_customer(org.rep_pd2, "杭州百草医药有限公司", type="agent", region_code="330100")
    w.agent_g = make_customer(org.rep_gz, "广州南方医药有限公司", type="distributor", region_code="440100")
    w.hosp_xh = make_customer(org.rep_pd1, "杭州西湖医院", type="hospital", region_code="330106")
    w.hosp_zy = make_customer(org.rep_gz, "浙江大学医学院附属第一医院", type="hospital", region_code="330102")
    w.p1 = make_product("阿托伐他汀钙片", "20mg*7片")
    w.p2 = make_product("头孢克肟胶囊", "0.1g*6粒")
    w.p3 = make_product("复方丹参滴丸", "27mg*180丸")
    w.today = datetime.date.today()
    return w


@pytest.fixture
def api_as(db):
    """``api_as(user)`` -> an API client with a fresh token of ``user`` (tests/api/conftest.py)."""
    from tests.api.conftest import ApiClient

    clients: dict = {}

    def make(user):
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make


@pytest.fixture
def web_as(client):
    """``web_as(user)`` -> the Django test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login
