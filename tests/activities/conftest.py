"""Fixtures of the follow-up tests: customers spread over the org (tests/conftest.py ``org``),
a contact at 张伟's hospital, a product, and a helper that logs a follow-up through the service."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from pharmcrm.activities import services
from pharmcrm.activities.models import FollowUp
from tests.agency.helpers import make_product
from tests.api.conftest import as_user  # noqa: F401  (a fixture for the API tests)
from tests.contacts.conftest import new_contact
from tests.factories import make_customer


def log(actor, customer, content="拜访药剂科，介绍新品", *, files=None, **data) -> FollowUp:
    return services.followup_create(actor=actor, customer_id=customer.pk, data={"content": content, **data},
                                    files=files)


def pdf(name: str = "产品彩页.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pharmcrm.demo.gen_qualifications import placeholder_pdf

    return SimpleUploadedFile(name, placeholder_pdf(), content_type="application/pdf")


def shift_created(fu: FollowUp, **delta) -> None:
    """Pretend the follow-up was logged ``delta`` ago (the edit window counts from created_at)."""
    FollowUp.objects.filter(pk=fu.pk).update(created_at=timezone.now() - datetime.timedelta(**delta))
    fu.refresh_from_db()


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
