"""Service-ticket pages (服务记录): the list (filters, 我的, 逾期, Excel export), the new-ticket
form (from a customer page, or choosing the customer first), the ticket page with its timeline
and the legal actions only, the edit page, the customer page's 服务记录 tab (registered from
tickets/web_hooks.py). Thin: parse, call one service or selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from pharmcrm.catalog.models import Product, ProductStatus
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers.selectors import customer_get, customer_permissions
from pharmcrm.tickets import selectors, services, sla
from pharmcrm.tickets.models import Status, Ticket
from pharmcrm.web.export import _excel_safe, _save, header_sheet
from pharmcrm.web.forms_tickets import (
    FIELD_MAP,
    AssignForm,
    CloseForm,
    CommentForm,
    NoteForm,
    ResolveForm,
    TicketFilterForm,
    TicketForm,
)
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view
from pharmcrm.web.views.followups import _contact_choices

PAGE_SIZE = 20
MAX_PAGE = 500
TAB_ROWS = 20
MAX_PRODUCTS = 500


def detail_url(ticket_id: int) -> str:
    return reverse("web:ticket_detail", args=[ticket_id])


def _user_label(u) -> str:
    return u.full_name or u.username


# --- the customer tab ----------------------------------------------------------------------

def tab_context(request, customer, perms) -> dict:
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    qs = selectors.ticket_list(actor=request.user, filters=selectors.TicketFilters(customer_id=customer.pk))
    rows = list(qs[(page - 1) * TAB_ROWS: page * TAB_ROWS + 1])
    has_next = len(rows) > TAB_ROWS
    rows = rows[:TAB_ROWS]

    def url(n: int) -> str:
        return "?" + urlencode({"tab": "tickets", **({"page": n} if n > 1 else {})})

    return {
        "tickets": rows, "tickets_page": page, "now": timezone.now(),
        "tickets_prev": url(page - 1) if page > 1 else None,
        "tickets_next": url(page + 1) if has_next else None,
        "can_open_ticket": perms["write"],
    }


# --- the list ------------------------------------------------------------------------------

def _filters(request) -> tuple[TicketFilterForm, dict, selectors.TicketFilters]:
    form = TicketFilterForm(request.GET)
    v = form.values()
    f = selectors.TicketFilters(status=v["status"], type=v["type"], priority=v["priority"],
                                assignee_id=request.user.pk if v["who"] == "me" else None,
                                overdue=bool(v["overdue"]), q=v["q"], sort=v["sort"] or selectors.DEFAULT_SORT)
    params = {"q": v["q"], "who": v["who"], "status": v["status"], "type": v["type"], "priority": v["priority"],
              "overdue": "on" if v["overdue"] else "", "sort": v["sort"]}
    return form, params, f


@web_view
def ticket_list(request):
    form, params, f = _filters(request)
    qs = selectors.ticket_list(actor=request.user, filters=f)
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]

    def url(**extra) -> str:
        merged = {**params, **extra}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    sort = f.sort
    sort_links = {key: url(sort=(("-" + key) if sort == key else key) if not key.startswith("-") else key, page="")
                  for key in ("opened", "due", "number")}
    sort_links["opened"] = url(sort="opened" if sort == "-opened" else "-opened")
    sort_links["number"] = url(sort="-number" if sort == "number" else "number")
    sort_links["due"] = url(sort="-due" if sort == "due" else "due")
    return render(request, "web/tickets/list.html", {
        "form": form, "tickets": rows, "page": page, "now": timezone.now(), "sort": sort,
        "sort_links": sort_links,
        "prev_url": url(page=page - 1 if page > 2 else "") if page > 1 else None,
        "next_url": url(page=page + 1) if has_next else None,
        "filtered": any(v for k, v in params.items() if k != "sort"),
        "export_url": reverse("web:ticket_export") + url(),
        "quick_mine": url(who="me", status="active", overdue="", page=""),
        "quick_overdue": url(overdue="on", who="", status="", page=""),
    })


_LABELS = [gettext_noop("Number"), gettext_noop("Customer"), gettext_noop("Type"), gettext_noop("Priority"),
           gettext_noop("Ticket title"), gettext_noop("Status"), gettext_noop("Assignee"), gettext_noop("Opened at"),
           gettext_noop("Due at"), gettext_noop("Overdue"), gettext_noop("Contact"), gettext_noop("Product"),
           gettext_noop("Batch number"), gettext_noop("Resolution"), gettext_noop("Resolved at"),
           gettext_noop("Closed at"), gettext_noop("Customer satisfaction"), gettext_noop("Customer's comment"),
           gettext_noop("Times reopened")]
_COLUMNS = list(zip(_LABELS, (16, 30, 10, 8, 40, 10, 10, 18, 18, 8, 10, 30, 14, 40, 18, 18, 10, 30, 8), strict=True))


@web_view
def ticket_export(request):
    """Exactly the filtered rows of the list, as an Excel workbook (capped)."""
    _form, _params, f = _filters(request)
    qs = selectors.ticket_list(actor=request.user, filters=f)
    max_rows = settings.PHARMCRM["EXPORT_MAX_ROWS"]
    wb, ws = header_sheet(_("Service tickets"), _COLUMNS)
    now = timezone.now()

    def local(dt):
        return timezone.localtime(dt).replace(tzinfo=None) if dt else None

    for n, t in enumerate(qs[: max_rows + 1].iterator(chunk_size=1000)):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            break
        ws.append([_excel_safe(v) for v in (
            t.number, t.customer.name, t.get_type_display(), t.get_priority_display(), t.title,
            t.get_status_display(), _user_label(t.assignee), local(t.opened_at), local(t.due_at),
            _("Yes") if t.is_active and t.due_at < now else "", t.contact.name if t.contact_id else "",
            str(t.product) if t.product_id else "", t.batch_no, t.resolution, local(t.resolved_at),
            local(t.closed_at), t.satisfaction, t.satisfaction_comment, t.reopen_count)])
    response = HttpResponse(_save(wb), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="tickets-{stamp}.xlsx"'
    return response


# --- new and edit --------------------------------------------------------------------------

def _products(chosen=None) -> list[Product]:
    active = list(Product.objects.filter(status=ProductStatus.ACTIVE).order_by("generic_name", "id")[:MAX_PRODUCTS])
    if chosen and chosen not in {p.pk for p in active}:
        active += list(Product.objects.filter(pk=chosen))
    return active


def _form(data, customer_id: int, *, initial=None, creating=True, assignee=None, chosen_contact=None,
          chosen_product=None) -> TicketForm:
    if data is not None:
        chosen_contact = int_or_none(data.get("contact"))
        chosen_product = int_or_none(data.get("product"))
        uid = int_or_none(data.get("assignee"))
        if uid:
            from pharmcrm.org.models import User

            assignee = User.objects.filter(pk=uid).first() or assignee
    choice = (assignee.pk, _user_label(assignee)) if assignee else None
    return TicketForm(data, initial=initial, contacts=_contact_choices(customer_id, [chosen_contact]),
                      products=_products(chosen_product), assignee_choice=choice, creating=creating)


def _sla_rows() -> list[dict]:
    table = sla.sla_table()
    from pharmcrm.tickets.models import Priority, TicketType

    return [{"type": label, "hours": [table.get(t, {}).get(p) for p in Priority.values]}
            for t, label in TicketType.choices]


@web_view
def ticket_new(request):
    """/tickets/new/: choose the customer first (one you may change), then the form."""
    customer_id = int_or_none(request.GET.get("customer"))
    if customer_id:
        return redirect("web:ticket_create", customer_id=customer_id)
    return render(request, "web/tickets/choose_customer.html", {})


@web_view
def ticket_create(request, customer_id: int):
    customer = customer_get(actor=request.user, customer_id=customer_id)
    if not customer_permissions(actor=request.user, customer=customer)["write"]:
        raise PermissionDenied(_("You may view this customer but not open service tickets for it; ask its owner "
                                 "to share it with you read-write."))
    status = 200
    if request.method == "POST":
        form = _form(request.POST, customer.pk, assignee=request.user)
        if form.is_valid():
            try:
                ticket = services.ticket_create(actor=request.user, customer_id=customer.pk,
                                                data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("Service ticket %(number)s opened.") % {"number": ticket.number})
                return redirect(detail_url(ticket.pk))
        status = 400
    else:
        initial = {"type": request.GET.get("type") or "consultation", "priority": "normal"}
        contact = int_or_none(request.GET.get("contact"))
        if contact:
            initial["contact"] = contact
        form = _form(None, customer.pk, initial=initial, assignee=request.user, chosen_contact=contact)
    return render(request, "web/tickets/form.html", {
        "customer": customer, "form": form, "ticket": None, "sla_rows": _sla_rows(),
        "priorities": [label for _v, label in _priority_choices()],
    }, status=status)


def _priority_choices():
    from pharmcrm.tickets.models import Priority

    return Priority.choices


@web_view
def ticket_edit(request, ticket_id: int):
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    perms = selectors.ticket_permissions(actor=request.user, ticket=ticket)
    if not perms["edit"]:
        messages.error(request, _("You cannot edit this ticket (only the assignee or someone who may change the "
                                  "customer may, and not once it is closed)."))
        return redirect(detail_url(ticket.pk))
    status = 200
    if request.method == "POST":
        form = _form(request.POST, ticket.customer_id, creating=False)
        if form.is_valid():
            try:
                services.ticket_update(actor=request.user, ticket_id=ticket.pk, data=form.service_data())
            except ApplicationError as exc:
                apply_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("Service ticket saved."))
                return redirect(detail_url(ticket.pk))
        status = 400
    else:
        initial = {"type": ticket.type, "priority": ticket.priority, "title": ticket.title,
                   "description": ticket.description, "contact": ticket.contact_id, "product": ticket.product_id,
                   "batch_no": ticket.batch_no}
        form = _form(None, ticket.customer_id, initial=initial, creating=False, chosen_contact=ticket.contact_id,
                     chosen_product=ticket.product_id)
    return render(request, "web/tickets/form.html", {
        "customer": ticket.customer, "form": form, "ticket": ticket, "sla_rows": _sla_rows(),
        "priorities": [label for _v, label in _priority_choices()],
    }, status=status)


# --- the ticket page and its actions -------------------------------------------------------

STEPS = [Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED]


def _field_label(name: str) -> str:
    try:
        return str(Ticket._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return name


_POSITIONS = {f.name: i for i, f in enumerate(Ticket._meta.get_fields())}


def _field_position(name: str) -> tuple[int, str]:
    """The model's field order: the same on both databases (PostgreSQL's jsonb reorders keys)."""
    return _POSITIONS.get(name.removesuffix("_id"), len(_POSITIONS)), name


def _detail_context(request, ticket: Ticket, **forms) -> dict:
    perms = selectors.ticket_permissions(actor=request.user, ticket=ticket)
    done = STEPS.index(ticket.status)
    events = selectors.ticket_events(ticket=ticket)
    for e in events:
        e.changed_labels = ([_field_label(k) for k in sorted(e.changes or {}, key=_field_position)]
                            if e.kind == "edited" else [])
    return {
        "ticket": ticket, "perms": perms, "events": events, "now": timezone.now(),
        "steps": [{"label": Status(s).label, "done": i < done, "current": i == done} for i, s in enumerate(STEPS)],
        "resolve_form": forms.get("resolve_form") or ResolveForm(auto_id="resolve-%s"),
        "close_form": forms.get("close_form") or CloseForm(auto_id="close-%s"),
        "reopen_form": forms.get("reopen_form") or NoteForm(auto_id="reopen-%s"),
        "start_form": NoteForm(auto_id="start-%s"),
        "assign_form": forms.get("assign_form") or AssignForm(auto_id="assign-%s"),
        "comment_form": forms.get("comment_form") or CommentForm(auto_id="comment-%s"),
    }


@web_view
def ticket_detail(request, ticket_id: int):
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    return render(request, "web/tickets/detail.html", _detail_context(request, ticket))


def _after_error(request, ticket_id: int, exc: ApplicationError, form_name: str, form):
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    if exc.code == "illegal_transition":
        messages.error(request, exc.message)
        return redirect(detail_url(ticket.pk))
    apply_errors(form, exc, {"satisfaction_comment": "comment", "assignee_id": "assignee", **FIELD_MAP})
    return render(request, "web/tickets/detail.html", _detail_context(request, ticket, **{form_name: form}),
                  status=400)


ACTIONS = {"start", "resolve", "close", "reopen"}
DONE = {
    "start": gettext_noop("Work on the ticket started."), "resolve": gettext_noop("Ticket resolved."),
    "close": gettext_noop("Ticket closed."), "reopen": gettext_noop("Ticket reopened."),
}


@web_view
@require_POST
def ticket_action(request, ticket_id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    form_cls, form_name = {"start": (NoteForm, "start_form"), "resolve": (ResolveForm, "resolve_form"),
                           "close": (CloseForm, "close_form"), "reopen": (NoteForm, "reopen_form")}[action]
    form = form_cls(request.POST, auto_id=form_name.split("_")[0] + "-%s")
    if not form.is_valid():
        return render(request, "web/tickets/detail.html", _detail_context(request, ticket, **{form_name: form}),
                      status=400)
    d = form.cleaned_data
    try:
        if action == "start":
            services.ticket_start(actor=request.user, ticket_id=ticket.pk, note=d.get("note") or "")
        elif action == "resolve":
            services.ticket_resolve(actor=request.user, ticket_id=ticket.pk, resolution=d.get("resolution") or "")
        elif action == "close":
            services.ticket_close(actor=request.user, ticket_id=ticket.pk, satisfaction=d.get("satisfaction"),
                                  comment=d.get("comment") or "")
        else:
            services.ticket_reopen(actor=request.user, ticket_id=ticket.pk, note=d.get("note") or "")
    except ApplicationError as exc:
        return _after_error(request, ticket.pk, exc, form_name, form)
    messages.success(request, _(DONE[action]))
    return redirect(detail_url(ticket.pk))


@web_view
@require_POST
def ticket_assign(request, ticket_id: int):
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    form = AssignForm(request.POST, auto_id="assign-%s")
    if not form.is_valid():
        return render(request, "web/tickets/detail.html", _detail_context(request, ticket, assign_form=form),
                      status=400)
    try:
        t = services.ticket_assign(actor=request.user, ticket_id=ticket.pk, assignee_id=form.cleaned_data["assignee"],
                                   note=form.cleaned_data.get("note") or "")
    except ApplicationError as exc:
        return _after_error(request, ticket.pk, exc, "assign_form", form)
    messages.success(request, _("Ticket assigned to %(name)s.") % {"name": _user_label(t.assignee)})
    return redirect(detail_url(ticket.pk))


@web_view
@require_POST
def ticket_comment(request, ticket_id: int):
    ticket = selectors.ticket_get(actor=request.user, ticket_id=ticket_id)
    form = CommentForm(request.POST, auto_id="comment-%s")
    if not form.is_valid():
        return render(request, "web/tickets/detail.html", _detail_context(request, ticket, comment_form=form),
                      status=400)
    try:
        services.ticket_comment_add(actor=request.user, ticket_id=ticket.pk, text=form.cleaned_data["text"])
    except ApplicationError as exc:
        return _after_error(request, ticket.pk, exc, "comment_form", form)
    messages.success(request, _("Comment added."))
    return redirect(detail_url(ticket.pk) + "#timeline")
