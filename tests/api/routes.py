"""The API's routes, enumerated from the NinjaAPI itself (so tests cannot forget a new one)."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

from pharmcrm.api.api import api

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def api_routes() -> list[tuple[str, str]]:
    """Every (METHOD, "/path/{param}") the API serves, below /api/v1; cross-checked with Django's urlconf."""
    routes: list[tuple[str, str]] = []
    for bound in api._get_bound_routers():
        prefix = bound.prefix.rstrip("/")
        for path, path_view in bound.path_operations.items():
            full = "/" + "/".join(p for p in (prefix.strip("/"), path.strip("/")) if p)
            for operation in path_view.operations:
                routes.extend((m, full) for m in operation.methods if m in METHODS)
    # The same set of paths must be what Django actually routes (guards against ninja internals changing).
    django_paths = {"/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern)) for p in _api_url_patterns()}
    ninja_paths = {path for _, path in routes}
    assert ninja_paths <= django_paths, ninja_paths - django_paths
    extra = django_paths - ninja_paths - {"/openapi.json", "/docs", "/", "/{rest}"}
    assert not extra, f"URL patterns under /api/v1 that the enumeration does not see: {extra}"
    return sorted(set(routes))


def _api_url_patterns() -> list[URLPattern]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            return [p for p in entry.url_patterns if isinstance(p, URLPattern)]
    raise AssertionError("the API is not mounted in the urlconf")


def path_params(template: str) -> list[str]:
    return re.findall(r"{(?:\w+:)?(\w+)}", template)


def concrete_path(template: str, **values: int) -> str:
    """``template`` with every {param} replaced by ``values[param]`` (default 1)."""
    return re.sub(r"{(?:\w+:)?(\w+)}", lambda m: str(values.get(m.group(1), 1)), template)
