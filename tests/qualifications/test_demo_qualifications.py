"""The demo's qualification file: realistic, valid, deterministic, with every status represented."""

from __future__ import annotations

import random

import pytest

from pharmcrm.core.validators import validate_credit_code
from pharmcrm.demo.gen_qualifications import (
    _locality,
    _plan_documents,
    id_number,
    placeholder_pdf,
    placeholder_png,
    qualifications_load,
)
from pharmcrm.demo.generator import demo_plan
from pharmcrm.qualifications import rules, uploads
from pharmcrm.qualifications.models import CustomerQualificationState, DocumentState, QualificationDocument
from pharmcrm.qualifications.validators import validate_id_number
from tests.factories import make_customer


def test_placeholders_are_accepted_by_the_upload_checks():
    for content in (placeholder_pdf(["x"]), placeholder_png(), placeholder_png(seed=2)):
        assert uploads.sniff(content[:64], content[-1024:]) in ("pdf", "png")


def test_locality():
    assert _locality("江苏省南京市玄武区中山路1号") == ("南京市", "玄武区")
    assert _locality("上海市浦东新区张江路8号") == ("上海市", "浦东新区")


def test_id_numbers_are_valid():
    rng = random.Random(1)
    for _ in range(200):
        validate_id_number(id_number(rng, "310115"))


def test_plan_is_deterministic_and_valid():
    plan = demo_plan()
    today = rules.today()

    def draw():
        rng = random.Random("x")
        return [_plan_documents(rng, c.data, today) for c in plan.customers]

    first, second = draw(), draw()
    assert first == second
    docs = [d for per in first for d in per]
    assert len(docs) > 300
    for d in docs:
        if d["type"] == "business_licence":
            validate_credit_code(d["number"])
        if d["type"] == "purchase_authorisation":
            validate_id_number(d["agent_id_number"])
        if d["type"] == "drug_licence":
            assert d["number"][0] in "沪苏浙粤闽京鲁川渝" and d["number"][1:3] in ("AA", "CB", "DB")
    statuses = {rules.validity_status(d.get("valid_to"), d.get("no_expiry", False), on=today) for d in docs}
    assert statuses == {"valid", "expiring", "expired"}
    assert any(0 <= (d["valid_to"] - today).days <= 30 for d in docs if d.get("valid_to"))


@pytest.mark.django_db
def test_load_files_documents_through_the_services(org, media_root):
    plan = demo_plan()
    owners = [org.rep_pd1, org.rep_pd2, org.rep_px]
    sample = plan.customers[:60]
    users = {}
    for c in sample:  # each of the plan's owners becomes one of our reps
        users.setdefault(c.owner, owners[len(users) % 3])
    customers = [make_customer(users[c.owner], c.data["name"], type=c.data["type"], credit_code=c.data["credit_code"])
                 for c in sample]
    counts = qualifications_load(seed=7, customers=sample, customer_ids=[c.pk for c in customers], deleted={0},
                                 users=users)
    assert counts["qualification_documents"] > 60
    assert not QualificationDocument.objects.filter(customer=customers[0]).exists()  # deleted ones are skipped
    flags = set(CustomerQualificationState.objects.values_list("flag", flat=True))
    assert flags == {"complete", "missing", "expired"}
    states = set(QualificationDocument.objects.values_list("state", flat=True))
    assert DocumentState.CURRENT in states
    if counts["qualification_renewals"]:
        assert DocumentState.SUPERSEDED in states
    for d in QualificationDocument.objects.all():
        assert d.files.exists() and d.created_at <= d.updated_at or d.state != "current"
