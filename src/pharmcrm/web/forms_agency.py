"""Forms of the agency agreement pages. They parse and render; the rules live in agency.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.agency.models import AgreementStatus, DepositStatus
from pharmcrm.agency.selectors import SORTS
from pharmcrm.web.regions import RegionField

PAGE_SIZES = (20, 50, 100)
EXPIRING_CHOICES = [("", _("Any end date")), ("30", _("Ending within 30 days")),
                    ("60", _("Ending within 60 days")), ("90", _("Ending within 90 days"))]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select")
        elif not isinstance(w, forms.RadioSelect) and w.__class__.__name__ != "RegionWidget":
            w.attrs.setdefault("class", "form-control")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AgreementFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Keyword"))
    status = forms.ChoiceField(required=False, label=_("Status"))
    product = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Product"))
    region = RegionField(required=False, label=_("Region"), compact=True)
    exclusive = forms.ChoiceField(required=False, label=_("Exclusive"),
                                  choices=[("", _("Exclusive or not")), ("1", _("Exclusive")),
                                           ("0", _("Non-exclusive"))])
    expiring = forms.ChoiceField(required=False, choices=EXPIRING_CHOICES, label=pgettext_lazy("agreement", "End date"))
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])
    size = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                  choices=[(str(n), str(n)) for n in PAGE_SIZES])

    def __init__(self, data, *, products=()):
        super().__init__(data)
        self.fields["status"].choices = [("", _("All statuses")), *AgreementStatus.choices]
        self.fields["product"].choices = [("", _("All products"))] + [(str(p.pk), str(p)) for p in products]
        self.fields["product"].widget.attrs["data-remote-options"] = reverse("web:product_lookup") + "?all=1"

    def values(self) -> dict:
        """The valid values; anything malformed in the URL is ignored, never a 500."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "status": data.get("status") or "",
            "product": data.get("product"),
            "region": data.get("region") or "",
            "exclusive": data.get("exclusive") or "",
            "expiring": data.get("expiring") or "",
            "sort": data.get("sort") or "recent",
            "size": data.get("size") or settings.PHARMCRM["LIST_PAGE_SIZE"],
        }


class AgreementForm(forms.Form):
    """The header of an agreement. Fields an agreement in force may not change are disabled."""

    agent = forms.TypedChoiceField(label=_("Agent"), coerce=int, empty_value=None)
    number = forms.CharField(label=_("Agreement number"), max_length=40, required=False,
                             help_text=_("Leave blank to number it automatically (DL-year-0001)."))
    exclusive = forms.BooleanField(label=_("Exclusive agency"), required=False,
                                   help_text=_("Only one exclusive agreement in force per product and territory."))
    start_date = forms.DateField(label=pgettext_lazy("agreement", "Start date"), widget=DateInput)
    end_date = forms.DateField(label=pgettext_lazy("agreement", "End date"), widget=DateInput, help_text=_("The last day it is in force."))
    signed_date = forms.DateField(label=_("Signed on"), widget=DateInput, required=False)
    monthly_target = forms.DecimalField(label=_("Monthly target (¥)"), required=False, min_value=0,
                                        max_digits=14, decimal_places=2)
    yearly_target = forms.DecimalField(label=_("Yearly target (¥)"), required=False, min_value=0,
                                       max_digits=14, decimal_places=2)
    deposit_amount = forms.DecimalField(label=_("Deposit (¥)"), required=False, min_value=0,
                                        max_digits=14, decimal_places=2)
    rebate_terms = forms.CharField(label=_("Rebate terms"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = ["number", "exclusive", "start_date", "end_date", "signed_date", "monthly_target", "yearly_target",
              "deposit_amount", "rebate_terms", "notes"]
    WIDE = {"rebate_terms", "notes"}

    def __init__(self, *args, agents=None, locked=(), **kwargs):
        super().__init__(*args, **kwargs)
        if agents is None:
            del self.fields["agent"]
        else:
            self.fields["agent"].choices = [("", "—")] + [(str(a.pk), a.name) for a in agents]
            self.fields["agent"].widget.attrs["data-remote-options"] = reverse("web:agency_agent_lookup")
        for name in locked:
            if name in self.fields:
                self.fields[name].disabled = True
        _style(self)

    def service_data(self) -> dict:
        data = {}
        for name in self.FIELDS:
            if self.fields[name].disabled:
                continue
            value = self.cleaned_data.get(name)
            if name in ("number", "rebate_terms", "notes"):
                value = value or ""
            data[name] = value
        return data


class LineForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), coerce=int, empty_value=None)
    agency_price = forms.DecimalField(label=_("Agency price (¥)"), min_value=0, max_digits=14, decimal_places=4)
    supply_price = forms.DecimalField(label=_("Supply price (¥)"), required=False, min_value=0, max_digits=14,
                                      decimal_places=4)
    monthly_quantity = forms.IntegerField(label=_("Monthly target (units)"), required=False, min_value=0,
                                          max_value=2_000_000_000)
    yearly_quantity = forms.IntegerField(label=_("Yearly target (units)"), required=False, min_value=0,
                                         max_value=2_000_000_000)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=200)

    def __init__(self, *args, products=(), edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["product"]
        else:
            self.fields["product"].choices = [("", _("Search a product"))] + [(str(p.pk), str(p)) for p in products]
            self.fields["product"].widget.attrs["data-remote-options"] = reverse("web:product_lookup")
        _style(self)

    def service_data(self) -> dict:
        return {k: self.cleaned_data.get(k) if k != "notes" else self.cleaned_data.get(k) or ""
                for k in ("agency_price", "supply_price", "monthly_quantity", "yearly_quantity", "notes")}


class RegionAddForm(forms.Form):
    region_code = RegionField(label=_("Region"))


class HospitalAddForm(forms.Form):
    hospital = forms.TypedChoiceField(label=_("Hospital"), coerce=int, empty_value=None)

    def __init__(self, *args, hospitals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = [("", _("Search a hospital"))] + [(str(h.pk), h.name) for h in hospitals]
        self.fields["hospital"].widget.attrs["data-remote-options"] = reverse("web:agency_hospital_lookup")
        _style(self)


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    terminated_on = forms.DateField(label=_("Terminated on"), required=False, widget=DateInput,
                                    help_text=_("Default: today."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class DepositForm(forms.Form):
    status = forms.ChoiceField(label=_("Deposit status"))
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput, help_text=_("Default: today."))
    refunded_amount = forms.DecimalField(label=_("Refunded so far (¥)"), required=False, min_value=0,
                                         max_digits=14, decimal_places=2,
                                         help_text=_("Only for a partial refund: the total refunded so far."))

    def __init__(self, *args, next_states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, DepositStatus(s).label) for s in next_states]
        _style(self)
