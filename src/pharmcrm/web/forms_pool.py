"""Forms of the public pool's screens. They parse and render; the rules live in customers.pool_services."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pharmcrm.customers.models import CustomerType, PoolPolicy
from pharmcrm.customers.pool_selectors import SORTS
from pharmcrm.web.regions import RegionField


class PoolFilterForm(forms.Form):
    """The filter bar of the pool page; every value lives in the URL."""

    q = forms.CharField(required=False, max_length=100, label=_("Keyword"))
    type = forms.ChoiceField(required=False, label=_("Type"))
    region = RegionField(required=False, compact=True, label=_("Location"))
    since = forms.DateField(required=False, label=_("Released since"))
    pool = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Pool"))
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])

    def __init__(self, data, *, departments):
        super().__init__(data)
        self.fields["type"].choices = [("", _("All types")), *CustomerType.choices]
        self.fields["pool"].choices = [("", _("All pools"))] + [(str(d.pk), d.name) for d in departments]
        self.fields["since"].widget = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})

    def values(self) -> dict:
        """The valid values; anything malformed in the URL is ignored, never a 500."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "type": data.get("type") or "",
            "region": data.get("region") or "",
            "since": data.get("since"),
            "pool": data.get("pool"),
            "sort": data.get("sort") or "released",
        }


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the customer go back to the pool?"), max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "maxlength": 300}),
        help_text=_("Colleagues who see the pool read this, e.g. “no demand for our products this year”."),
        error_messages={"required": _("Say why the customer goes back to the pool.")},
    )


class AssignForm(forms.Form):
    user = forms.TypedChoiceField(label=_("New owner"), coerce=int, empty_value=None)
    reason = forms.CharField(label=_("Note"), max_length=300, required=False,
                             widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 300}))

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("Choose a colleague"))] + [
            (str(u.pk), f"{u.full_name} · {u.department.name}" if u.department_id else u.full_name) for u in users
        ]
        self.fields["user"].widget.attrs.update({
            "class": "form-select", "data-remote-options": reverse("web:user_lookup") + "?active=1"})


class PoolPolicyForm(forms.ModelForm):
    class Meta:
        model = PoolPolicy
        fields = ["auto_recycle", "followup_days", "deal_days", "warning_days", "claims_per_day", "max_owned",
                  "reclaim_days", "pool_level"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-check-input" if name == "auto_recycle" else "form-control"
            field.widget.attrs["class"] = css
            if name != "auto_recycle":
                field.widget.attrs.setdefault("min", 0)
                field.widget.attrs["inputmode"] = "numeric"
