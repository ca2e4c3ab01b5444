from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pharmcrm.core"
    label = "core"
    verbose_name = "Core"
