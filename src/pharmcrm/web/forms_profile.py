"""Forms of the customer's 360° profile (web/views/customer_profile.py).

They parse and render; the rules (taxpayer ID, phone, region, visibility of linked customers,
one default address) live in ``customers.profile_services``, whose field errors are put back
on these forms by ``apply_errors`` (service field -> form field: ``ERROR_MAP``).
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pharmcrm.catalog.models import TherapeuticArea
from pharmcrm.customers.models import CustomerKeyAccount, InvoiceType

BLANK = [("", "—")]


def region_field(**kwargs) -> forms.Field:
    """The cascading region picker once ``pharmcrm.web.regions`` exists (the regions engineer's);
    until then a 6-digit code box. REGIONS SWITCH: nothing else changes when it lands."""
    try:
        from pharmcrm.web.regions import RegionField
    except ImportError:
        return forms.CharField(
            max_length=12, help_text=_("Administrative division code, e.g. 310115."),
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}), **kwargs,
        )
    return RegionField(**kwargs)


class ProfileForm(forms.Form):
    """Bootstrap classes on every widget; ``service_data()`` is what the service receives."""

    ERROR_MAP: dict[str, str] = {}
    wide: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not widget.attrs.get("class"):
                widget.attrs["class"] = "form-control"
            if name in self.errors:
                widget.attrs["aria-invalid"] = "true"

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class InvoiceForm(ProfileForm):
    title = forms.CharField(label=_("Invoice title"), max_length=200,
                            help_text=_("The customer's full registered name, as on the business licence."))
    taxpayer_id = forms.CharField(
        label=_("Taxpayer ID"), max_length=40,
        help_text=_("15, 17, 18 or 20 characters; usually the unified social credit code."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "style": "text-transform:uppercase"}),
    )
    address = forms.CharField(label=_("Registered address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Registered phone"), max_length=30, required=False)
    bank = forms.CharField(label=_("Bank"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. 招商银行上海张江支行")}))
    account = forms.CharField(label=_("Bank account"), max_length=60, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    invoice_type = forms.ChoiceField(label=_("Preferred invoice type"), choices=BLANK + InvoiceType.choices,
                                     required=False)
    wide = ("address",)

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class AddressForm(ProfileForm):
    receiver = forms.CharField(label=_("Receiver"), max_length=50)
    phone = forms.CharField(label=_("Receiver's phone"), max_length=30,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    region_code = region_field(label=_("Region"))
    address = forms.CharField(label=_("Address"), max_length=300,
                              help_text=_("Street, building, room; the warehouse gate if it matters."))
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. receiving hours 9:00–16:00")}))
    is_default = forms.BooleanField(label=_("Default shipping address"), required=False)
    wide = ("address", "notes")

    def __init__(self, *args, is_default_now: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if is_default_now:  # the default stays the default until another one is chosen
            del self.fields["is_default"]

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) or "" for name in self.fields if name != "is_default"}
        if self.cleaned_data.get("is_default"):
            data["is_default"] = True
        return data


class WantedRegionForm(ProfileForm):
    region_code = region_field(label=_("Region"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. county-level hospitals only")}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the region itself is not edited: remove it and add another
            del self.fields["region_code"]

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class _RemoteChoice(forms.IntegerField):
    """An id chosen in a ``<select data-remote-options>``: the select holds only the chosen option."""

    widget = forms.Select

    def __init__(self, *, lookup: str, **kwargs):
        super().__init__(min_value=1, **kwargs)
        self.lookup = lookup

    def set_option(self, value: int | None, label: str) -> None:
        self.widget.choices = [("", _("Type to search…"))] + ([(str(value), label)] if value else [])


class ProductInterestForm(ProfileForm):
    product = _RemoteChoice(label=_("Product"), lookup="web:profile_product_lookup")
    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. wants samples; asks for the agency price")}))
    ERROR_MAP = {"product_id": "product"}

    def __init__(self, *args, editing: bool = False, product_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["product"]
        else:
            _remote(self.fields["product"], self.data.get("product"), product_label)

    def service_data(self) -> dict:
        data = {"note": self.cleaned_data.get("note") or ""}
        if "product" in self.fields:
            data["product_id"] = self.cleaned_data["product"]
        return data


class ProductFieldForm(ProfileForm):
    area = forms.ChoiceField(label=_("Therapeutic area"), choices=BLANK + TherapeuticArea.choices)
    annual_volume = forms.CharField(
        label=_("Annual volume estimate (yuan)"), max_length=20, required=False,
        help_text=_("Optional; what the customer sells in this field per year."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": _("e.g. 1200000")}),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["area"]

    def service_data(self) -> dict:
        data = {"annual_volume": (self.cleaned_data.get("annual_volume") or "").strip() or None}
        if "area" in self.fields:
            data["area"] = self.cleaned_data["area"]
        return data


class KeyAccountForm(ProfileForm):
    hospital = _RemoteChoice(label=_("Hospital or clinic"), lookup="web:profile_customer_lookup")
    strength = forms.TypedChoiceField(label=_("Relationship strength"), coerce=int,
                                      choices=CustomerKeyAccount.Strength.choices,
                                      initial=CustomerKeyAccount.Strength.GOOD)
    note = forms.CharField(label=_("Relationship"), max_length=300, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. knows the head of pharmacy well")}))
    ERROR_MAP = {"hospital_id": "hospital"}

    def __init__(self, *args, editing: bool = False, customer_id: int | None = None, hospital_label: str = "",
                 **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["hospital"]
        else:
            _remote(self.fields["hospital"], self.data.get("hospital"), hospital_label,
                    query=f"?type=hospital&type=clinic&exclude={customer_id or ''}")

    def service_data(self) -> dict:
        data = {"note": self.cleaned_data.get("note") or "", "strength": self.cleaned_data["strength"]}
        if "hospital" in self.fields:
            data["hospital_id"] = self.cleaned_data["hospital"]
        return data


class CompetitorForm(ProfileForm):
    name = forms.CharField(label=_("Competitor"), max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": _("Company or agent")}))
    products = forms.CharField(label=_("Products they push"), max_length=1000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Prices, rebates, strengths")}))
    wide = ("products", "notes")

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class HeadOfficeForm(ProfileForm):
    chain = _RemoteChoice(label=_("Head office (pharmacy chain)"), lookup="web:profile_customer_lookup", required=False,
                          help_text=_("Leave empty if this pharmacy belongs to no chain."))
    ERROR_MAP = {"chain_id": "chain"}

    def __init__(self, *args, customer_id: int | None = None, chain_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        _remote(self.fields["chain"], self.data.get("chain") if self.is_bound else self.initial.get("chain"),
                chain_label, query=f"?type=chain&exclude={customer_id or ''}")

    def service_data(self) -> dict:
        return {"chain_id": self.cleaned_data.get("chain")}


def _remote(field: _RemoteChoice, value, label: str, query: str = "") -> None:
    try:
        chosen = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        chosen = None
    field.set_option(chosen, label or (f"#{chosen}" if chosen else ""))
    field.widget.attrs["data-remote-options"] = reverse(field.lookup) + query
