"""The JSON API, mounted at /api/v1/ (config/urls.py). See docs/api.md.

OpenAPI: /api/v1/openapi.json; interactive docs: /api/v1/docs (Swagger UI served from ninja's
bundled static files, so it works without internet access).
"""

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger

from pharmcrm.api import errors
from pharmcrm.api.agency import router as agency_router
from pharmcrm.api.auth import AUTH
from pharmcrm.api.auth import router as token_router
from pharmcrm.api.catalog import router as catalog_router
from pharmcrm.api.conflicts import router as conflict_router
from pharmcrm.api.contacts import customer_router as customer_contacts_router
from pharmcrm.api.contacts import router as contact_router
from pharmcrm.api.customer_profile import router as customer_profile_router
from pharmcrm.api.customer_timeline import router as customer_timeline_router
from pharmcrm.api.customers import router as customer_router
from pharmcrm.api.desktop import router as desktop_router
from pharmcrm.api.followups import router as followup_router
from pharmcrm.api.imports import router as import_router
from pharmcrm.api.inventory import router as inventory_router
from pharmcrm.api.invoicing import router as invoicing_router
from pharmcrm.api.notifications import router as notification_router
from pharmcrm.api.opportunities import router as opportunity_router
from pharmcrm.api.opportunities import stage_router as opportunity_stage_router
from pharmcrm.api.orders import router as order_router
from pharmcrm.api.org import router as org_router
from pharmcrm.api.payments import router as payment_router
from pharmcrm.api.pool import router as pool_router
from pharmcrm.api.qualifications import router as qualification_router
from pharmcrm.api.quotations import history_router as price_history_router
from pharmcrm.api.quotations import router as quotation_router
from pharmcrm.api.regions import router as region_router
from pharmcrm.api.returns import router as return_router
from pharmcrm.api.supervision import router as supervision_router
from pharmcrm.api.tenders import listing_router as tender_listing_router
from pharmcrm.api.tenders import router as tender_router
from pharmcrm.api.tickets import router as ticket_router


class PharmcrmAPI(NinjaAPI):
    """NinjaAPI whose "no such route" (404) and "wrong method" (405) answers have the error shape too."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        unknown = csrf_exempt(self._unknown_route)
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                if pattern.name == "api-root":  # ninja's /api/v1/ is an HTML 404 (or a redirect in DEBUG)
                    pattern.callback = unknown
                else:
                    pattern.callback = self._json_405(pattern.callback)
        return [*patterns, path("<path:rest>", unknown, name="unknown-route")], app_name, namespace

    def _json_405(self, view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
                allow = response.get("Allow", "")
                response = self.create_response(request, errors.error_body(
                    "method_not_allowed", _("Method not allowed; allowed: %(m)s") % {"m": allow}), status=405)
                response["Allow"] = allow
            return response

        return wrapper

    def _unknown_route(self, request: HttpRequest, rest: str = "") -> HttpResponse:
        return self.create_response(request, errors.error_body("not_found", _("No such API route.")), status=404)


api = PharmcrmAPI(
    title="pharmcrm API",
    version="1",
    description=(
        "The JSON API of pharmcrm. Authenticate with a personal token "
        "(`Authorization: Bearer <token>`, create one with `manage.py create_api_token USERNAME` "
        "or `POST /api/v1/tokens`) or with the browser session plus the CSRF token. "
        'Errors are `{"code", "message", "fields"}` with 400, 401, 403, 404.'
    ),
    urls_namespace="api",
    auth=AUTH,
    docs=Swagger(settings={"persistAuthorization": True}),
)
errors.register(api)

api.add_router("/", org_router)
api.add_router("/", token_router)
api.add_router("/customers", conflict_router)  # before customer_router: /customers/conflicts is not an id
api.add_router("/customers", import_router)  # before customer_router: /customers/import is not an id
api.add_router("/customers", customer_router)
api.add_router("/regions", region_router)
api.add_router("/customers", customer_profile_router)
api.add_router("/customers", customer_contacts_router)
api.add_router("/customers", customer_timeline_router)  # /customers/{id}/timeline, /figures
api.add_router("/contacts", contact_router)
api.add_router("/", qualification_router)  # /customers/{id}/qualifications, /qualifications/...
api.add_router("/catalog", catalog_router)
api.add_router("/", pool_router)  # /pool..., /customers/{id}/pool-events
api.add_router("/agreements", agency_router)
api.add_router("/followups", followup_router)
api.add_router("/tickets", ticket_router)
api.add_router("/opportunities", opportunity_router)
api.add_router("/opportunity-stages", opportunity_stage_router)
api.add_router("/quotations", quotation_router)
api.add_router("/price-history", price_history_router)
api.add_router("/tenders", tender_router)
api.add_router("/listings", tender_listing_router)
api.add_router("/invoicing", invoicing_router)
api.add_router("/orders", order_router)
api.add_router("/payments", payment_router)
api.add_router("/returns", return_router)
api.add_router("/inventory", inventory_router)
api.add_router("/notifications", notification_router)
api.add_router("/desktop", desktop_router)
api.add_router("/", supervision_router)  # /team/feed, /team/people/{id}/interactions, /calendar, plan reschedule
