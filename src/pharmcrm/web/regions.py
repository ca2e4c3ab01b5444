"""The cascading region picker (省 → 市 → 区县): ``RegionField``, ``RegionWidget`` and the
``web:region_children`` endpoint it fetches children from.

The widget renders three selects named ``<name>_0``, ``<name>_1``, ``<name>_2``, already
filled for the current value's path (editing shows 浙江省 / 杭州市 / 西湖区 at once, before
any script runs). ``web/regions.js`` loads the next level when one changes, offers a search
box ("西湖区" → 浙江省 杭州市 西湖区), and submits the chosen code as ``<name>`` alone (so a
filter URL reads ``?region=330106``). Without the script the form still works: the deepest
select consistent with the ones above it is the value (choose 浙江省, save; the next level's
options come with the re-rendered page). A plain ``<name>=330106`` is accepted too.

Any level may be chosen: a customer can be at province or city level. Municipalities go
straight from 北京市 to its districts (no 市辖区 step); a city with no county level (东莞)
and 香港/澳门/台湾 are leaves: the next select is hidden.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from pharmcrm.core import regions as R

LEVEL_PLACEHOLDERS = {
    0: gettext_lazy("Province / municipality"),
    1: gettext_lazy("City (prefecture)"),
    2: gettext_lazy("District / county"),
}


def _option(r: R.RegionInfo, selected: str) -> dict:
    label = r.name if r.is_active else _("%(name)s (abolished)") % {"name": r.name}
    return {"code": r.code, "label": label, "level": r.level, "leaf": not r.has_children,
            "selected": r.code == selected}


def _options(parent: str | None, selected: str) -> tuple[list[dict], list[dict]]:
    """(cities or districts, county-level units a province administers directly)."""
    items = R.region_children(parent)
    if selected and selected not in {r.code for r in items}:
        current = R.region_get(selected)  # an inactive code the record already has stays choosable
        if current is not None and current.parent_code == parent:
            items = [*items, current]
    opts = [_option(r, selected) for r in items]
    if parent is None:
        return opts, []
    top = R.region_get(parent)
    if top is not None and top.level == R.PROVINCE:
        cities = [o for o in opts if o["level"] == R.CITY]
        direct = [o for o in opts if o["level"] == R.COUNTY]
        if cities and direct:
            return cities, direct
    return opts, []


def _second_placeholder(parent: str | None) -> str:
    kids = R.region_children(parent) if parent else []
    if kids and all(k.level == R.COUNTY for k in kids):
        return str(LEVEL_PLACEHOLDERS[2])  # 北京市 → 区县 directly
    return str(LEVEL_PLACEHOLDERS[1])


_RENDERED: dict[tuple, str] = {}
_RENDERED_MAX = 256


class RegionWidget(forms.Widget):
    template_name = "web/widgets/region.html"

    class Media:
        js = ("web/regions.js",)

    def __init__(self, attrs=None, *, compact: bool = False, search: bool = True):
        super().__init__(attrs)
        self.compact = compact
        self.search = search

    def format_value(self, value):
        return (value or "").strip() if isinstance(value, str) else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        code = self.format_value(value)
        path = R.region_path(code)
        chosen = [r.code for r in path]
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        levels = []
        parents: list[str | None] = [None, chosen[0] if chosen else None, chosen[1] if len(chosen) > 1 else None]
        for i in range(3):
            parent = parents[i]
            selected = chosen[i] if len(chosen) > i else ""
            if i == 0 or (parent and R.region_get(parent) and R.region_get(parent).has_children):
                options, direct = _options(parent, selected)
            else:
                options, direct = [], []
            placeholder = str(LEVEL_PLACEHOLDERS[0]) if i == 0 else (
                _second_placeholder(parent) if i == 1 else str(LEVEL_PLACEHOLDERS[2]))
            levels.append({
                "index": i,
                "name": f"{name}_{i}",
                "id": base_id if i == 0 else f"{base_id}_{i}",
                "options": options,
                "direct": direct,
                "placeholder": placeholder,
                "hidden": i > 0 and not (options or direct),
            })
        context["widget"].update({
            "levels": levels,
            "code": code,
            "label": R.region_label(code),
            "unknown": bool(code) and not path,
            "compact": self.compact,
            "search": self.search,
            "url": reverse("web:region_children") + "?v=" + R.regions_version(),
            "base_id": base_id,
            "direct_label": _("Administered directly by the province"),
        })
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The same inputs always give the same HTML (the regions are a versioned data file), and
        # the customer list renders the picker on every request: keep what was rendered.
        attrs = self.build_attrs(self.attrs, attrs)
        key = (name, self.format_value(value), repr(sorted(attrs.items())), self.compact, self.search,
               translation.get_language(), get_script_prefix(), R.regions_version())
        html = _RENDERED.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            if len(_RENDERED) >= _RENDERED_MAX:
                _RENDERED.clear()
            _RENDERED[key] = html
        return html

    def id_for_label(self, id_):
        return id_

    def value_from_datadict(self, data, files, name):
        if name in data:
            return (data.get(name) or "").strip()
        value = ""
        for i in range(3):
            pick = (data.get(f"{name}_{i}") or "").strip()
            if not pick or (value and not (R.region_contains(value, pick) and pick != value)):
                break
            value = pick
        # a saved code that is not in the table (legacy data) is kept until the user chooses another
        return value or (data.get(f"{name}_current") or "").strip()

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}_{i}" in data for i in range(3))


class RegionField(forms.CharField):
    """A region code chosen with the cascading picker; "" when none.

    Checks that the code exists (an abolished code is accepted here: the services decide whether
    a record may keep or take it). The cleaned value is the 6-digit code."""

    widget = RegionWidget

    def __init__(self, *, compact: bool = False, search: bool = True, **kwargs):
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("widget", RegionWidget(compact=compact, search=search))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {}  # no maxlength on the selects

    def to_python(self, value):
        return super().to_python(value).strip()

    def validate(self, value):
        super().validate(value)
        if value:
            R.region_validate(value, allow_inactive=True)

    def run_validators(self, value):
        if value and R.region_get(value) is None:
            return  # validate() already said it; no second "at most 6 characters" message
        super().run_validators(value)


@require_GET
@login_required
def region_children_view(request):
    """``?parent=<code>``: the regions under it (provinces without parent); ``?q=西湖``: search.

    JSON ``{"items": [{"code", "name", "level", "leaf", "label", "path"}]}``; private and cacheable
    (the picker's URL carries the data version, ``?v=``)."""
    q = (request.GET.get("q") or "").strip()[:30]
    if q:
        items = R.region_search(q, limit=20)
    else:
        parent = (request.GET.get("parent") or "").strip() or None
        if parent is not None and R.region_get(parent) is None:
            return JsonResponse({"items": [], "error": _("Unknown region.")}, status=404)
        items = R.region_children(parent)
    body = {"items": [
        {"code": r.code, "name": r.name, "level": r.level, "leaf": not r.has_children,
         "label": R.region_label(r.code), "path": [p.code for p in R.region_path(r.code)]}
        for r in items
    ]}
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    patch_cache_control(response, private=True, max_age=300 if q else 86400)
    return response

