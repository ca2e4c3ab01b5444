from django.urls import include, path

from pharmcrm.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("pharmcrm.web.urls")),
]

handler404 = "pharmcrm.web.views.errors.not_found"
handler403 = "pharmcrm.web.views.errors.forbidden"
handler500 = "pharmcrm.web.views.errors.server_error"
