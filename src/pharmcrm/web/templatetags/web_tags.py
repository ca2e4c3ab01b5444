"""Small presentation helpers: tags, relative times."""

from __future__ import annotations

import html

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

STATUS_CLASS = {"prospect": "tag-blue", "active": "tag-green", "dormant": "tag-amber", "lost": "tag-grey"}
GRADE_CLASS = {"A": "tag-orange", "B": "tag-blue", "C": "tag-grey"}


@register.filter
def status_class(code: str) -> str:
    return STATUS_CLASS.get(code, "tag-grey")


@register.filter
def grade_class(code: str) -> str:
    return GRADE_CLASS.get(code, "tag-grey")


def _ymd_hm(local) -> str:
    """``date_format(local, "Y-m-d H:i")`` without the formatter's machinery (20 a list page)."""
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def _relative(value) -> str:
    delta = timezone.now() - value
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        n = seconds // 60
        return ngettext("%(n)d minute ago", "%(n)d minutes ago", n) % {"n": n}
    if seconds < 86400:
        n = seconds // 3600
        return ngettext("%(n)d hour ago", "%(n)d hours ago", n) % {"n": n}
    if seconds < 86400 * 30:
        n = seconds // 86400
        return ngettext("%(n)d day ago", "%(n)d days ago", n) % {"n": n}
    return _ymd_hm(timezone.localtime(value))[:10]  # Y-m-d


@register.filter
def reltime(value):
    """"3天前" with the exact local time on hover."""
    if not value:
        return "—"
    exact = _ymd_hm(timezone.localtime(value))
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact, _relative(value))


@register.filter
def localdt(value):
    if not value:
        return "—"
    return date_format(timezone.localtime(value), "Y-m-d H:i")


@register.filter
def options(choices, selected) -> str:
    """``<option>`` tags for ``choices`` with ``selected`` marked, built in one pass.

    A department select can hold hundreds of entries; rendering them with template tags
    cost ~20 ms a page (measured with ``make bench``), this costs well under one (plain string
    building: ``format_html`` per option was still ~3 ms for the CEO's 341 departments).
    """
    chosen = "" if selected is None else str(selected)
    parts = []
    for value, label in choices:
        value = str(value)
        parts.append(f'<option value="{html.escape(value)}"{" selected" if value == chosen else ""}>'
                     f"{_escape(label)}</option>")
    return mark_safe("".join(parts))


def _escape(text) -> str:
    """``conditional_escape`` (the same text), without its per-call overhead."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))
