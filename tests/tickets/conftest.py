"""Fixtures of the ticket tests: customers spread over the org (tests/conftest.py ``org``), a
contact at 张伟's hospital, a product, and ``open_ticket`` through the service."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pharmcrm.tickets import services
from pharmcrm.tickets.models import Ticket
from tests.agency.helpers import make_product
from tests.contacts.conftest import new_contact
from tests.factories import make_customer


def open_ticket(actor, customer, title="客户咨询产品说明书", **data) -> Ticket:
    return services.ticket_create(actor=actor, customer_id=customer.pk, data={"title": title, **data})


@pytest.fixture
def book(org):
    """pd1: 张伟's hospital (with contact 王建华); pd2: 李娜's distributor; px: 王芳's pharmacy; gz: 刘洋's."""
    b = SimpleNamespace()
    b.pd1 = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active")
    b.pd2 = make_customer(org.rep_pd2, "国药控股上海有限公司", type="distributor")
    b.px = make_customer(org.rep_px, "老百姓大药房", type="pharmacy")
    b.gz = make_customer(org.rep_gz, "广州医药有限公司", type="distributor")
    b.wang = new_contact(org.rep_pd1, b.pd1)
    b.product = make_product("阿托伐他汀钙片")
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

    clients: dict[int, ApiClient] = {}

    def make(user) -> ApiClient:
        if user.pk not in clients:
            clients[user.pk] = ApiClient(user)
        return clients[user.pk]

    return make
