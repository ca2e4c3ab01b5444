"""Forms of the tender and platform-listing pages (招投标 / 挂网). They parse and render; the
rules live in tenders.services and tenders.listing_services."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.core.regions import region_children
from pharmcrm.tenders.models import ListingStatus, TenderStatus, TenderType
from pharmcrm.tenders.selectors import LISTING_SORTS, SORTS

# service field -> form field
FIELD_MAP = {"customer_id": "customer", "owner_id": "owner", "product_id": "product"}


def province_choices(blank=None):
    return [("", blank or _("All provinces")), *[(r.code, r.name) for r in region_children(None)]]


def _style(form: forms.Form, small: bool = False) -> None:
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select" + (" form-select-sm" if small else ""))
        else:
            w.attrs.setdefault("class", "form-control" + (" form-control-sm" if small else ""))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kw):
        super().__init__(format="%Y-%m-%d", **kw)


class MomentInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kw):
        super().__init__(format="%Y-%m-%dT%H:%M", **kw)


class TenderForm(forms.Form):
    """Every field is passed to the service as text; it checks and converts (one place)."""

    name = forms.CharField(label=_("Project name"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=TenderType.choices)
    province = forms.ChoiceField(label=_("Province"), required=False)
    purchasing_body = forms.CharField(label=_("Purchasing body"), max_length=200, required=False)
    customer = forms.IntegerField(label=_("Customer"), required=False, widget=forms.Select)
    owner = forms.IntegerField(label=_("Owner"), required=False, widget=forms.Select)
    announced_on = forms.CharField(label=_("Announcement date"), required=False, widget=DateInput())
    registration_deadline = forms.CharField(label=_("Registration deadline"), required=False, widget=MomentInput())
    document_deadline = forms.CharField(label=_("Document deadline"), required=False, widget=MomentInput())
    bid_opening_at = forms.CharField(label=_("Bid opening"), required=False, widget=MomentInput())
    result_on = forms.CharField(label=_("Result date"), required=False, widget=DateInput())
    bond_amount = forms.CharField(label=_("Bid bond (¥)"), required=False)
    bond_paid_on = forms.CharField(label=_("Bond paid on"), required=False, widget=DateInput())
    bond_refunded_on = forms.CharField(label=_("Bond refunded on"), required=False, widget=DateInput())
    documents_sent_on = forms.CharField(label=_("Documents sent on"), required=False, widget=DateInput())
    courier = forms.CharField(label=_("Courier"), max_length=50, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=50, required=False)
    next_follow_up_on = forms.CharField(label=_("Next follow-up"), required=False, widget=DateInput())
    won_amount = forms.CharField(label=_("Won amount (¥)"), required=False,
                                 help_text=_("Only needed when the lines have no quantities."))
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    GROUPS = (
        (_("Project"), ("name", "type", "province", "purchasing_body", "customer", "owner")),
        (_("Dates"), ("announced_on", "registration_deadline", "document_deadline", "bid_opening_at", "result_on",
                      "next_follow_up_on")),
        (_("Bid bond and documents"), ("bond_amount", "bond_paid_on", "bond_refunded_on", "documents_sent_on",
                                       "courier", "tracking_number", "won_amount")),
        (_("Notes"), ("notes",)),
    )

    def __init__(self, *args, customer_choice=None, owner_choice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = province_choices(_("Choose…"))
        self.fields["customer"].widget.choices = [("", _("None (e.g. a provincial procurement)")),
                                                  *([customer_choice] if customer_choice else [])]
        self.fields["owner"].widget.choices = [owner_choice] if owner_choice else []
        _style(self)
        self.fields["customer"].widget.attrs.update({"data-remote-options": reverse("web:customer_lookup"),
                                                     "data-remote-lazy": ""})
        self.fields["owner"].widget.attrs.update({"data-remote-options": reverse("web:user_lookup"),
                                                  "data-remote-lazy": ""})

    def groups(self):
        return [(label, [self[name] for name in names]) for label, names in self.GROUPS]

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {k: (d.get(k) or "") for k in self.fields if k not in ("customer", "owner")}
        data["customer_id"] = d.get("customer")
        if d.get("owner"):
            data["owner_id"] = d["owner"]
        return data


class TenderFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Number, project or purchasing body")}))
    status = forms.ChoiceField(required=False, choices=[("", _("All states")), ("open", _("Open (not decided)")),
                                                        *TenderStatus.choices])
    type = forms.ChoiceField(required=False, choices=[("", _("All types")), *TenderType.choices])
    province = forms.ChoiceField(required=False)
    who = forms.ChoiceField(required=False, choices=[("", _("Everyone I see")), ("me", _("Mine"))])
    owner = forms.IntegerField(required=False, min_value=1, widget=forms.Select)
    deadline = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                      choices=[("", _("Any deadline")), (3, _("Deadline within 3 days")),
                                               (7, _("Deadline within 7 days")), (30, _("Deadline within 30 days"))])
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = province_choices()
        _style(self, small=True)
        owner = self.data.get("owner")
        from pharmcrm.org.models import User

        chosen = User.objects.filter(pk=owner).first() if str(owner or "").isdigit() and int(owner) < 2**63 else None
        self.fields["owner"].widget.choices = [("", _("Any owner")), *([(chosen.pk, str(chosen))] if chosen else [])]
        self.fields["owner"].widget.attrs.update({"data-remote-options": reverse("web:user_lookup"),
                                                  "data-remote-lazy": "", "aria-label": _("Owner")})

    def values(self) -> dict:
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        return {name: d.get(name) if name == "deadline" else (d.get(name) or "") for name in self.fields}


class LineForm(forms.Form):
    product = forms.IntegerField(label=_("Product"), required=False, widget=forms.Select)
    quantity = forms.CharField(label=_("Quantity"), required=False)
    ceiling_price = forms.CharField(label=_("Ceiling price"), required=False)
    bid_price = forms.CharField(label=_("Our bid price"), required=False)
    winning_price = forms.CharField(label=_("Winning price"), required=False)
    won = forms.NullBooleanField(label=pgettext_lazy("tender result", "Won"), required=False,
                                 widget=forms.Select(choices=[("unknown", "—"),
                                                              ("true", pgettext_lazy("tender result", "Won")),
                                                              ("false", pgettext_lazy("tender result", "Lost"))]))

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget.choices = [("", _("Choose…")), *[(p.pk, str(p)) for p in products]]
        _style(self, small=True)
        self.fields["product"].widget.attrs.update({"data-remote-options": reverse("web:product_lookup"),
                                                    "data-remote-lazy": ""})


class ListingForm(forms.Form):
    product = forms.IntegerField(label=_("Product"), required=False, widget=forms.Select)
    province = forms.ChoiceField(label=_("Province"), required=False)
    platform_code = forms.CharField(label=_("Platform product code"), max_length=50, required=False)
    listing_price = forms.CharField(label=_("Listing price"), required=False)
    applied_on = forms.CharField(label=_("Applied on"), required=False, widget=DateInput())
    listed_on = forms.CharField(label=_("Listed on"), required=False, widget=DateInput())
    delisted_on = forms.CharField(label=_("Delisted on"), required=False, widget=DateInput())
    distributors = forms.CharField(label=_("Distributors"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("The distribution companies named on the platform, one a line."))
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget.choices = [("", _("Choose…")), *[(p.pk, str(p)) for p in products]]
        self.fields["province"].choices = province_choices(_("Choose…"))
        _style(self)
        self.fields["product"].widget.attrs.update({"data-remote-options": reverse("web:product_lookup"),
                                                    "data-remote-lazy": ""})

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {k: (d.get(k) or "") for k in self.fields if k != "product"}
        data["product_id"] = d.get("product")
        return data


class ListingFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Product, code or distributor")}))
    product = forms.IntegerField(required=False, widget=forms.HiddenInput)
    province = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", _("All states")), *ListingStatus.choices])
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in LISTING_SORTS], widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = province_choices()
        _style(self, small=True)
