"""``web:customer_lookup``: the JSON behind remote customer selects (``data-remote-options``).

GET ?q=&limit=20[&writable=1][&exclude=ID] -> [{"id", "label"}], at most 20, the customers
the requester sees (``writable=1``: only those they may change — e.g. where a contact may
start working). The search is the customer list's (name, short name, pinyin, initials,
phone, credit code), so it is as fast and as visibility-safe as the list.
"""

from __future__ import annotations

from django.http import JsonResponse

from pharmcrm.customers.selectors import CustomerFilters, customer_list
from pharmcrm.org import visibility
from pharmcrm.web.views.common import int_or_none, web_view

CUSTOMER_LOOKUP_MAX = 20


def customer_label(c) -> str:
    label = c.name
    if c.short_name and c.short_name not in c.name:
        label += f"（{c.short_name}）"
    return label


@web_view
def customer_lookup_view(request):
    q = (request.GET.get("q") or "").strip()[:100]
    qs = customer_list(actor=request.user, filters=CustomerFilters(q=q))  # most recently changed first
    if request.GET.get("writable") == "1":
        qs = qs.filter(pk__in=visibility.writable_customers(request.user).values("id"))
    exclude = int_or_none(request.GET.get("exclude"))
    if exclude:
        qs = qs.exclude(pk=exclude)
    limit = max(1, min(int_or_none(request.GET.get("limit")) or CUSTOMER_LOOKUP_MAX, CUSTOMER_LOOKUP_MAX))
    rows = qs.select_related(None).only("id", "name", "short_name")[:limit]
    return JsonResponse([{"id": c.pk, "label": customer_label(c)} for c in rows], safe=False)
