"""我的桌面 (My Desktop), the home page: my customers' counts, the follow-up plan (今日待跟进 with
the overdue first, 未来 7 天; activities.desktop), customers about to return to the public pool,
expiring qualifications, contacts' birthdays and care dates. A head switches 我的 / 我的团队
(``?scope=team``) and sees each member's overdue plans. Cards stay hidden while empty."""

from urllib.parse import urlencode

from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse

from pharmcrm.activities import desktop as plans_desktop
from pharmcrm.activities.desktop_data import desktop_data
from pharmcrm.core.pagination import capped_count
from pharmcrm.customers.selectors import CustomerFilters, customer_list
from pharmcrm.web.desktop_cards import build_cards
from pharmcrm.web.views.common import web_view

DESKTOP_ROWS = 8
VISIBLE_COUNT_SECONDS = 120  # the "customers I can see" figure: a head's is a count over their subtree
PLAN_ROWS = 20  # per plan section on the page; the rest is counted, and on the calendar


def _visible_count(user, visible):
    """Kept two minutes per user: it changes with transfers and new customers, not by the second,
    and for a head it is the page's most expensive query. (A per-process cache unless a shared
    one is configured: another worker may show a figure up to two minutes older.)"""
    key = f"desktop:visible:{user.pk}"
    found = cache.get(key)
    if found is None:
        found = capped_count(visible)
        cache.set(key, found, VISIBLE_COUNT_SECONDS)
    return found


@web_view
def desktop(request):
    user = request.user
    data = desktop_data(actor=user, scope=request.GET.get("scope"), rows=PLAN_ROWS)
    scope, today, plans = data.scope, data.today, data.plans
    mine = customer_list(actor=user, filters=CustomerFilters(owner_id=user.pk, sort="recent"))
    visible = customer_list(actor=user)
    here = reverse("web:desktop") + (f"?{urlencode({'scope': scope})}" if scope == plans_desktop.TEAM else "")
    recent = list(mine[:DESKTOP_ROWS])
    context = {
        "recent_customers": recent,
        "my_count": capped_count(mine),
        "visible_count": _visible_count(user, visible),
        "team_view": user.is_head or user.is_admin,
        "scope": scope,
        "can_team": data.can_team,
        "plans": plans,
        # the follow-up plan card for whoever works customers (not for finance owning none)
        "show_plans": bool(plans.due_count or plans.upcoming_count or recent or data.can_team),
        "back": urlencode({"next": here}),
        "pool_warnings": data.pool_warnings,
        "expiring": data.expiring,
        "expiring_more": data.expiring_more,
        "occasions": data.occasions,
        "today": today,
        "extra_cards": build_cards(user, scope, today),  # other areas' cards (web/desktop_cards.py)
    }
    return render(request, "web/desktop.html", context)
