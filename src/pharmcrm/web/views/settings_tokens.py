"""Settings: personal API tokens. Every logged-in user manages their own."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pharmcrm.core.errors import ApplicationError
from pharmcrm.org import services
from pharmcrm.org.selectors import api_token_list
from pharmcrm.web.forms_settings import ApiTokenForm
from pharmcrm.web.views.common import apply_errors
from pharmcrm.web.views.settings_common import INVALID, member_view, posted, settings_crumbs


@member_view
@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List and create. A new token's secret is shown in this one response and never again."""
    form = ApiTokenForm(posted(request))
    new_token = raw = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                new_token, raw = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                form = ApiTokenForm()
        if raw is None:
            status = INVALID
    context = {
        "crumbs": settings_crumbs(request, (_("API tokens"), None)),
        "form": form,
        "tokens": list(api_token_list(actor=request.user)),
        "new_token": new_token,
        "raw_token": raw,
        "api_base": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "web/settings/tokens.html", context, status=status)


@member_view
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.api_token_revoke(actor=request.user, token_id=token_id)  # NotFound -> 404 (not yours)
    messages.success(request, _("The token was revoked; programs using it can no longer sign in."))
    return redirect("web:settings_tokens")
