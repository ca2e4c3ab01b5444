"""Forms of the stock pages (库存/批号). Values are checked again by inventory.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pharmcrm.inventory.models import AdjustmentReason, BatchStatus

SORT_CHOICES = [("expiry", _("Nearest expiry first")), ("-expiry", _("Latest expiry first")),
                ("product", _("Product")), ("-on_hand", _("Largest quantity first"))]


class StockFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, widget=forms.TextInput(attrs={
        "placeholder": _("Product, pinyin, approval no. or batch no."), "class": "form-control form-control-sm",
        "type": "search"}))
    warehouse = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                       widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    status = forms.ChoiceField(required=False, choices=[("", _("All statuses")), *BatchStatus.choices],
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    expiring = forms.IntegerField(required=False, min_value=0, max_value=3650, widget=forms.NumberInput(attrs={
        "class": "form-control form-control-sm", "placeholder": _("Expiring within N days"), "inputmode": "numeric"}))
    expired = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    empty = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, warehouses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [("", _("All warehouses")), *[(w.pk, w.name) for w in warehouses]]

    def values(self) -> dict:
        if self.is_valid():
            return self.cleaned_data
        return {name: (self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None)
                for name in self.fields}


class AdjustmentForm(forms.Form):
    delta = forms.CharField(label=_("Change (+ add, − remove)"), max_length=30, widget=forms.TextInput(attrs={
        "class": "form-control", "inputmode": "decimal", "placeholder": "-2"}),
        help_text=_("A negative number removes stock, a positive one adds; at most 3 decimals."))
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *AdjustmentReason.choices],
                               widget=forms.Select(attrs={"class": "form-select"}))
    reason_text = forms.CharField(label=_("Explanation"), required=False, max_length=300,
                                  widget=forms.TextInput(attrs={"class": "form-control"}),
                                  help_text=_("Required for “Other”."))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=BatchStatus.choices,
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300,
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))


class WarehouseForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, widget=forms.TextInput(attrs={"class": "form-control"}))
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    address = forms.CharField(label=_("Address"), required=False, max_length=300,
                              widget=forms.TextInput(attrs={"class": "form-control"}))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True,
                                   widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}))


class ReceiptForm(forms.Form):
    warehouse = forms.TypedChoiceField(label=_("Warehouse"), coerce=int,
                                       widget=forms.Select(attrs={"class": "form-select"}))
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={
        "class": "form-control", "type": "date"}))
    supplier = forms.CharField(label=_("Supplier"), required=False, max_length=200,
                               widget=forms.TextInput(attrs={"class": "form-control"}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000,
                            widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, warehouses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [(w.pk, f"{w.code} {w.name}") for w in warehouses]
