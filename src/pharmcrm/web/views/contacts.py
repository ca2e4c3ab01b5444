"""Contact pages: list, export, detail (career, care, interactions), create/edit, delete, recycle bin.

Moving, adding, changing and ending employments are in ``contacts_employment.py``; the
customer page's 联系人 tab in ``contacts_tab.py``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from pharmcrm.contacts import selectors, services
from pharmcrm.contacts.dates import occurrence
from pharmcrm.contacts.interactions import contact_interactions
from pharmcrm.contacts.selectors import ContactFilters
from pharmcrm.contacts.validation import today
from pharmcrm.core.errors import ApplicationError, PermissionDenied
from pharmcrm.core.pagination import capped_count
from pharmcrm.org import visibility
from pharmcrm.web.forms_contacts import ContactFilterForm, ContactForm, EmploymentForm, EndForm, MoveForm
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view
from pharmcrm.web.views.contacts_export import contacts_xlsx

SORTABLE = {"name", "recent", "birthday"}
FILTER_KEYS = ("q", "customer", "role", "status", "birthday")


# --- helpers -------------------------------------------------------------------------------

def safe_next(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return default


def chosen_customers(user, customer_id: int | None, *, writable: bool = False) -> list:
    """The one customer a remote select shows as chosen (visibility-checked, one query)."""
    if not customer_id:
        return []
    qs = visibility.writable_customers(user) if writable else visibility.visible_customers(user)
    return list(qs.filter(pk=customer_id).only("id", "name")[:1])


def _filters(request) -> tuple[ContactFilterForm, dict, ContactFilters]:
    customers = chosen_customers(request.user, int_or_none(request.GET.get("customer")))
    form = ContactFilterForm(request.GET, customers=customers)
    v = form.values()
    filters = ContactFilters(q=v["q"], customer_id=v["customer"], role=v["role"], status=v["status"],
                             birthday=v["birthday"], sort=v["sort"])
    return form, v, filters


def _query(values: dict, **override) -> str:
    params = {k: values[k] or "" for k in FILTER_KEYS}
    params["sort"] = "" if values["sort"] == selectors.DEFAULT_SORT else values["sort"]
    params["size"] = "" if values["size"] == settings.PHARMCRM["LIST_PAGE_SIZE"] else values["size"]
    params.update(override)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


# --- list and export -----------------------------------------------------------------------

@web_view
def contact_list(request):
    form, values, filters = _filters(request)
    qs = selectors.contact_list(actor=request.user, filters=filters)
    size = values["size"]
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    rows = list(qs[(page - 1) * size: page * size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    count = capped_count(qs)
    pages = (count.value + size - 1) // size if count.exact else None
    sort = values["sort"]
    columns = []
    for key, label, css in (
        ("name", _("Name"), ""), ("employer", _("Works at"), ""), ("role", _("Business role"), "d-none d-md-table-cell"),
        ("phones", _("Mobile / phone"), "d-none d-sm-table-cell"), ("birthday", _("Birthday"), "d-none d-lg-table-cell"),
        ("recent", _("Last updated"), "d-none d-lg-table-cell text-nowrap"),
    ):
        col = {"key": key, "label": label, "css": css, "sortable": key in SORTABLE}
        if col["sortable"]:
            desc_first = key == "recent"
            if sort == key:
                col["dir"] = "desc" if desc_first else "asc"
                next_sort = f"-{key}"
            elif sort == f"-{key}":
                col["dir"] = "asc" if desc_first else "desc"
                next_sort = key
            else:
                next_sort = key
            col["url"] = "?" + _query(values, sort="" if next_sort == selectors.DEFAULT_SORT else next_sort)
        columns.append(col)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    return render(request, "web/contacts/list.html", {
        "form": form,
        "values": values,
        "rows": rows,
        "count": count,
        "page": page,
        "pages": pages,
        "has_next": has_next,
        "prev_url": "?" + _query(values, page=page - 1) if page > 1 else None,
        "next_url": "?" + _query(values, page=page + 1) if has_next else None,
        "size_urls": [(n, "?" + _query(values, size=n), n == size) for n in (20, 50, 100)],
        "columns": columns,
        "export_url": reverse("web:contact_export") + "?" + _query(values, size=""),
        "export_capped": count.value > max_rows,
        "export_max_rows": max_rows,
        "filtered": any(values[k] for k in FILTER_KEYS),
        "can_create": visibility.writable_customers(request.user).exists(),
        "today": today(),
    })


@web_view
def contact_export(request):
    _form, _values, filters = _filters(request)
    qs = selectors.contact_list(actor=request.user, filters=filters)
    content, n, capped = contacts_xlsx(qs, max_rows=settings.PHARMCRM["EXPORT_MAX_ROWS"])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="contacts-{stamp}.xlsx"'
    response["X-Export-Rows"] = str(n)
    response["X-Export-Capped"] = "1" if capped else "0"
    return response


# --- detail --------------------------------------------------------------------------------

def _next_birthday(contact) -> dict | None:
    if not contact.birth_month:
        return None
    day = today()
    when = occurrence(contact.birth_month, contact.birth_day, day, 366)
    if when is None:
        return None
    return {"date": when, "days": (when - day).days, "age": contact.age_on(when)}


def detail_context(request, contact, *, move_form=None, employment_form=None, end_forms=None,
                   open_dialog: str = "") -> dict:
    """Everything the contact page shows; the forms of its dialogs (bound ones keep what was typed)."""
    user = request.user
    employments = selectors.contact_employments(actor=user, contact=contact)
    writable = selectors.writable_customer_ids(user, {e.customer_id for e in employments})
    for e in employments:
        e.can_change = e.customer_id in writable
    perms = selectors.contact_permissions(actor=user, contact=contact)
    movable = [e for e in employments if e.end_date is None and e.can_change]
    if move_form is None and movable:
        pick = int_or_none(request.GET.get("move"))
        first = next((e for e in movable if e.pk == pick), movable[0])
        move_form = MoveForm(employments=movable, initial={
            "from_employment": first.pk, "role": first.role, "date": today()})
        if "move" in request.GET:  # the customer tab's 调动 link opens the dialog directly
            open_dialog = open_dialog or "move-dialog"
    if employment_form is None and perms["add_employment"]:
        employment_form = EmploymentForm()
    end_forms = end_forms or {}
    for e in movable:
        e.end_form = end_forms.get(e.pk) or EndForm(initial={"end_date": today()}, prefix=f"end{e.pk}")
        e.end_open = open_dialog == f"end-dialog-{e.pk}"
    return {
        "contact": contact,
        "employments": employments,
        "current": [e for e in employments if e.end_date is None],
        "perms": perms,
        "care_dates": list(contact.care_dates.all()),
        "next_birthday": _next_birthday(contact),
        "interactions": contact_interactions(actor=user, contact=contact),
        "move_form": move_form if movable else None,
        "employment_form": employment_form,
        "open_dialog": open_dialog,
        "next": safe_next(request, ""),
        "today": today(),
    }


@web_view
def contact_detail(request, contact_id: int):
    contact = selectors.contact_get(actor=request.user, contact_id=contact_id)
    return render(request, "web/contacts/detail.html", detail_context(request, contact))


# --- create / edit / delete ----------------------------------------------------------------

@web_view
def contact_create(request):
    """A new contact with their first employment. ``?customer=ID`` (the customer page's 联系人
    tab) fixes the customer; ``next`` is where to go back."""
    fixed_id = int_or_none(request.GET.get("customer"))
    fixed = chosen_customers(request.user, fixed_id, writable=True)[:1] if fixed_id else []
    if fixed_id and not fixed:
        if not visibility.can_see(request.user, fixed_id):
            raise Http404
        messages.error(request, _("You may view this customer but not change it."))
        return redirect("web:customer_detail", customer_id=fixed_id)
    fixed_customer = fixed[0] if fixed else None
    default_next = (reverse("web:customer_detail", args=[fixed_customer.pk]) + "?tab=contacts"
                    if fixed_customer else None)
    if request.method == "POST":
        posted = int_or_none(request.POST.get("customer"))
        customers = fixed if fixed_customer else chosen_customers(request.user, posted, writable=True)
        form = ContactForm(request.POST, customers=customers, fixed_customer=fixed_customer)
        if form.is_valid():
            try:
                contact = services.contact_create(
                    actor=request.user, customer_id=form.cleaned_data["customer"], data=form.contact_data(),
                    employment=form.employment_data(), care_dates=form.care_dates(),
                )
            except ApplicationError as exc:
                apply_errors(form, exc, form.error_map())
            else:
                messages.success(request, _("Contact “%(name)s” added.") % {"name": contact.name})
                return redirect(safe_next(request, reverse("web:contact_detail", args=[contact.pk])))
        status = 400
    else:
        initial = {"customer": fixed_customer.pk} if fixed_customer else {}
        form = ContactForm(customers=fixed, fixed_customer=fixed_customer, initial=initial)
        status = 200
    return render(request, "web/contacts/form.html", {
        "form": form, "contact": None, "fixed_customer": fixed_customer,
        "next": safe_next(request, default_next or ""), "cancel_url": default_next or reverse("web:contact_list"),
    }, status=status)


@web_view
def contact_edit(request, contact_id: int):
    contact = selectors.contact_get(actor=request.user, contact_id=contact_id)
    perms = selectors.contact_permissions(actor=request.user, contact=contact)
    if not perms["edit"]:
        raise PermissionDenied(_("You can change a contact only through a customer you may change where they work."))
    care = list(contact.care_dates.all())
    if request.method == "POST":
        form = ContactForm(request.POST, care_dates=care)
        if form.is_valid():
            try:
                services.contact_update(actor=request.user, contact_id=contact.pk, data=form.contact_data(),
                                        care_dates=form.care_dates())
            except ApplicationError as exc:
                apply_errors(form, exc, form.error_map())
            else:
                messages.success(request, _("Changes saved."))
                return redirect("web:contact_detail", contact_id=contact.pk)
        status = 400
    else:
        initial = {name: getattr(contact, name) for name in ContactForm.CONTACT}
        initial["birthday"] = contact.birthday_text
        form = ContactForm(initial=initial, care_dates=care)
        status = 200
    return render(request, "web/contacts/form.html", {
        "form": form, "contact": contact, "fixed_customer": None, "next": "",
        "cancel_url": reverse("web:contact_detail", args=[contact.pk]),
    }, status=status)


@web_view
def contact_delete(request, contact_id: int):
    if request.method != "POST":
        selectors.contact_get(actor=request.user, contact_id=contact_id)  # invisible: 404 before anything else
        return HttpResponseNotAllowed(["POST"])
    contact = services.contact_delete(actor=request.user, contact_id=contact_id)
    messages.success(request, _("“%(name)s” was moved to the contacts' recycle bin. You can restore them from there.")
                     % {"name": contact.name})
    return redirect(safe_next(request, reverse("web:contact_list")))


@web_view
def contact_restore(request, contact_id: int):
    if request.method != "POST":
        if not selectors.contact_recycle_bin(actor=request.user).filter(pk=contact_id).exists():
            raise Http404
        return HttpResponseNotAllowed(["POST"])
    contact = services.contact_restore(actor=request.user, contact_id=contact_id)
    messages.success(request, _("“%(name)s” was restored.") % {"name": contact.name})
    return redirect("web:contact_detail", contact_id=contact.pk)


@web_view
def contact_recycle_bin(request):
    qs = selectors.contact_recycle_bin(actor=request.user)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, 100_000))
    size = settings.PHARMCRM["LIST_PAGE_SIZE"]
    rows = list(selectors.with_employments(qs, request.user)[(page - 1) * size: page * size + 1])
    has_next = len(rows) > size
    return render(request, "web/contacts/recycle_bin.html", {
        "rows": rows[:size], "count": capped_count(qs), "page": page,
        "prev_url": f"?page={page - 1}" if page > 1 else None,
        "next_url": f"?page={page + 1}" if has_next else None,
    })
