from django.shortcuts import render

from pharmcrm.core.pagination import capped_count
from pharmcrm.customers.selectors import CustomerFilters, customer_list
from pharmcrm.web.views.common import web_view

SEARCH_ROWS = 20


@web_view
def search(request):
    q = (request.GET.get("q") or "").strip()[:100]
    customers, count = [], None
    if q:
        qs = customer_list(actor=request.user, filters=CustomerFilters(q=q, pool=None))
        customers = list(qs[:SEARCH_ROWS])
        count = capped_count(qs)
    return render(request, "web/search.html", {"q": q, "search_q": q, "customers": customers, "count": count})
