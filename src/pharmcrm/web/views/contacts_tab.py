"""The customer page's 联系人 tab (registered in web/customer_tabs.py): current contacts, the
former ones (离职/调离) folded away, an inline "add contact" dialog, move and end actions."""

from __future__ import annotations

from django.urls import reverse

from pharmcrm.contacts.models import CURRENT
from pharmcrm.contacts.selectors import customer_contacts, visible_employments
from pharmcrm.contacts.validation import today
from pharmcrm.web.forms_contacts import ContactForm


def contacts_tab_context(request, customer, perms) -> dict:
    current, former = customer_contacts(actor=request.user, customer_id=customer.pk)
    # where the former ones work now — only at customers this user sees (one query)
    now_at: dict[int, list] = {}
    if former:
        for e in (visible_employments(request.user).filter(CURRENT, contact_id__in=[e.contact_id for e in former])
                  .exclude(customer_id=customer.pk).select_related("customer").order_by("id")):
            now_at.setdefault(e.contact_id, []).append(e)
    for e in former:
        e.now_at = now_at.get(e.contact_id, [])
    here = reverse("web:customer_detail", args=[customer.pk]) + "?tab=contacts"
    form = None
    if perms.get("write"):
        form = ContactForm(customers=[customer], fixed_customer=customer, initial={"customer": customer.pk})
    return {
        "current_contacts": current,
        "former_contacts": former,
        "contact_form": form,
        "tab_url": here,
        "today": today(),
    }
