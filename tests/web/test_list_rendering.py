"""The list page's hand-built HTML (web_tags.options, reltime, the rows' detail links) is exactly
what Django's own helpers give."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from pharmcrm.web.templatetags.web_tags import _relative, options, reltime
from tests.factories import make_customer

CHOICES = [("", gettext_lazy("All owners")), (3, 'a<b&"c\'d'), ("x\"y", mark_safe("<b>safe</b>")), (10, "\u3000组")]


@pytest.mark.parametrize("selected", [None, 3, "3", "x\"y", 10, "nothing"])
def test_options_as_format_html_join(selected):
    chosen = "" if selected is None else str(selected)
    expected = format_html_join(
        "", "<option value=\"{}\"{}>{}</option>",
        ((v, mark_safe(" selected") if str(v) == chosen else "", label) for v, label in CHOICES),
    )
    assert options(CHOICES, selected) == expected


@pytest.mark.parametrize("value", [
    datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC),
    datetime.datetime(999, 12, 31, 23, 59, tzinfo=datetime.UTC),
    timezone.now() - datetime.timedelta(days=400),
])
def test_reltime_dates_as_date_format(value):
    local = timezone.localtime(value)
    assert f'title="{date_format(local, "Y-m-d H:i")}"' in reltime(value)
    assert _relative(value) == date_format(local, "Y-m-d")


@pytest.mark.django_db
def test_list_rows_link_to_their_detail(org, client):
    customers = [make_customer(org.rep_pd1) for _ in range(3)]
    client.force_login(org.rep_pd1)
    html = client.get(reverse("web:customer_list")).content.decode()
    for c in customers:
        assert html.count(f'href="{reverse("web:customer_detail", args=[c.pk])}"') == 2  # data-href, the link
        assert f'data-href="{reverse("web:customer_detail", args=[c.pk])}"' in html


@pytest.mark.django_db
def test_list_rows_show_their_type_and_status_labels(org, client):
    c = make_customer(org.rep_pd1, type="hospital", status="active")
    client.force_login(org.rep_pd1)
    html = client.get(reverse("web:customer_list")).content.decode()
    assert f'<span class="tag tag-outline">{c.get_type_display()}</span>' in html
    assert f'<span class="tag tag-green">{c.get_status_display()}</span>' in html
