"""The 403/404/500 pages: inside the frame when the user is logged in, plain otherwise."""

from django.http import HttpResponse
from django.template import loader


def _render(request, template: str, status: int, exception=None) -> HttpResponse:
    user = getattr(request, "user", None)
    in_frame = bool(user and user.is_authenticated)
    context = {
        "in_frame": in_frame,
        "frame_template": "web/base.html" if in_frame else "web/bare.html",
        "exception": exception,
    }
    try:
        body = loader.render_to_string(template, context, request=request)
    except Exception:  # an error page must never fail
        body = loader.render_to_string("web/errors/plain.html", {"status": status})
    return HttpResponse(body, status=status)


def not_found(request, exception=None):
    return _render(request, "web/errors/404.html", 404)


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return _render(request, "web/errors/403.html", 403, message)


def server_error(request):
    # No context processors, no database: whatever broke may break again.
    return HttpResponse(loader.render_to_string("web/errors/plain.html", {"status": 500}), status=500)
