"""FastSelect renders what Django's Select renders (flat choices), escaping labels and values."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from pharmcrm.web.widgets import FastSelect

CHOICES = [("", "全部"), (1, "张伟"), (2, '<b>"李&娜"</b>'), ("x'y", "引号")]


def _norm(html: str):
    return parse_html(html)  # attribute order and whitespace do not matter


@pytest.mark.parametrize("value", [None, "", 2, "2", "x'y"])
def test_same_html_as_django_select(value):
    attrs = {"class": "form-select", "data-testid": "filter-person"}
    ours = FastSelect(attrs=attrs, choices=CHOICES).render("person", value)
    django = forms.Select(attrs=attrs, choices=CHOICES).render("person", value)
    assert _norm(ours) == _norm(django)
    assert "<b>" not in ours


def test_groups_are_refused():
    with pytest.raises(ValueError):
        FastSelect(choices=[("组", [(1, "a")])]).render("x", None)
