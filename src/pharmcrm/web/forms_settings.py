"""Forms of the administrators' settings area (departments, users, share groups, API tokens).

Forms only parse and check the shape of the input; the rules live in ``org.services``.
``web.views.common.apply_errors`` maps an ``ApplicationError`` raised by a service onto
the form's fields (``ERROR_MAP``: service field -> form field).
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.org.models import Role, User
from pharmcrm.org.selectors import DeptNode

INDENT = "\u3000"  # an ideographic space: indents nicely in Chinese fonts inside <option>


def department_choices(nodes: Iterable[DeptNode], *, empty_label: str | None = None) -> list[tuple[str, str]]:
    """(id, indented name) for a select, depth-first, from ``org.selectors.department_flat()``."""
    choices: list[tuple[str, str]] = []
    if empty_label is not None:
        choices.append(("", empty_label))
    for node in nodes:
        prefix = INDENT * node.depth + ("└ " if node.depth else "")
        choices.append((str(node.department.pk), f"{prefix}{node.department.name}"))
    return choices


def user_choices(users: Iterable[User]) -> list[tuple[str, str]]:
    out = []
    for u in users:
        dept = getattr(u, "department", None)
        label = f"{u.full_name or u.username} ({u.username})"
        if dept is not None:
            label += f" · {dept.name}"
        out.append((str(u.pk), label))
    return out


class SettingsForm(forms.Form):
    """Adds Bootstrap classes to every widget and keeps a stable field order."""

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            for name in self.errors:
                if name in self.fields:
                    widget = self.fields[name].widget
                    widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
                    widget.attrs["aria-invalid"] = "true"


# --- departments ---------------------------------------------------------------------------

class DepartmentForm(SettingsForm):
    name = forms.CharField(label=_("Department name"), max_length=100)
    parent = forms.TypedChoiceField(
        label=_("Parent department"), required=False, coerce=int, empty_value=None,
        help_text=_("Leave empty for a top-level department."),
    )
    sort_order = forms.IntegerField(
        label=_("Display order"), required=False, min_value=-100000, max_value=100000,
        help_text=_("Smaller numbers are listed first."),
    )

    def __init__(self, *args, departments: list[DeptNode], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = department_choices(departments, empty_label=_("— Top level —"))
        self.fields["parent"].widget.attrs["data-search"] = ""


class DepartmentHeadsForm(SettingsForm):
    heads = forms.TypedMultipleChoiceField(
        label=_("Heads"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("Heads see every customer of this department and all its sub-departments."),
    )

    def __init__(self, *args, users: Iterable[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["heads"].choices = user_choices(users)


# --- users ---------------------------------------------------------------------------------

USER_ROLE_CHOICES = [(value, label) for value, label in Role.choices]


class UserFilterForm(forms.Form):
    STATUS_CHOICES = [("active", pgettext_lazy("user account", "Active")), ("inactive", _("Deactivated")), ("all", _("All"))]

    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(label=_("Role"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, departments: list[DeptNode], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices(departments, empty_label=_("All departments"))
        self.fields["role"].choices = [("", _("All roles")), *USER_ROLE_CHOICES, ("head", _("Department head"))]
        self.fields["q"].widget = forms.TextInput(attrs={
            "type": "search", "class": "form-control", "placeholder": _("Username, name, mobile, email")})
        for name in ("department", "role", "status"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"

    def values(self) -> dict:
        """The cleaned filters; invalid parameters fall back to their defaults (never a 500)."""
        data = {"q": "", "department": None, "role": "", "status": "active"}
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        for name in data:
            if cleaned.get(name) not in (None, ""):
                data[name] = cleaned[name]
        data["q"] = data["q"].strip()
        return data


class UserForm(SettingsForm):
    username = forms.CharField(
        label=_("Username"), max_length=150,
        help_text=_("Used to log in. Letters, digits and @/./+/-/_ only."),
    )
    full_name = forms.CharField(label=_("Name"), max_length=50)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(label=_("Mobile"), required=False, max_length=30)
    title = forms.CharField(label=_("Job title"), required=False, max_length=50)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, empty_value=None)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), required=False, choices=USER_ROLE_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text=_("Department heads are set on the department page."),
    )
    password = forms.CharField(
        label=_("Password"), min_length=6, max_length=128, strip=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text=_("At least 6 characters; not a common password."),
        error_messages={"min_length": _("The password must have at least %(limit_value)d characters.")},
    )

    # service field name -> form field name
    ERROR_MAP = {"parent_id": "department", "department_id": "department"}

    def __init__(self, *args, departments: list[DeptNode], editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["department"].choices = department_choices(departments, empty_label=_("— Choose —"))
        self.fields["department"].widget.attrs["data-search"] = ""
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["username"].widget.attrs["autocomplete"] = "off"
        if editing:
            self.fields["username"].disabled = True
            self.fields["username"].help_text = _("The username cannot be changed.")
            self.fields["password"].required = False
            self.fields["password"].help_text = _("Leave empty to keep the current password.")


class UserDeactivateForm(SettingsForm):
    successor = forms.TypedChoiceField(label=_("Successor"), coerce=int, empty_value=None, required=False)

    ERROR_MAP = {"successor_id": "successor", "to_user_id": "successor"}

    def __init__(self, *args, users: Iterable[User], successor_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["successor"]
        field.choices = [("", _("— Choose a successor —")), *user_choices(users)]
        field.widget.attrs["data-search"] = ""
        field.required = successor_required
        field.error_messages["required"] = _("Choose the colleague who takes over the customers.")


# --- share groups --------------------------------------------------------------------------

class ShareGroupForm(SettingsForm):
    name = forms.CharField(label=_("Group name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
    )
    members = forms.TypedMultipleChoiceField(
        label=_("Members"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        help_text=_("Customers shared with the group are visible to every member."),
    )

    ERROR_MAP = {"member_ids": "members"}

    def __init__(self, *args, users: Iterable[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = user_choices(users)


# --- API tokens ----------------------------------------------------------------------------

class ApiTokenForm(SettingsForm):
    name = forms.CharField(
        label=_("Token name"), max_length=100,
        help_text=_("What the token is for, e.g. \"ERP sync\"."),
    )
