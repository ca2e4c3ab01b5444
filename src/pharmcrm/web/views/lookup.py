"""JSON look-ups behind the remote selects (``<select data-remote-options>`` in app.js)."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _

from pharmcrm.org.selectors import USER_LOOKUP_MAX, user_lookup
from pharmcrm.web.views.common import int_or_none, web_view


def user_label(u) -> str:
    label = u.full_name or u.username
    if u.department_id:
        label += f" · {u.department.name}"
    if not u.is_active:
        label += " " + _("(deactivated)")
    return label


@web_view
def user_lookup_view(request):
    """GET ?q=&limit=20[&scope=all][&active=1] -> [{"id", "label"}], at most 20.

    Default scope: the users the requester supervises (``users_in_scope``); ``scope=all``: any
    active user (share targets). ``exclude`` drops one id (e.g. the customer's owner)."""
    users = user_lookup(
        actor=request.user,
        q=request.GET.get("q", ""),
        scope="all" if request.GET.get("scope") == "all" else "",
        active_only=request.GET.get("active") == "1",
        limit=int_or_none(request.GET.get("limit")) or USER_LOOKUP_MAX,
    )
    exclude = int_or_none(request.GET.get("exclude"))
    data = [{"id": u.pk, "label": user_label(u)} for u in users if u.pk != exclude]
    return JsonResponse(data, safe=False)
