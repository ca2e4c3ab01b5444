"""The notification centre (/notifications/): my notifications, newest first, unread or all;
opening one marks it read and goes to its link; "mark all read". Thin: notifications.selectors
and services do the work (a user only ever reaches their own)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pharmcrm.notifications import selectors, services
from pharmcrm.notifications.render import notification_icon
from pharmcrm.web.views.common import int_or_none, web_view

PAGE_SIZE = 20
MAX_PAGE = 10_000


def _show(value) -> str:
    return "unread" if value == "unread" else "all"


@require_GET
@web_view
def notification_list(request):
    show = _show(request.GET.get("show"))
    qs = selectors.notification_list(actor=request.user, unread_only=show == "unread")
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    for n in rows:
        n.icon = notification_icon(n)

    def url(n: int, show=show) -> str:
        params = {"show": show if show != "all" else "", "page": n if n > 1 else ""}
        query = urlencode({k: v for k, v in params.items() if v})
        return "?" + query if query else request.path

    return render(request, "web/notifications/list.html", {
        "notifications": rows, "show": show, "page": page,
        "show_urls": [("all", _("All"), url(1, "all")), ("unread", _("Unread"), url(1, "unread"))],
        "prev_url": url(page - 1) if page > 1 else None, "next_url": url(page + 1) if has_next else None,
        "back": request.get_full_path(),
    })


def _back(request) -> str:
    back = request.POST.get("next") or ""
    if back.startswith("/notifications/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return back
    return "web:notification_list"


@require_POST
@web_view
def notification_open(request, notification_id: int):
    """Mark it read and go to its link (a path on this site only), or back to the list."""
    n = services.notification_mark_read(actor=request.user, notification_id=notification_id)
    link = services.safe_link(n.link)
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return redirect(link)
    return redirect(_back(request))


@require_POST
@web_view
def notification_read_all(request):
    n = services.notifications_mark_all_read(actor=request.user)
    if n:
        messages.success(request, _("All notifications marked as read."))
    return redirect(_back(request))
