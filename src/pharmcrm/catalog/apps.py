from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """产品目录: products (pharma master data) and their price lists."""

    name = "pharmcrm.catalog"
    label = "catalog"
    verbose_name = _("Product catalog")
