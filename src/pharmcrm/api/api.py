"""The JSON API, mounted at /api/v1/ (config/urls.py). See docs/api.md.

OpenAPI: /api/v1/openapi.json; interactive docs: /api/v1/docs (Swagger UI served from ninja's
bundled static files, so it works without internet access).
"""

from ninja import NinjaAPI, Swagger

from pharmcrm.api import errors
from pharmcrm.api.auth import AUTH
from pharmcrm.api.auth import router as token_router
from pharmcrm.api.customers import router as customer_router
from pharmcrm.api.org import router as org_router

api = NinjaAPI(
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
api.add_router("/customers", customer_router)
