"""The import page keeps the prepared rows next to the uploaded file; the commit uses them and removes both."""

from __future__ import annotations

import pytest

from pharmcrm.customers import importing
from pharmcrm.customers.models import Customer
from tests.customers.test_import import book
from tests.factories import make_customer
from tests.web.test_customer_import import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_commit_uses_the_prepared_rows_then_removes_them(as_user, org, tmp_path, monkeypatch):
    client = as_user(org.rep_pd1)
    r = upload(client, book([["甲医药有限公司", "代理商", "", "", "", ""], ["乙医药有限公司", "经销商", "", "", "", ""]]))
    assert r.status_code == 200 and 'data-testid="import-commit"' in r.content.decode()
    stored = sorted(p.suffix for p in (tmp_path / "imports").iterdir())
    assert stored == [".prep", ".xlsx"]

    def refuse(*args, **kwargs):
        raise AssertionError("prepared again")

    monkeypatch.setattr(importing, "_prepare", refuse)
    r = client.post("/customers/import/commit/")
    assert r.status_code == 302 and Customer.objects.filter(owner=org.rep_pd1).count() == 2
    assert list((tmp_path / "imports").iterdir()) == []


def test_a_commit_refused_by_a_new_duplicate_shows_the_rows_again(as_user, org):
    client = as_user(org.rep_pd1)
    upload(client, book([["甲医药有限公司", "代理商", "", "", "13800138000", ""]]))
    make_customer(org.rep_gz, "别家公司", phone="13800138000")
    r = client.post("/customers/import/commit/")
    html = r.content.decode()
    assert r.status_code == 400 and org.rep_gz.full_name in html and "别家公司" not in html
    assert Customer.objects.count() == 1
