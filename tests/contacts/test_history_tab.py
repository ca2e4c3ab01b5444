"""The customer page's history tab labels the contacts' audit events (who joined, moved, left)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.contacts.test_web import as_user, people  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_the_customer_history_tab_labels_contact_events(as_user, org, book, people):  # noqa: F811
    r = as_user(org.rep_pd1).get(reverse("web:customer_detail", args=[book.pd1.pk]), {"tab": "history"})
    rows = {row["action"]: row for row in r.context["history"]}
    assert {"新建联系人", "入职", "调往其他公司"} <= set(rows)
    assert rows["调往其他公司"]["target"] == "王建华"
    labels = {c["label"]: c["new"] for row in r.context["history"] for c in row["changes"]}
    assert labels["业务角色"] == "药剂科主任" and labels["职务"] == "药剂科主任" and labels["纪念日"] == "结婚纪念日 05-20"
    assert "生日" in labels and "离职日期" in labels
    body = r.content.decode()
    assert "contact_move_out" not in body and "role" not in {c["label"] for row in r.context["history"]
                                                             for c in row["changes"]}
