"""Forms of the follow-up pages (跟进记录). They parse and render; the rules (rights, the edit
window, times, contacts employed at the customer) live in activities.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pharmcrm.activities.models import Channel
from pharmcrm.qualifications import uploads
from pharmcrm.web.forms_qualifications import FilesField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# service field -> form field
FIELD_MAP = {"contact_ids": "contacts", "product_ids": "products", "customer_id": None}


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _text(label, rows: int = 2, max_length: int = 2000, **kw) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}), **kw)


class FollowUpForm(forms.Form):
    WIDE = ("content", "contacts", "products", "result", "next_plan", "files")
    REQUIRED = ("occurred_at", "channel", "content")  # marked in the form

    occurred_at = forms.DateTimeField(
        label=_("Time of the follow-up"), input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=DateTimeLocalInput(), error_messages={
            "required": _("Enter when you were in touch."),
            "invalid": _("Enter a date and time such as 2026-03-01 14:30.")})
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices,
                                error_messages={"required": _("Choose how you were in touch.")})
    # required, but checked by the service so that its other messages come in the same answer
    content = forms.CharField(label=_("Content"), max_length=5000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4, "aria-required": "true"}),
                              help_text=_("What was discussed, the customer's needs and objections."))
    contacts = forms.TypedMultipleChoiceField(label=_("Contacts"), coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    products = forms.TypedMultipleChoiceField(label=_("Products discussed"), coerce=int, required=False)
    materials_sent = _text(_("Materials sent"), help_text=_("Brochures, samples, qualification copies ..."))
    price_quoted = _text(_("Price quoted"), help_text=_("Free text for now, e.g. 中标价 12.5元/盒."))
    result = _text(_("Result"))
    next_date = forms.DateField(label=_("Next follow-up date"), required=False, widget=DateInput(),
                                error_messages={"invalid": _("Enter a date such as 2026-03-01.")})
    next_plan = _text(_("Next follow-up plan"))
    files = FilesField(label=_("Attachments"), required=False)

    def __init__(self, *args, contacts=(), products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].choices = [(c.pk, c.label) for c in contacts]
        self.fields["products"].choices = [(p.pk, str(p)) for p in products]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
        self.fields["products"].widget.attrs.update({"data-search": "1", "size": "6"})
        self.fields["content"].widget.attrs["autofocus"] = True
        self.fields["files"].widget.attrs.update({"accept": uploads.ACCEPT, "multiple": True})
        self.fields["files"].help_text = _("Materials sent, photos: PDF, JPG, PNG or WebP, at most %(mb)s MB each.") % {
            "mb": uploads.max_mb_label()}
        if not contacts:
            del self.fields["contacts"]

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {name: d.get(name) for name in ("occurred_at", "channel", "content", "materials_sent", "price_quoted",
                                               "result", "next_date", "next_plan")}
        data["product_ids"] = list(d.get("products") or [])
        # (the files go to the service separately: ``files_list``)
        if "contacts" in self.fields:
            data["contact_ids"] = list(d.get("contacts") or [])
        return data


def files_list(form: FollowUpForm) -> list:
    return form.cleaned_data.get("files") or []


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                           error_messages={"required": _("Write the comment.")})


class FollowUpFilterForm(forms.Form):
    """The filter bar of the follow-up list; every value lives in the URL."""

    who = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False)
    day_from = forms.DateField(required=False, widget=DateInput())
    day_to = forms.DateField(required=False, widget=DateInput())

    def __init__(self, data):
        super().__init__(data)
        self.fields["who"].choices = [("", _("All I can see")), ("me", _("Logged by me"))]
        self.fields["channel"].choices = [("", _("All channels")), *Channel.choices]
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
        self.fields["day_from"].widget.attrs["aria-label"] = _("From")
        self.fields["day_to"].widget.attrs["aria-label"] = _("To")

    def values(self) -> dict:
        """The valid values; anything malformed in the URL is ignored, never a 500."""
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        return {"who": d.get("who") or "", "channel": d.get("channel") or "", "day_from": d.get("day_from"),
                "day_to": d.get("day_to")}
