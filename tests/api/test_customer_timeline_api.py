"""GET /customers/{id}/timeline and /figures (api/customer_timeline.py)."""

from __future__ import annotations

import pytest

from pharmcrm.customers import services
from tests.api.conftest import assert_error
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_timeline_is_paginated_newest_first(org, as_user):
    c = services.customer_create(actor=org.rep_pd1, data={"name": "浦东康健医药有限公司", "type": "agent"})
    for i in range(4):
        services.customer_update(actor=org.rep_pd1, customer_id=c.pk, data={"phone": f"021-5888000{i}"})
    client = as_user(org.rep_pd1)
    r = client.get(f"/customers/{c.pk}/timeline", limit=3)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["has_more"] is True and len(body["items"]) == 3
    assert [e["kind"] for e in body["items"]] == ["record.update"] * 3
    assert body["items"][0]["actor"] == {"id": org.rep_pd1.pk, "name": "张伟"}
    ats = [e["at"] for e in body["items"]]
    assert ats == sorted(ats, reverse=True)
    rest = client.get(f"/customers/{c.pk}/timeline", limit=3, offset=3).json()
    assert [e["kind"] for e in rest["items"]] == ["record.update", "record.create"] and rest["has_more"] is False
    assert client.get(f"/customers/{c.pk}/timeline", source="contacts").json()["items"] == []
    assert_error(client.get(f"/customers/{c.pk}/timeline", source="nope"), 400, "invalid", "source")


def test_timeline_and_figures_of_an_invisible_customer_are_404(org, as_user):
    c = make_customer(org.rep_pd1, "浦东大客户")
    for path in (f"/customers/{c.pk}/timeline", f"/customers/{c.pk}/figures"):
        assert_error(as_user(org.rep_pd2).get(path), 404, "not_found")
        assert_error(as_user(org.rep_gz).get(path), 404, "not_found")


def test_figures(org, as_user):
    from tests.contacts.conftest import new_contact

    c = make_customer(org.rep_pd1, "浙江康源医药有限公司", type="agent")
    new_contact(org.rep_pd1, c, "王建华")
    new_contact(org.rep_pd1, c, "李红")
    figures = {f["key"]: f for f in as_user(org.rep_pd1).get(f"/customers/{c.pk}/figures").json()}
    assert figures["contacts"]["value"] == 2 and figures["contacts"]["available"] is True
    assert figures["value_class"] == {**figures["value_class"], "available": False, "value": None, "text": "—"}
    assert figures["value_class"]["hint"]  # "computed once the customer has orders"
    assert figures["sales_this_year"]["available"] is False and figures["receivables"]["available"] is False
    assert figures["last_followup"]["available"] is False
    assert figures["qualifications"]["value"] == "missing" and figures["qualifications"]["tone"] == "bad"
    assert figures["active_agreements"]["value"] == 0
    assert figures["owned_for"]["value"] == 0
    hospital = make_customer(org.rep_pd1, "上海仁济医院", type="hospital")
    keys = [f["key"] for f in as_user(org.rep_pd1).get(f"/customers/{hospital.pk}/figures").json()]
    assert "active_agreements" not in keys  # agreements are an agent's
