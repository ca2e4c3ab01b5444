"""Forms of the qualification screens. They parse and render; ``qualifications.services``
validates (type-specific rules, ID numbers, files by content) and its errors are put back
under the fields."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pharmcrm.qualifications import uploads
from pharmcrm.qualifications.models import QualificationType
from pharmcrm.qualifications.selectors import EXPIRING_SORTS

DATE_WIDGET = {"type": "date", "min": "1950-01-01", "max": "2199-12-31"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.Field):
    """Every chosen file, unchecked (the service checks size and content, with the file names)."""

    widget = MultipleFileInput

    def to_python(self, data):
        if not data:
            return []
        return [f for f in (data if isinstance(data, list | tuple) else [data]) if f]


class DocumentForm(forms.Form):
    type = forms.ChoiceField(label=_("Document type"), choices=[("", "—"), *QualificationType.choices])
    title = forms.CharField(label=_("Document name"), max_length=100, required=False,
                            help_text=_("What the document is, e.g. 第二类医疗器械经营备案凭证."))
    number = forms.CharField(label=_("Document number"), max_length=100, required=False,
                             help_text=_("As printed, e.g. 沪AA0210123; for a business licence its credit code."))
    issuing_authority = forms.CharField(label=_("Issuing authority"), max_length=200, required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False,
                                 widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))
    valid_to = forms.DateField(label=_("Valid to"), required=False,
                               widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
                               help_text=_("The last day the document is valid."))
    no_expiry = forms.BooleanField(label=_("No expiry (long-term)"), required=False)
    scope = forms.CharField(label=_("Business scope"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("经营范围 / 诊疗科目 as printed on the licence."))
    agent_name = forms.CharField(label=_("Authorised person"), max_length=50, required=False)
    agent_id_number = forms.CharField(label=_("ID card number"), max_length=30, required=False,
                                      help_text=_("18 characters; shown masked to colleagues who may only read."))
    agent_products = forms.CharField(label=_("Authorised products"), max_length=2000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    agent_territory = forms.CharField(label=_("Authorised territory"), max_length=300, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    files = FilesField(label=_("Scanned files"), required=False)

    SERVICE_FIELDS = ["type", "title", "number", "issuing_authority", "scope", "valid_from", "valid_to", "no_expiry",
                      "agent_name", "agent_id_number", "agent_products", "agent_territory", "notes"]
    AGENT_FIELDS = ("agent_name", "agent_id_number", "agent_products", "agent_territory")

    def __init__(self, *args, fixed_type: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_type = fixed_type
        if fixed_type:
            del self.fields["type"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")
        self.fields["files"].widget.attrs.update({"accept": uploads.ACCEPT, "multiple": True})
        self.fields["files"].help_text = _("PDF, JPG, PNG or WebP, at most %(mb)s MB each; several pages may be "
                                           "several files.") % {"mb": uploads.max_mb_label()}
        self.fields["agent_id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        if "type" in self.fields:
            self.fields["type"].widget.attrs["data-qual-type"] = "1"

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS if name in self.fields}
        for name, value in data.items():
            if value is None and name not in ("valid_from", "valid_to"):
                data[name] = ""
        data["no_expiry"] = bool(self.cleaned_data.get("no_expiry"))
        return data

    def files_list(self) -> list:
        return self.cleaned_data.get("files") or []

    def field_groups(self):
        """(group key, fields) in display order; the template shows the authorisation group and the
        title only for their types (the script hides them; without it everything shows)."""
        main = [self[n] for n in ("type", "title", "number", "issuing_authority", "valid_from", "valid_to",
                                  "no_expiry") if n in self.fields]
        return [
            ("main", main),
            ("purchase_authorisation", [self[n] for n in self.AGENT_FIELDS]),
            ("more", [self["scope"], self["notes"]]),
            ("files", [self["files"]]),
        ]


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason for voiding"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                             error_messages={"required": _("Say why the document is voided.")})


WITHIN_CHOICES = [("7", _("7 days")), ("30", _("30 days")), ("90", _("90 days")), ("180", _("180 days"))]


class ExpiringFilterForm(forms.Form):
    within = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=WITHIN_CHOICES)
    expired = forms.ChoiceField(required=False, choices=[("", ""), ("1", "1"), ("0", "0")])
    type = forms.ChoiceField(required=False, choices=[("", _("All document types")), *QualificationType.choices])
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in EXPIRING_SORTS])
    size = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                  choices=[(str(n), str(n)) for n in (20, 50, 100)])

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "within": data.get("within") or 90,
            "expired": data.get("expired") != "0",
            "type": data.get("type") or "",
            "sort": data.get("sort") or "valid_to",
            "size": data.get("size") or settings.PHARMCRM["LIST_PAGE_SIZE"],
        }
