from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "pharmcrm.api"
    label = "api"
