"""Forms of the contact pages. They parse and render; the rules live in contacts.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pharmcrm.contacts.models import BusinessRole, Gender
from pharmcrm.contacts.selectors import BIRTHDAYS, DEFAULT_SORT, SORTS, STATUSES
from pharmcrm.contacts.validation import parse_birthday
from pharmcrm.web.forms import PAGE_SIZES

BLANK = [("", "—")]
CARE_BLANK_ROWS = 2
MAX_CARE_ROWS = 20


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        else:
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def customer_select_attrs(*, writable: bool = True) -> dict:
    url = reverse("web:customer_lookup") + ("?writable=1" if writable else "")
    return {"data-remote-options": url, "data-remote-placeholder": str(_("Type a customer name to search…"))}


def customer_choices(customers) -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in customers]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ContactFilterForm(forms.Form):
    """The filter bar of the contact list; every value lives in the URL."""

    q = forms.CharField(required=False, max_length=100)
    customer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)
    birthday = forms.ChoiceField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])
    size = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                  choices=[(str(n), str(n)) for n in PAGE_SIZES])

    def __init__(self, data, *, customers):
        super().__init__(data)
        self.fields["customer"].choices = [("", _("All customers")), *customer_choices(customers)]
        self.fields["role"].choices = [("", _("All business roles")), *BusinessRole.choices]
        self.fields["status"].choices = [("", _("Current and former")), ("current", _("Current contacts")),
                                         ("former", _("Former contacts (left)"))]
        self.fields["birthday"].choices = [("", _("Any birthday")), ("week", _("Birthday in the next 7 days")),
                                           ("month", _("Birthday this month"))]
        assert {c for c, _l in self.fields["status"].choices if c} == set(STATUSES)
        assert {c for c, _l in self.fields["birthday"].choices if c} == set(BIRTHDAYS)

    def values(self) -> dict:
        """The valid values; anything malformed in the URL is ignored, never a 500."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "customer": data.get("customer"),
            "role": data.get("role") or "",
            "status": data.get("status") or "",
            "birthday": data.get("birthday") or "",
            "sort": data.get("sort") or DEFAULT_SORT,
            "size": data.get("size") or settings.PHARMCRM["LIST_PAGE_SIZE"],
        }


class EmploymentFields(forms.Form):
    """Title, business role and start of an employment (the first one, or a new one)."""

    title = forms.CharField(label=_("Job title"), max_length=100, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. 药剂科主任, 采购经理")}))
    role = forms.ChoiceField(label=_("Business role"), choices=BLANK + BusinessRole.choices)
    role_other = forms.CharField(label=_("Role details"), max_length=50, required=False,
                                 help_text=_("Required with “Other”, e.g. 医保办主任."))
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput(),
                                 help_text=_("Leave empty if you do not know."))
    is_primary = forms.BooleanField(label=_("Main contact of this customer"), required=False)

    EMPLOYMENT = ["title", "role", "role_other", "start_date", "is_primary"]

    def employment_data(self) -> dict:
        d = self.cleaned_data
        return {"title": d.get("title") or "", "role": d.get("role") or "", "role_other": d.get("role_other") or "",
                "start_date": d.get("start_date"), "is_primary": bool(d.get("is_primary"))}


class ContactForm(EmploymentFields):
    """Create (with the first employment, ``customers`` given) or edit a contact."""

    customer = forms.TypedChoiceField(label=_("Customer (works at)"), coerce=int, empty_value=None)
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=BLANK + Gender.choices, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=30, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    phone = forms.CharField(label=_("Office phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    wechat = forms.CharField(label=_("WeChat"), max_length=50, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}))
    birthday = forms.CharField(label=_("Birthday"), max_length=20, required=False,
                               widget=forms.TextInput(attrs={"placeholder": _("1975-03-08, or 03-08")}),
                               help_text=_("The year is optional."))
    care_notes = forms.CharField(label=_("Care notes"), max_length=2000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Hobbies, family, what they like — what helps you care for them."))
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    CONTACT = ["name", "gender", "mobile", "phone", "wechat", "email", "care_notes", "notes"]
    WIDE = {"care_notes", "notes"}

    def __init__(self, *args, customers=None, fixed_customer=None, care_dates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_customer = fixed_customer
        if customers is None:  # editing: the employments have their own screens
            for name in [*self.EMPLOYMENT, "customer"]:
                del self.fields[name]
        else:
            self.fields["customer"].choices = [("", _("Choose a customer")), *customer_choices(customers)]
            self.fields["customer"].widget.attrs.update(customer_select_attrs())
            if fixed_customer is not None:
                self.fields["customer"].widget = forms.HiddenInput()
        self.order_fields(["customer", "name", "gender", "title", "role", "role_other", "start_date", "is_primary",
                           "mobile", "phone", "wechat", "email", "birthday", "care_notes", "notes"])
        n = len(care_dates) + CARE_BLANK_ROWS
        if self.is_bound:
            posted = [k for k in self.data if k.startswith("care_") and k.endswith("_label")]
            n = max(n, min(MAX_CARE_ROWS, len(posted)))
        self.care_count = min(n, MAX_CARE_ROWS)
        for i in range(self.care_count):
            self.fields[f"care_{i}_label"] = forms.CharField(
                label=_("Occasion"), max_length=50, required=False,
                widget=forms.TextInput(attrs={"placeholder": _("e.g. 结婚纪念日")}))
            self.fields[f"care_{i}_date"] = forms.CharField(
                label=_("Date"), max_length=20, required=False,
                widget=forms.TextInput(attrs={"placeholder": _("05-20, or 2010-05-20")}))
            if i < len(care_dates) and not self.is_bound:
                d = care_dates[i]
                self.initial[f"care_{i}_label"] = d.label
                self.initial[f"care_{i}_date"] = d.text
        _style(self)

    @property
    def main_fields(self):
        care = {f"care_{i}_{part}" for i in range(self.care_count) for part in ("label", "date")}
        return [self[n] for n in self.fields if n not in care]

    @property
    def care_rows(self):
        return [(self[f"care_{i}_label"], self[f"care_{i}_date"]) for i in range(self.care_count)]

    def clean_birthday(self):
        try:
            return parse_birthday(self.cleaned_data.get("birthday") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        self.care_data = []
        for i in range(self.care_count):
            label = (data.get(f"care_{i}_label") or "").strip()
            text = (data.get(f"care_{i}_date") or "").strip()
            if not label and not text:
                continue
            try:
                year, month, day = parse_birthday(text)
            except ValueError:
                self.add_error(f"care_{i}_date", _("Enter the date as 05-20, or 2010-05-20 to count the years."))
                continue
            self.care_data.append({"label": label, "month": month, "day": day, "year": year, "_row": i})
        return data

    def contact_data(self) -> dict:
        d = self.cleaned_data
        out = {name: d.get(name) or "" for name in self.CONTACT}
        out["birth_year"], out["birth_month"], out["birth_day"] = d.get("birthday") or (None, None, None)
        return out

    def care_dates(self) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "_row"} for row in self.care_data]

    def error_map(self) -> dict[str, str]:
        """Service field names -> form field names."""
        m = {"birth_year": "birthday", "birth_month": "birthday", "birth_day": "birthday",
             "customer_id": "customer", "care_dates": None}
        for n, row in enumerate(self.care_data):
            i = row["_row"]
            m.update({f"care_dates.{n}": f"care_{i}_date", f"care_dates.{n}.label": f"care_{i}_label",
                      f"care_dates.{n}.day": f"care_{i}_date", f"care_dates.{n}.year": f"care_{i}_date"})
        return m


class EmploymentForm(EmploymentFields):
    """Add an employment at another customer (``customers`` = the chosen one, looked up remotely)."""

    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int, empty_value=None)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput(),
                               help_text=_("Only for a past employment; leave empty if they work there now."))

    def __init__(self, *args, customers=(), edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["customer"]
        else:
            self.fields["customer"].choices = [("", _("Choose a customer")), *customer_choices(customers)]
            self.fields["customer"].widget.attrs.update(customer_select_attrs())
        self.order_fields(["customer", "title", "role", "role_other", "start_date", "end_date", "is_primary"])
        _style(self)

    def employment_data(self) -> dict:
        out = super().employment_data()
        out["end_date"] = self.cleaned_data.get("end_date")
        return out


class MoveForm(forms.Form):
    """"Moves to another company": which employment ends, the new customer, the date, the new job."""

    from_employment = forms.TypedChoiceField(label=_("Leaves"), coerce=int, empty_value=None)
    to_customer = forms.TypedChoiceField(label=_("New company"), coerce=int, empty_value=None)
    date = forms.DateField(label=_("Date of the move"), required=False, widget=DateInput(),
                           help_text=_("The last day at the old company and the first at the new one; default today."))
    title = forms.CharField(label=_("New job title"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Business role"), choices=BusinessRole.choices)
    role_other = forms.CharField(label=_("Role details"), max_length=50, required=False)
    is_primary = forms.BooleanField(label=_("Main contact of the new customer"), required=False)

    def __init__(self, *args, employments=(), customers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_employment"].choices = [
            (str(e.pk), f"{e.customer.name}" + (f" · {e.title}" if e.title else "")) for e in employments
        ]
        if len(employments) == 1:
            self.fields["from_employment"].widget = forms.HiddenInput()
        self.fields["to_customer"].choices = [("", _("Choose the new company")), *customer_choices(customers)]
        self.fields["to_customer"].widget.attrs.update(customer_select_attrs())
        _style(self)

    def move_data(self) -> dict:
        d = self.cleaned_data
        return {"title": d.get("title") or "", "role": d.get("role"), "role_other": d.get("role_other") or "",
                "is_primary": bool(d.get("is_primary"))}


class EndForm(forms.Form):
    end_date = forms.DateField(label=_("Last day"), required=False, widget=DateInput(),
                               help_text=_("Default today."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
