"""Forms of the catalog pages. They parse and render; the rules live in ``catalog.services``."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pharmcrm.catalog.models import (
    DosageForm,
    InsuranceClass,
    PackingUnit,
    PriceKind,
    ProductStatus,
    RxClass,
    StorageCondition,
    TherapeuticArea,
)
from pharmcrm.catalog.selectors import SORTS
from pharmcrm.web.regions import RegionField

BLANK = [("", "—")]
PAGE_SIZES = (20, 50, 100)
FILTERS = ("dosage_form", "therapeutic_area", "rx_class", "insurance_class", "status")


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput | forms.RadioSelect):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class ProductFilterForm(forms.Form):
    """The filter bar of the product list; every value lives in the URL."""

    q = forms.CharField(required=False, max_length=100)
    dosage_form = forms.ChoiceField(required=False, choices=[("", _("All dosage forms")), *DosageForm.choices])
    therapeutic_area = forms.ChoiceField(required=False,
                                         choices=[("", _("All therapeutic areas")), *TherapeuticArea.choices])
    rx_class = forms.ChoiceField(required=False, choices=[("", _("Rx and OTC")), *RxClass.choices])
    insurance_class = forms.ChoiceField(required=False,
                                        choices=[("", _("Any insurance class")), *InsuranceClass.choices])
    status = forms.ChoiceField(required=False, choices=[("", _("All statuses")), *ProductStatus.choices])
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])
    size = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                  choices=[(str(n), str(n)) for n in PAGE_SIZES])

    def values(self) -> dict:
        """The valid values; anything malformed in the URL is ignored, never a 500."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        out = {"q": (data.get("q") or "").strip()}
        out.update({name: data.get(name) or "" for name in FILTERS})
        out["sort"] = data.get("sort") or "name"
        out["size"] = data.get("size") or settings.PHARMCRM["LIST_PAGE_SIZE"]
        return out


class ProductForm(forms.Form):
    """Create/edit a product."""

    generic_name = forms.CharField(label=_("Generic name"), max_length=100,
                                   help_text=_("The approved generic name, e.g. 阿莫西林胶囊."))
    trade_name = forms.CharField(label=_("Trade name"), max_length=100, required=False)
    dosage_form = forms.ChoiceField(label=_("Dosage form"), choices=BLANK + DosageForm.choices)
    spec = forms.CharField(label=_("Specification"), max_length=100,
                           help_text=_("Strength × pack, e.g. 0.25g×24粒 or 10ml×6支."))
    packing_unit = forms.ChoiceField(label=_("Packing unit"), choices=PackingUnit.choices, initial=PackingUnit.BOX)
    case_quantity = forms.IntegerField(label=_("Units per case"), min_value=1, max_value=100_000, initial=1,
                                       help_text=_("How many packing units one shipping case holds."))
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200)
    mah = forms.CharField(label=_("Marketing authorisation holder"), max_length=200, required=False,
                          help_text=_("Leave empty when it is the manufacturer."))
    approval_number = forms.CharField(label=_("Approval number"), max_length=40,
                                      help_text=_("国药准字 + H/Z/S/J + 8 digits, e.g. 国药准字H20103026."))
    insurance_class = forms.ChoiceField(label=_("Medical insurance"), choices=InsuranceClass.choices,
                                        initial=InsuranceClass.NONE)
    rx_class = forms.ChoiceField(label=_("Rx / OTC"), choices=RxClass.choices, initial=RxClass.RX)
    storage = forms.ChoiceField(label=_("Storage"), choices=StorageCondition.choices,
                                initial=StorageCondition.NORMAL)
    tax_rate = forms.DecimalField(label=_("Tax rate (%)"), min_value=0, max_value=100, decimal_places=2,
                                  max_digits=5, initial="13")
    therapeutic_area = forms.ChoiceField(label=_("Therapeutic area"), choices=BLANK + TherapeuticArea.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ProductStatus.choices, initial=ProductStatus.ACTIVE)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = ["generic_name", "trade_name", "dosage_form", "spec", "packing_unit", "case_quantity", "manufacturer",
              "mah", "approval_number", "insurance_class", "rx_class", "storage", "tax_rate", "therapeutic_area",
              "status", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["approval_number"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "placeholder": "国药准字H20103026"})
        self.fields["spec"].widget.attrs["placeholder"] = "0.25g×24粒"
        self.fields["tax_rate"].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        for name in self.FIELDS:
            if data[name] is None and name not in ("case_quantity", "tax_rate"):
                data[name] = ""
        return data


class PriceForm(forms.Form):
    """Add a price: type, amount, scope (national / region / customer), period."""

    SCOPES = [("national", _("National")), ("region", _("A region")), ("customer", _("One customer"))]

    kind = forms.ChoiceField(label=_("Price type"), choices=PriceKind.choices)
    price = forms.DecimalField(label=_("Price (¥)"), min_value=0, max_digits=14, decimal_places=4)
    scope = forms.ChoiceField(label=_("Applies to"), choices=SCOPES, initial="national", widget=forms.RadioSelect)
    region_code = RegionField(label=_("Region"), required=False,
                              help_text=_("A province, a city or a county: the price applies everywhere inside it."))
    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=False, empty_value=None)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text=_("Last day it applies; leave empty for open-ended."))
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)
    replace_current = forms.BooleanField(
        label=_("End the current price of this scope the day before"), required=False,
        help_text=_("For a price change: the price now in force ends the day before the new one starts."))

    def __init__(self, *args, kinds, customers=(), customer_lookup_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in PriceKind.choices if k in kinds]
        self.fields["customer"].choices = [("", _("Search a customer"))] + [(str(c.pk), c.name) for c in customers]
        if customer_lookup_url:
            self.fields["customer"].widget.attrs["data-remote-options"] = customer_lookup_url
        _style(self)
        self.fields["price"].widget.attrs.update({"inputmode": "decimal", "step": "0.0001"})

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        scope = d.get("scope")
        return {
            "kind": d["kind"], "price": d["price"], "valid_from": d["valid_from"], "valid_to": d.get("valid_to"),
            "region_code": (d.get("region_code") or "").strip() if scope == "region" else "",
            "customer_id": d.get("customer") if scope == "customer" else None,
            "notes": d.get("notes") or "", "replace_current": bool(d.get("replace_current")),
        }

    def clean(self):
        data = super().clean()
        if data.get("scope") == "region" and not (data.get("region_code") or "").strip():
            self.add_error("region_code", _("Enter the region the price applies to."))
        if data.get("scope") == "customer" and not data.get("customer"):
            self.add_error("customer", _("Choose the customer the price applies to."))
        return data


class PriceEndForm(forms.Form):
    valid_to = forms.DateField(label=_("Last day valid"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class PriceVoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             help_text=_("e.g. entered the case price instead of the box price."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
