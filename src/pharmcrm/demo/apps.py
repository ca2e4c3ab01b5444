from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "pharmcrm.demo"
    label = "demo"
