"""Fixtures of the contacts tests: customers spread over the org (tests/conftest.py ``org``)
and a helper that creates a contact through the service."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pharmcrm.contacts import services
from tests.factories import make_customer


def new_contact(actor, customer, name="王建华", *, employment=None, care_dates=None, **data):
    return services.contact_create(
        actor=actor, customer_id=customer.pk, data={"name": name, **data},
        employment={"title": "药剂科主任", "role": "pharmacy_director", **(employment or {})},
        care_dates=care_dates,
    )


@pytest.fixture
def book(org):
    """pd1: 张伟's hospital and agent; pd2: 李娜's distributor; px: 王芳's pharmacy; gz: 刘洋's."""
    b = SimpleNamespace()
    b.pd1 = make_customer(org.rep_pd1, "上海仁济医院", type="hospital", status="active")
    b.pd1b = make_customer(org.rep_pd1, "张江中医药有限公司", type="agent")
    b.pd2 = make_customer(org.rep_pd2, "国药控股上海有限公司", type="distributor")
    b.px = make_customer(org.rep_px, "老百姓大药房", type="pharmacy")
    b.gz = make_customer(org.rep_gz, "广州医药有限公司", type="distributor")
    return b
