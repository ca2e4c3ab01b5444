from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgencyConfig(AppConfig):
    """代理协议: agency agreements and the exclusive-overlap rule.

    A separate app from ``customers`` (ARCHITECTURE.md lists agreements under customers/) so
    that its migrations stay independent of the customers app's, where several areas work.
    """

    name = "pharmcrm.agency"
    label = "agency"
    verbose_name = _("Agency agreements")

    def ready(self) -> None:
        from pharmcrm.agency.daily import register_pool_exemption

        register_pool_exemption()
