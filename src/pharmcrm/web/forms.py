"""Forms of the web UI. They parse and render; the business rules live in the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from pharmcrm.customers.models import (
    CustomerGrade,
    CustomerShare,
    CustomerSource,
    CustomerStatus,
    CustomerType,
)
from pharmcrm.customers.profile_choices import HOSPITAL_TYPES, HospitalGrade, HospitalOwnership
from pharmcrm.customers.selectors import SORTS
from pharmcrm.web.regions import RegionField

BLANK = [("", "—")]
PAGE_SIZES = (20, 50, 100)


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password. Please check and try again (passwords are case-sensitive)."),
        "inactive": _("This account has been deactivated. Please contact your administrator."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update({"autofocus": True, "class": "form-control"})
        self.fields["password"].widget.attrs.update({"class": "form-control"})

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            # Django's backend refuses inactive users without saying why; say it, but only
            # to someone who knows the password.
            username = self.cleaned_data.get("username")
            password = self.cleaned_data.get("password")
            user = get_user_model()._default_manager.filter(username=username).first() if username else None
            if user is not None and not user.is_active and password and user.check_password(password):
                raise forms.ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise


class _Normalised(BaseChoiceIterator):
    """Choices already in normal form (``(value, label)`` pairs): Django keeps an iterator of
    choices as it is, where it normalises a list item by item, for the field and again for the
    widget (~2 ms a request for the CEO's 341 departments)."""

    def __init__(self, items: list):
        self.items = items

    def __iter__(self):
        return iter(self.items)


class CustomerFilterForm(forms.Form):
    """The filter bar of the customer list; every value lives in the URL."""

    q = forms.CharField(required=False, max_length=100, label=_("Keyword"))
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Owner"))
    department = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Department"))
    status = forms.ChoiceField(required=False, choices=BLANK + CustomerStatus.choices, label=_("Status"))
    type = forms.ChoiceField(required=False, choices=BLANK + CustomerType.choices, label=_("Type"))
    grade = forms.ChoiceField(required=False, choices=BLANK + CustomerGrade.choices, label=_("Grade"))
    region = RegionField(required=False, compact=True, label=_("Location"))  # containment: 浙江省 = all of it
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])
    size = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                  choices=[(str(n), str(n)) for n in PAGE_SIZES])

    def __init__(self, data, *, owners, departments):
        super().__init__(data)
        self.fields["owner"].choices = [("", _("All owners"))] + [
            (str(u.pk), u.full_name + ("" if u.is_active else " " + str(_("(deactivated)")))) for u in owners
        ]
        self.fields["department"].choices = _Normalised([("", _("All departments"))] + [
            (str(n.id), "\u3000" * n.depth + n.name) for n in departments
        ])
        self.fields["status"].choices = [("", _("All statuses")), *CustomerStatus.choices]
        self.fields["type"].choices = [("", _("All types")), *CustomerType.choices]
        self.fields["grade"].choices = [("", _("All grades")), *CustomerGrade.choices]

    def values(self) -> dict:
        """The valid values; anything malformed in the URL is ignored, never a 500."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "owner": data.get("owner"),
            "department": data.get("department"),
            "status": data.get("status") or "",
            "type": data.get("type") or "",
            "grade": data.get("grade") or "",
            "region": data.get("region") or "",
            "sort": data.get("sort") or "recent",
            "size": data.get("size") or settings.PHARMCRM["LIST_PAGE_SIZE"],
        }


class CustomerForm(forms.Form):
    """Create/edit a customer. No business validation here: ``customer_create``/``_update`` do it."""

    name = forms.CharField(label=_("Customer name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=50, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=BLANK + CustomerType.choices)
    status = forms.ChoiceField(label=_("Status"), choices=CustomerStatus.choices, initial=CustomerStatus.PROSPECT)
    grade = forms.ChoiceField(label=_("Grade"), choices=BLANK + CustomerGrade.choices, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=BLANK + CustomerSource.choices, required=False)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=40, required=False,
        help_text=_("18 characters, printed on the business licence."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    region_code = RegionField(label=_("Location"), required=False)  # 省 → 市 → 区县, any level
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    # 360° profile: hospitals and clinics only (hidden by CSS for other types, ignored by service_data)
    hospital_grade = forms.ChoiceField(label=_("Hospital grade"), choices=BLANK + HospitalGrade.choices, required=False)
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=100_000, required=False)
    ownership = forms.ChoiceField(label=_("Ownership"), choices=BLANK + HospitalOwnership.choices, required=False)

    field_order = ["name", "short_name", "type", "hospital_grade", "beds", "ownership", "status", "grade", "source",
                   "owner", "credit_code", "phone", "region_code", "address", "notes"]
    FIELDS = ["type", "name", "short_name", "credit_code", "region_code", "address", "phone",
              "status", "grade", "source", "notes", "hospital_grade", "beds", "ownership"]
    HOSPITAL_FIELDS = ("hospital_grade", "beds", "ownership")

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is None:
            del self.fields["owner"]
        else:
            self.fields["owner"].choices = [
                (str(u.pk), f"{u.full_name} · {u.department.name if u.department else ''}".rstrip(" ·"))
                for u in owners
            ]
            self.fields["owner"].widget.attrs["data-remote-options"] = reverse("web:user_lookup") + "?active=1"
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            if name == "credit_code":
                field.widget.attrs.update({"autocomplete": "off", "spellcheck": "false",
                                           "style": "text-transform:uppercase"})

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) or "" for name in self.FIELDS}
        if data["type"] not in HOSPITAL_TYPES:  # hidden for other types: ignored (the service clears them)
            for name in self.HOSPITAL_FIELDS:
                data.pop(name)
        return data


class ShareForm(forms.Form):
    target = forms.ChoiceField(label=_("Share with"))
    access = forms.ChoiceField(label=_("Access"), choices=CustomerShare.Access.choices,
                               initial=CustomerShare.Access.READ, widget=forms.RadioSelect)

    def __init__(self, *args, users, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_options = [
            (f"u:{u.pk}", f"{u.full_name} · {u.department.name if u.department else ''}".rstrip(" ·")) for u in users
        ]
        self.group_options = [(f"g:{g.pk}", g.name) for g in groups]
        self.fields["target"].choices = [
            ("", _("Choose a user or a share group")),
            (_("Users"), self.user_options),
            (_("Share groups"), self.group_options),
        ]
        self.fields["target"].widget.attrs.update({"class": "form-select", "data-search": "1"})

    def target_ids(self) -> tuple[int | None, int | None]:
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        return (int(pk), None) if kind == "u" else (None, int(pk))


class TransferOptionsForm(forms.Form):
    keep_shares = forms.BooleanField(label=_("Keep the shares the old owner made"), required=False, initial=True)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             widget=forms.TextInput(attrs={"class": "form-control",
                                                           "placeholder": _("e.g. 张伟 left the company")}))
