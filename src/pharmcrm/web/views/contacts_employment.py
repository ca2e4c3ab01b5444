"""A contact's employments: move to another company, add, correct, end.

Each is a dialog on the contact page that posts here; on success we go back (``next``: the
customer page's 联系人 tab, or the contact page); on an error the contact page is shown again
with the dialog open, the message under the field and what was typed kept (status 400).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pharmcrm.contacts import selectors, services
from pharmcrm.contacts.models import Employment
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.web.forms_contacts import EmploymentForm, EndForm, MoveForm
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view
from pharmcrm.web.views.contacts import chosen_customers, detail_context, safe_next


def _back(request, contact) -> str:
    return safe_next(request, reverse("web:contact_detail", args=[contact.pk]))


def _again(request, contact, status=400, **forms):
    return render(request, "web/contacts/detail.html", detail_context(request, contact, **forms), status=status)


def _load(request, contact_id: int):
    contact = selectors.contact_get(actor=request.user, contact_id=contact_id)
    if request.method != "POST":
        return contact, HttpResponseNotAllowed(["POST"])
    return contact, None


@web_view
def contact_move(request, contact_id: int):
    contact, refuse = _load(request, contact_id)
    if refuse:
        return redirect(reverse("web:contact_detail", args=[contact.pk]) + "?move=1")
    employments = [e for e in selectors.contact_employments(actor=request.user, contact=contact) if e.end_date is None]
    writable = selectors.writable_customer_ids(request.user, {e.customer_id for e in employments})
    movable = [e for e in employments if e.customer_id in writable]
    customers = chosen_customers(request.user, int_or_none(request.POST.get("to_customer")), writable=True)
    form = MoveForm(request.POST, employments=movable, customers=customers)
    if form.is_valid():
        try:
            new = services.contact_move(
                actor=request.user, contact_id=contact.pk, from_employment_id=form.cleaned_data["from_employment"],
                to_customer_id=form.cleaned_data["to_customer"], date=form.cleaned_data.get("date"),
                data=form.move_data(),
            )
        except ApplicationError as exc:
            apply_errors(form, exc, {"from_employment_id": "from_employment", "to_customer_id": "to_customer",
                                     "start_date": "date", "end_date": "date"})
        else:
            messages.success(request, _("%(name)s now works at %(customer)s; the old company keeps them as a "
                                        "former contact.") % {"name": contact.name, "customer": new.customer.name})
            return redirect(_back(request, contact))
    return _again(request, contact, move_form=form, open_dialog="move-dialog")


@web_view
def employment_add(request, contact_id: int):
    contact, refuse = _load(request, contact_id)
    if refuse:
        return redirect("web:contact_detail", contact_id=contact.pk)
    customers = chosen_customers(request.user, int_or_none(request.POST.get("customer")), writable=True)
    form = EmploymentForm(request.POST, customers=customers)
    if form.is_valid():
        try:
            emp = services.employment_add(actor=request.user, contact_id=contact.pk,
                                          customer_id=form.cleaned_data["customer"], data=form.employment_data())
        except ApplicationError as exc:
            apply_errors(form, exc, {"customer_id": "customer"})
        else:
            messages.success(request, _("Employment at %(customer)s added.") % {"customer": emp.customer.name})
            return redirect(_back(request, contact))
    return _again(request, contact, employment_form=form, open_dialog="employment-dialog")


def _employment(request, contact, employment_id: int) -> Employment:
    for e in selectors.contact_employments(actor=request.user, contact=contact):
        if e.pk == employment_id:
            return e
    raise NotFound(_("Employment not found."))


@web_view
def employment_edit(request, contact_id: int, employment_id: int):
    contact = selectors.contact_get(actor=request.user, contact_id=contact_id)
    emp = _employment(request, contact, employment_id)
    if not selectors.writable_customer_ids(request.user, [emp.customer_id]):
        raise PermissionDenied(_("You may view this customer but not change it."))
    if request.method == "POST":
        form = EmploymentForm(request.POST, edit=True)
        if form.is_valid():
            try:
                services.employment_update(actor=request.user, contact_id=contact.pk, employment_id=emp.pk,
                                           data=form.employment_data())
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect(_back(request, contact))
        status = 400
    else:
        form = EmploymentForm(edit=True, initial={name: getattr(emp, name) for name in
                                                  ("title", "role", "role_other", "start_date", "end_date",
                                                   "is_primary")})
        status = 200
    return render(request, "web/contacts/employment_form.html",
                  {"form": form, "contact": contact, "employment": emp}, status=status)


@web_view
def employment_end(request, contact_id: int, employment_id: int):
    contact, refuse = _load(request, contact_id)
    emp = _employment(request, contact, employment_id)
    if refuse:
        return refuse
    form = EndForm(request.POST, prefix=f"end{emp.pk}")
    if form.is_valid():
        try:
            services.employment_end(actor=request.user, contact_id=contact.pk, employment_id=emp.pk,
                                    end_date=form.cleaned_data.get("end_date"))
        except ApplicationError as exc:
            if emp.end_date is not None:  # already ended (a second click): there is no dialog to show it in
                messages.error(request, exc.message)
                return redirect(_back(request, contact))
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is now a former contact of %(customer)s.")
                             % {"name": contact.name, "customer": emp.customer.name})
            return redirect(_back(request, contact))
    return _again(request, contact, end_forms={emp.pk: form}, open_dialog=f"end-dialog-{emp.pk}")
