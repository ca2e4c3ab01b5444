from django.urls import include, path

app_name = "web"

# Customer/desktop/auth routes are added here by the web UI work; the settings area
# (departments, users, share groups, tokens) lives in urls_settings.py.
urlpatterns = [
    path("settings/", include("pharmcrm.web.urls_settings")),
]
