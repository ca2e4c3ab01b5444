"""Small helpers shared by the web views."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404

from pharmcrm.core.errors import ApplicationError, NotFound


def web_view(view):
    """Login required; ``NotFound`` from a selector or service becomes the 404 page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return login_required(wrapper)


def apply_errors(form: Form, exc: ApplicationError, field_map: dict[str, str] | None = None) -> None:
    """Put an ``ApplicationError``'s field messages onto the form fields (or the form itself)."""
    field_map = field_map or {}
    placed = False
    for name, messages in exc.fields.items():
        target = field_map.get(name, name)
        if target not in form.fields:
            target = None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def int_or_none(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**63 else None


def int_list(values) -> list[int]:
    out: list[int] = []
    for v in values:
        for part in str(v).split(","):
            n = int_or_none(part.strip())
            if n is not None and n not in out:
                out.append(n)
    return out
