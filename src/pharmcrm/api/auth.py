"""Authentication for the API, and the personal token routes.

Two ways in, tried in this order:

* ``Authorization: Bearer <token>``: a personal API token (``org.services.api_token_user``:
  stored hashed; revoked tokens and inactive users are refused).
* the browser session (the cookie set by the web login). Unsafe methods (POST, PUT, PATCH,
  DELETE) must carry the CSRF token (``X-CSRFToken`` header = the ``csrftoken`` cookie),
  exactly like the web UI; a missing/wrong token is a 403 ``csrf_failed``.

Neither -> 401 ``unauthenticated``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from pharmcrm.api.common import Id
from pharmcrm.api.errors import CsrfFailed
from pharmcrm.api.org_schemas import TokenCreatedOut, TokenCreateIn, TokenOut
from pharmcrm.org import selectors, services


class BearerToken(HttpBearer):
    """Personal API tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = (token or "").strip()
        if not token or len(token) > 200:
            return None
        user = services.api_token_user(token)
        if user is None or not user.is_active:
            return None
        request.user = user  # handlers and the audit trail see the token's owner
        return user


class SessionWithCsrf(APIKeyCookie):
    """Django's session; CSRF enforced on unsafe methods, checked only for a logged-in session.

    (ninja's own ``SessionAuth`` checks CSRF before it knows whether anybody is logged in, which
    turns an anonymous POST into a 403; we want 401 for "no credentials".)
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if check_csrf(request) is not None:
            raise CsrfFailed()
        return user


AUTH = [BearerToken(), SessionWithCsrf()]

router = Router(tags=["tokens"])


@router.get("/tokens", response=list[TokenOut], summary="List my API tokens")
def token_list(request):
    return selectors.api_token_list(actor=request.auth)


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token (shown once)")
def token_create(request, payload: TokenCreateIn):
    token, raw = services.api_token_create(actor=request.auth, name=payload.name)
    token.token = raw
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of my API tokens")
def token_revoke(request, token_id: Id):
    services.api_token_revoke(actor=request.auth, token_id=token_id)
    return Status(204, None)
