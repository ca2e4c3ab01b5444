"""Every error the API returns, mapped in ONE place.

All errors share one JSON shape::

    {"code": "invalid", "message": "A sentence for a human.", "fields": {"name": ["..."]}}

ApplicationError                       -> 400 (code/message/fields from the service; a duplicate
                                              also has "matches", see customers.duplicates)
ninja ValidationError (types, missing) -> 400 code "invalid", fields by field path (never 422)
malformed JSON body                    -> 400 code "bad_request"
request body too large                 -> 413 code "too_large"
authentication failed                  -> 401 code "unauthenticated"
CSRF failed (session auth)             -> 403 code "csrf_failed"
PermissionDenied                       -> 403 code "forbidden"
NotFound / Http404                     -> 404 code "not_found"
anything else                          -> 500 code "server_error" (logged; never for bad input)
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from pharmcrm.core.errors import ApplicationError, NotFound

logger = logging.getLogger("pharmcrm.api")

# where a parameter comes from; stripped from the field path of a validation error
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}
# the name every handler gives its body parameter; stripped as well
BODY_PARAM = "payload"

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "throttled",
}


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, "CSRF verification failed. Send the X-CSRFToken header with the csrftoken cookie.")


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "fields": fields or {}}


def _respond(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
             fields: dict[str, list[str]] | None = None, extra: dict[str, Any] | None = None) -> HttpResponse:
    response = api.create_response(request, {**error_body(code, message, fields), **(extra or {})}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="pharmcrm"'
    return response


def _field_path(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] == BODY_PARAM:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "__all__"


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        msg = str(err.get("msg", _("Invalid value.")))
        if msg.startswith("Value error, "):  # pydantic's prefix for our own validators
            msg = msg[len("Value error, "):]
        fields.setdefault(_field_path(err.get("loc", ())), []).append(msg)
    return fields


def register(api: NinjaAPI) -> None:
    """Install the handlers on ``api`` (called once, in api.api)."""

    @api.exception_handler(ApplicationError)
    def application_error(request, exc: ApplicationError):
        # an error may carry more structure (the duplicate check's "matches"): api_extra() -> dict
        extra = exc.api_extra() if hasattr(exc, "api_extra") else None
        return _respond(api, request, 400, exc.code, exc.message, exc.fields, extra)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields = validation_fields(exc.errors)
        first_field, msgs = next(iter(fields.items()), ("__all__", [_("Invalid input.")]))
        message = _("Invalid input: %(field)s: %(msg)s") % {"field": first_field, "msg": msgs[0]}
        return _respond(api, request, 400, "invalid", message, fields)

    @api.exception_handler(NotFound)
    def not_found(request, exc: NotFound):
        return _respond(api, request, 404, "not_found", exc.message)

    @api.exception_handler(Http404)
    def http404(request, exc: Http404):
        return _respond(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc: PermissionDenied):
        return _respond(api, request, 403, "forbidden", str(exc) or _("You may not do this."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc: AuthenticationError):
        return _respond(api, request, 401, "unauthenticated",
                        _("Authentication required: send 'Authorization: Bearer <token>' or log in."))

    @api.exception_handler(CsrfFailed)
    def csrf_failed(request, exc: CsrfFailed):
        return _respond(api, request, 403, "csrf_failed", exc.message)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return _respond(api, request, exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), exc.message)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc: RequestDataTooBig):
        return _respond(api, request, 413, "too_large", _("The request body is too large."))

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        logger.exception("Unhandled API error on %s %s", request.method, request.path)
        return _respond(api, request, 500, "server_error", _("Internal server error."))
