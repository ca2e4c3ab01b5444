from django.shortcuts import render

from pharmcrm.core.pagination import capped_count
from pharmcrm.customers.selectors import CustomerFilters, customer_list
from pharmcrm.web.views.common import web_view

DESKTOP_ROWS = 8


@web_view
def desktop(request):
    user = request.user
    mine = customer_list(actor=user, filters=CustomerFilters(owner_id=user.pk, sort="recent"))
    visible = customer_list(actor=user)
    context = {
        "recent_customers": list(mine[:DESKTOP_ROWS]),
        "my_count": capped_count(mine),
        "visible_count": capped_count(visible),
        "team_view": user.is_head or user.is_admin,
    }
    return render(request, "web/desktop.html", context)
