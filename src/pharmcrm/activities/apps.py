from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    """跟进记录: follow-ups with customers (issue 4 item 1).

    Plugs into the customer timeline (customers/timeline.py ``SOURCES``) and into a contact's
    interactions (contacts/interactions.py ``register_source``) and into customer merges
    (customers/merge.py ``HANDLERS``: the follow-ups move, then the target's plan is refreshed)
    from ``ready()``.
    """

    name = "pharmcrm.activities"
    label = "activities"
    verbose_name = _("Follow-ups")

    def ready(self) -> None:
        from pharmcrm.activities.timeline import register

        register()
        from pharmcrm.activities.merging import register as register_merge

        register_merge()
