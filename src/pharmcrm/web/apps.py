from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pharmcrm.web"
    label = "web"
