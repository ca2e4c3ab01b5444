from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pharmcrm.web"
    label = "web"

    def ready(self) -> None:
        # the customer history tab labels the follow-ups' audit events (views/followups.py)
        from pharmcrm.web.views import customers, followups

        for action, label in followups.ACTION_LABELS.items():
            customers.ACTION_LABELS.setdefault(action, label)
