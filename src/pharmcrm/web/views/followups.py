"""Follow-up pages (跟进记录): the customer page's 跟进记录 tab (registered in
web/customer_tabs.py), the 写跟进 form with the last ten interactions beside it, the author's
edit page within the edit window, and the comment form. Thin: parse, call one service or
selector, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from pharmcrm.activities import selectors, services
from pharmcrm.activities.models import FollowUp
from pharmcrm.catalog.models import Product, ProductStatus
from pharmcrm.contacts.models import Employment
from pharmcrm.core.errors import ApplicationError
from pharmcrm.core.files import stored_file_response
from pharmcrm.customers.selectors import customer_get, customer_permissions
from pharmcrm.web.forms_followups import FIELD_MAP, CommentForm, FollowUpFilterForm, FollowUpForm, files_list
from pharmcrm.web.views.common import apply_errors, int_or_none, web_view
from pharmcrm.web.views.contacts import safe_next

PAGE_SIZE = 20
MAX_PAGE = 500
MAX_PRODUCTS = 500  # offered in the form's product list (a catalogue has tens to hundreds)

# labels of the follow-up audit events in the customer's history tab (web/apps.py adds them)
ACTION_LABELS = {
    "followup_create": gettext_noop("Follow-up logged"),
    "followup_update": gettext_noop("Follow-up edited"),
    "followup_comment": gettext_noop("Comment on a follow-up"),
    "followup_reschedule": gettext_noop("Follow-up plan rescheduled"),
}


def tab_url(customer_id: int, followup_id: int | None = None) -> str:
    url = reverse("web:customer_detail", args=[customer_id]) + "?tab=followups"
    return url + (f"#followup-{followup_id}" if followup_id else "")


# --- the customer tab ----------------------------------------------------------------------

def tab_context(request, customer, perms) -> dict:
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    qs = selectors.followup_list(actor=request.user, customer_id=customer.pk)
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for fu in rows:
        fu.perms = selectors.followup_permissions(actor=request.user, followup=fu, can_write=perms["write"])

    def url(n: int) -> str:
        return "?" + urlencode({"tab": "followups", **({"page": n} if n > 1 else {})})

    return {
        "followups": rows,
        "followups_prev": url(page - 1) if page > 1 else None,
        "followups_next": url(page + 1) if has_next else None,
        "followups_page": page,
        "can_log": perms["write"],
        "comment_form": CommentForm(auto_id=False),
        "edit_hours": services.edit_hours(),
    }


# --- the list (跟进记录 in the navigation) --------------------------------------------------

@web_view
def followup_list(request):
    """The follow-ups the user can see (or logged themselves), newest first, by channel and days."""
    form = FollowUpFilterForm(request.GET)
    v = form.values()
    qs = selectors.followup_list(actor=request.user, author_id=request.user.pk if v["who"] == "me" else None,
                                 channel=v["channel"], day_from=v["day_from"], day_to=v["day_to"])
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    writable = selectors.writable_customer_ids(request.user, rows)
    for fu in rows:
        fu.perms = selectors.followup_permissions(actor=request.user, followup=fu,
                                                  can_write=fu.customer_id in writable)
    params = {"who": v["who"], "channel": v["channel"],
              "day_from": v["day_from"].isoformat() if v["day_from"] else "",
              "day_to": v["day_to"].isoformat() if v["day_to"] else ""}

    def url(n: int) -> str:
        return "?" + urlencode({k: val for k, val in {**params, "page": n if n > 1 else ""}.items() if val})

    return render(request, "web/followups/list.html", {
        "form": form, "followups": rows, "page": page,
        "prev_url": url(page - 1) if page > 1 else None, "next_url": url(page + 1) if has_next else None,
        "filtered": any(params.values()), "comment_form": CommentForm(auto_id=False),
    })


# --- the form ------------------------------------------------------------------------------

class _ContactChoice:
    def __init__(self, pk: int, label: str):
        self.pk, self.label = pk, label


def _contact_choices(customer_id: int, chosen=()) -> list[_ContactChoice]:
    """The current contacts at the customer, and any already chosen (a former one on an edit)."""
    chosen = set(chosen)
    rows = (Employment.objects.filter(customer_id=customer_id, contact__deleted_at__isnull=True)
            .select_related("contact").order_by("-is_primary", "contact__name_pinyin", "id"))
    out, seen = [], set()
    for e in rows:
        if e.contact_id in seen or (e.end_date is not None and e.contact_id not in chosen):
            continue
        seen.add(e.contact_id)
        role = e.title or e.role_text
        label = f"{e.contact.name}（{role}）" if role else e.contact.name
        if e.end_date is not None:
            label += _(" — left")
        out.append(_ContactChoice(e.contact_id, label))
    return out


def _product_choices(chosen=()) -> list[Product]:
    chosen = list(chosen)
    active = list(Product.objects.filter(status=ProductStatus.ACTIVE).order_by("generic_name", "id")[:MAX_PRODUCTS])
    have = {p.pk for p in active}
    extra = [p for p in Product.objects.filter(pk__in=[i for i in chosen if i not in have])]
    return active + extra


def _form(data, customer_id: int, *, initial=None, chosen_contacts=(), chosen_products=(), files=None
          ) -> FollowUpForm:
    if data is not None:
        chosen_contacts = [i for i in (int_or_none(v) for v in data.getlist("contacts")) if i]
        chosen_products = [i for i in (int_or_none(v) for v in data.getlist("products")) if i]
    return FollowUpForm(data, files, initial=initial, contacts=_contact_choices(customer_id, chosen_contacts),
                        products=_product_choices(chosen_products))


def _render_form(request, *, customer, form, followup=None, status=200):
    last_ten = selectors.followups_last_ten(actor=request.user, customer_id=customer.pk)
    return render(request, "web/followups/form.html", {
        "customer": customer, "form": form, "followup": followup, "last_ten": last_ten,
        "next": safe_next(request, ""), "cancel_url": safe_next(request, tab_url(customer.pk)),
        "edit_hours": services.edit_hours(),
    }, status=status)


@web_view
def followup_create(request, customer_id: int):
    customer = customer_get(actor=request.user, customer_id=customer_id)
    if not customer_permissions(actor=request.user, customer=customer)["write"]:
        raise PermissionDenied(_("You may view this customer but not log follow-ups for it; ask its owner to "
                                 "share it with you read-write."))
    if request.method == "POST":
        form = _form(request.POST, customer.pk, files=request.FILES)
        if form.is_valid():
            try:
                fu = services.followup_create(actor=request.user, customer_id=customer.pk, data=form.service_data(),
                                              files=files_list(form))
            except ApplicationError as exc:
                apply_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("Follow-up logged."))
                return redirect(safe_next(request, tab_url(customer.pk, fu.pk)))
        return _render_form(request, customer=customer, form=form, status=400)
    initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0), "channel": "visit"}
    contact = int_or_none(request.GET.get("contact"))
    if contact:
        initial["contacts"] = [contact]
    return _render_form(request, customer=customer, form=_form(None, customer.pk, initial=initial))


def _closed(request, fu: FollowUp):
    messages.error(request, _("This follow-up can no longer be edited (only its author may, within %(h)d hours "
                              "of logging it). Add a comment to correct or complete it.") % {"h": services.edit_hours()})
    return redirect(tab_url(fu.customer_id, fu.pk))


@web_view
def followup_edit(request, followup_id: int):
    fu = selectors.followup_get(actor=request.user, followup_id=followup_id)
    if not selectors.followup_permissions(actor=request.user, followup=fu)["edit"]:
        return _closed(request, fu)
    if request.method == "POST":
        form = _form(request.POST, fu.customer_id, files=request.FILES)
        if form.is_valid():
            try:
                services.followup_update(actor=request.user, followup_id=fu.pk, data=form.service_data(),
                                         files=files_list(form))
            except ApplicationError as exc:
                if exc.code == "edit_window_closed":
                    return _closed(request, fu)
                apply_errors(form, exc, FIELD_MAP)
            else:
                messages.success(request, _("Follow-up saved."))
                return redirect(tab_url(fu.customer_id, fu.pk))
        return _render_form(request, customer=fu.customer, form=form, followup=fu, status=400)
    contacts = [c.pk for c in fu.contacts.all()]
    products = [p.pk for p in fu.products.all()]
    initial = {"occurred_at": timezone.localtime(fu.occurred_at), "channel": fu.channel, "content": fu.content,
               "contacts": contacts, "products": products, "materials_sent": fu.materials_sent,
               "price_quoted": fu.price_quoted, "result": fu.result, "next_date": fu.next_date,
               "next_plan": fu.next_plan}
    form = _form(None, fu.customer_id, initial=initial, chosen_contacts=contacts, chosen_products=products)
    return _render_form(request, customer=fu.customer, form=form, followup=fu)


@web_view
def followup_attachment(request, attachment_id: int):
    """An attachment, only through this permission check (never a public URL); ``?download=1``
    sends it as an attachment, otherwise inline (image, PDF viewer) — as qualification scans."""
    att = selectors.attachment_get(actor=request.user, attachment_id=attachment_id)
    return stored_file_response(att, download=request.GET.get("download") == "1")


@web_view
@require_POST
def followup_comment(request, followup_id: int):
    fu = selectors.followup_get(actor=request.user, followup_id=followup_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.followup_comment_add(actor=request.user, followup_id=fu.pk, text=form.cleaned_data["text"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, next(iter(form.errors.values()))[0])
    return redirect(tab_url(fu.customer_id, fu.pk))
