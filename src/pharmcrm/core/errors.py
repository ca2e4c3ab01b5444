"""Errors raised by services and selectors; each front door maps them in one place.

ApplicationError -> 400  {"code", "message", "fields"}
NotFound         -> 404  (missing *or* invisible: existence never leaks)
PermissionDenied -> 403  (django.core.exceptions.PermissionDenied, visible but not allowed)
"""

from django.core.exceptions import PermissionDenied  # noqa: F401  re-exported


class ApplicationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid", fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}


class NotFound(Exception):
    def __init__(self, message: str = "Not found"):
        super().__init__(message)
        self.message = message
