"""The OpenAPI schema and the docs page."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.api.conftest import API
from tests.api.routes import api_routes

pytestmark = pytest.mark.django_db


def test_openapi_json_lists_every_route():
    r = Client().get(API + "/openapi.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    schema = r.json()
    assert schema["info"]["title"] == "pharmcrm API" and schema["info"]["version"] == "1"
    documented = {(m.upper(), p.removeprefix(API)) for p, ops in schema["paths"].items() for m in ops}
    assert documented == set(api_routes())
    for path in ("/me", "/departments", "/users", "/share-groups", "/tokens", "/customers",
                 "/customers/{customer_id}", "/customers/{customer_id}/shares", "/customers/transfer"):
        assert API + path in schema["paths"], path
    security = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in security.values())
    assert "422" not in r.content.decode()


def test_docs_page_works_offline():
    r = Client().get(API + "/docs")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui.css")
    assert API + "/openapi.json" in html
