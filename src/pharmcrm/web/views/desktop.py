"""我的桌面 (My Desktop), the home page: my customers' counts, the follow-up plan (今日待跟进 with
the overdue first, 未来 7 天; activities.desktop), customers about to return to the public pool,
expiring qualifications, contacts' birthdays and care dates. A head switches 我的 / 我的团队
(``?scope=team``) and sees each member's overdue plans. Cards stay hidden while empty."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from pharmcrm.activities import desktop as plans_desktop
from pharmcrm.contacts.occasions import contact_birthdays
from pharmcrm.core.pagination import capped_count
from pharmcrm.customers.pool_selectors import pool_warnings
from pharmcrm.customers.selectors import CustomerFilters, customer_list
from pharmcrm.org import visibility
from pharmcrm.qualifications.selectors import qualifications_expiring
from pharmcrm.web.desktop_cards import build_cards
from pharmcrm.web.views.common import web_view

DESKTOP_ROWS = 8


def _expiring(user, scope: str) -> list:
    qs = qualifications_expiring(user)
    if scope == plans_desktop.TEAM:
        qs = qs.filter(customer__owner_department_id__in=visibility.subtree_department_ids(user))
    else:
        qs = qs.filter(customer__owner_id=user.pk)
    return list(qs.filter(customer__deleted_at__isnull=True)[:DESKTOP_ROWS + 1])


@web_view
def desktop(request):
    user = request.user
    scope = plans_desktop.scope_of(user, request.GET.get("scope"))
    today = timezone.localdate()
    mine = customer_list(actor=user, filters=CustomerFilters(owner_id=user.pk, sort="recent"))
    visible = customer_list(actor=user)
    here = reverse("web:desktop") + (f"?{urlencode({'scope': scope})}" if scope == plans_desktop.TEAM else "")
    expiring = _expiring(user, scope)
    warnings = pool_warnings(actor=user, team=scope == plans_desktop.TEAM, limit=DESKTOP_ROWS)
    for c in warnings:
        c.pool_days = (c.pool_due.on - today).days if c.pool_due else None
    recent = list(mine[:DESKTOP_ROWS])
    plans = plans_desktop.followup_plans(actor=user, scope=scope, today=today)
    context = {
        "recent_customers": recent,
        "my_count": capped_count(mine),
        "visible_count": capped_count(visible),
        "team_view": user.is_head or user.is_admin,
        "scope": scope,
        "can_team": plans_desktop.may_use_team(user),
        "plans": plans,
        # the follow-up plan card for whoever works customers (not for finance owning none)
        "show_plans": bool(plans.due_count or plans.upcoming_count or recent or plans_desktop.may_use_team(user)),
        "back": urlencode({"next": here}),
        "pool_warnings": warnings,
        "expiring": expiring[:DESKTOP_ROWS],
        "expiring_more": len(expiring) > DESKTOP_ROWS,
        "occasions": contact_birthdays(actor=user, start=today, days=7, current_only=True)[:DESKTOP_ROWS],
        "today": today,
        "extra_cards": build_cards(user, scope, today),  # other areas' cards (web/desktop_cards.py)
    }
    return render(request, "web/desktop.html", context)
