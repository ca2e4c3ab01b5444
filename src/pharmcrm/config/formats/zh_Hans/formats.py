"""Simplified Chinese formats: Django's, with money grouped by thousands (¥2,253,614.40), as
Chinese finance and invoices write it (Django's own zh_Hans has no separator). Only
``floatformat:"…g"`` groups; inputs and exports keep plain numbers."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
