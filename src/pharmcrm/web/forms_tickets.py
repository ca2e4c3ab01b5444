"""Forms of the service-ticket pages (服务记录). They parse and render; the rules (rights, the
state machine, SLA, contacts employed at the customer, who may be assigned) live in
tickets.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pharmcrm.tickets.models import Priority, Status, TicketType
from pharmcrm.tickets.selectors import SORTS

# service field -> form field
FIELD_MAP = {"contact_id": "contact", "product_id": "product", "assignee_id": "assignee", "customer_id": None,
             "text": "text"}


def _style(form: forms.Form, small: bool = False) -> None:
    sm = " form-select-sm" if small else ""
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.RadioSelect):
            continue
        if isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select" + sm)
        else:
            w.attrs.setdefault("class", "form-control" + (" form-control-sm" if small else ""))


class TicketForm(forms.Form):
    WIDE = ("title", "description")
    REQUIRED = ("type", "priority", "title", "assignee")

    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    title = forms.CharField(label=pgettext_lazy("ticket", "Title"), max_length=200, required=False,
                            help_text=_("One line: what the customer asks for or complains about."))
    description = forms.CharField(label=_("Description"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.TypedChoiceField(label=_("Contact"), coerce=int, required=False, empty_value=None)
    product = forms.TypedChoiceField(label=_("Product"), coerce=int, required=False, empty_value=None)
    batch_no = forms.CharField(label=_("Batch number"), max_length=50, required=False,
                               help_text=_("As printed on the package, if the ticket concerns a batch."))
    assignee = forms.IntegerField(label=_("Assignee"), required=False, widget=forms.Select)

    def __init__(self, *args, contacts=(), products=(), assignee_choice=None, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "—"), *[(c.pk, c.label) for c in contacts]]
        self.fields["product"].choices = [("", "—"), *[(p.pk, str(p)) for p in products]]
        if creating:
            self.fields["assignee"].widget.choices = [assignee_choice] if assignee_choice else []
        else:
            del self.fields["assignee"]
        _style(self)
        self.fields["product"].widget.attrs["data-search"] = "1"
        self.fields["title"].widget.attrs["autofocus"] = True
        if "assignee" in self.fields:
            self.fields["assignee"].help_text = _("Someone who can see this customer. Default: you.")

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {name: d.get(name) for name in ("type", "priority", "title", "description", "batch_no")}
        data["contact_id"] = d.get("contact")
        data["product_id"] = d.get("product")
        if "assignee" in self.fields and d.get("assignee"):
            data["assignee_id"] = d["assignee"]
        return data


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=5000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))


class CloseForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("Customer satisfaction"), coerce=int, required=False, empty_value=None,
        choices=[("", _("Not given")), (5, _("5 — very satisfied")), (4, _("4 — satisfied")), (3, _("3 — neutral")),
                 (2, _("2 — dissatisfied")), (1, _("1 — very dissatisfied"))],
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("Rate the customer's satisfaction from 1 to 5.")})
    comment = forms.CharField(label=_("Customer's comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label=_("New assignee"), required=True, min_value=1,
                                  error_messages={"required": _("Choose the new assignee."),
                                                  "invalid": _("Choose the new assignee.")})
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                           error_messages={"required": _("Write the comment.")})


class TicketFilterForm(forms.Form):
    """The filter bar of the ticket list; every value lives in the URL."""

    q = forms.CharField(required=False, max_length=100)
    who = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False)
    type = forms.ChoiceField(required=False)
    priority = forms.ChoiceField(required=False)
    overdue = forms.BooleanField(required=False)
    sort = forms.ChoiceField(required=False)

    def __init__(self, data):
        super().__init__(data)
        self.fields["who"].choices = [("", _("All I can see")), ("me", _("Assigned to me"))]
        self.fields["status"].choices = [("", _("All statuses")), ("active", _("Open or in progress")),
                                         *Status.choices]
        self.fields["type"].choices = [("", _("All types")), *TicketType.choices]
        self.fields["priority"].choices = [("", _("All priorities")), *Priority.choices]
        self.fields["sort"].choices = [(k, k) for k in SORTS]
        _style(self, small=True)
        self.fields["q"].widget.attrs.update({"placeholder": _("Number, title, customer, batch"), "type": "search",
                                              "aria-label": _("Search")})
        self.fields["overdue"].widget.attrs = {"class": "form-check-input"}

    def values(self) -> dict:
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        return {k: d.get(k) or ("" if k != "overdue" else False) for k in self.fields}
