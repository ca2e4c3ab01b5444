from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "pharmcrm.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The customer modules never import notifications: they call their listener lists after
        # commit, and this app registers on them.
        from pharmcrm.notifications import hooks, render

        render.register()
        hooks.register()
