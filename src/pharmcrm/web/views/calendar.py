"""跟进日历: planned follow-ups on a month (default) or week grid, mine or (heads) my team's
(activities.calendar), prev / next / today; an entry opens the log-follow-up form for its
customer and can be dragged to another day (static/web/calendar.js POSTs the reschedule) or
moved with its small date form (keyboard, phone, no JavaScript)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pharmcrm.activities import services
from pharmcrm.activities.calendar import MONTH, WEEK, calendar_plans, month_grid, week_of
from pharmcrm.activities.desktop import TEAM, may_use_team, scope_of
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.web.views.common import web_view
from pharmcrm.web.views.contacts import safe_next


def _anchor(value: str | None, today: datetime.date) -> datetime.date:
    try:
        day = parse_date(value or "")
    except ValueError:
        day = None
    if day is None or not (datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31)):
        return today
    return day


def _shift_month(day: datetime.date, n: int) -> datetime.date:
    m = day.month - 1 + n
    return datetime.date(day.year + m // 12, m % 12 + 1, 1)


@web_view
def calendar_view(request):
    user = request.user
    today = timezone.localdate()
    view = WEEK if request.GET.get("view") == WEEK else MONTH
    scope = scope_of(user, request.GET.get("scope"))
    anchor = _anchor(request.GET.get("date"), today)
    if view == WEEK:
        days = week_of(anchor)
        weeks = [days]
        prev_day, next_day = anchor - datetime.timedelta(days=7), anchor + datetime.timedelta(days=7)
        title = _("%(start)s – %(end)s") % {"start": days[0].strftime("%Y-%m-%d"), "end": days[-1].strftime("%m-%d")}
    else:
        weeks = month_grid(anchor.year, anchor.month)
        prev_day, next_day = _shift_month(anchor, -1), _shift_month(anchor, 1)
        title = _("%(y)d-%(m)02d") % {"y": anchor.year, "m": anchor.month}
    start, end = weeks[0][0], weeks[-1][-1]
    plans = calendar_plans(actor=user, start=start, end=end, scope=scope, today=today)
    by_day = plans.by_day()

    def url(**kw) -> str:
        params = {"view": view if view == WEEK else "", "scope": scope if scope == TEAM else "", **kw}
        return reverse("web:calendar") + "?" + urlencode({k: v for k, v in params.items() if v})

    here = url(date=anchor.isoformat() if anchor != today else "")
    grid = [[{"day": d, "entries": by_day.get(d, []), "today": d == today, "past": d < today,
              "other_month": view == MONTH and d.month != anchor.month} for d in week] for week in weeks]
    return render(request, "web/calendar/calendar.html", {
        "view": view, "scope": scope, "can_team": may_use_team(user), "title": title, "grid": grid,
        "plans": plans, "today": today, "anchor": anchor,
        "prev_url": url(date=prev_day.isoformat()), "next_url": url(date=next_day.isoformat()), "today_url": url(),
        "month_url": url(view="", date=anchor.isoformat()) if view == WEEK else None,
        "week_url": url(view=WEEK, date=anchor.isoformat()) if view == MONTH else None,
        "mine_url": reverse("web:calendar") + "?" + urlencode({k: v for k, v in {
            "view": view if view == WEEK else "", "date": anchor.isoformat()}.items() if v}),
        "team_url": reverse("web:calendar") + "?" + urlencode({k: v for k, v in {
            "view": view if view == WEEK else "", "scope": TEAM, "date": anchor.isoformat()}.items() if v}),
        "back": urlencode({"next": here}), "here": here,
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "overdue_count": sum(1 for e in plans.entries if e.overdue_days),
        "total": len(plans.entries) + plans.more,
    })


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@web_view
@require_POST
def plan_reschedule(request, customer_id: int):
    """Move a customer's plan (drag and drop: JSON; the date form: back to the calendar)."""
    back = safe_next(request, reverse("web:calendar"))
    try:
        fu = services.plan_reschedule(actor=request.user, customer_id=customer_id,
                                      new_date=request.POST.get("new_date", ""))
    except NotFound:
        raise
    except (ApplicationError, PermissionDenied) as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 400
        message = str(getattr(exc, "message", "") or exc)
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": message}, status=status)
        messages.error(request, message)
        return redirect(back)
    day = fu.plan_date
    text = _("Plan moved to %(d)s.") % {"d": day.isoformat()}
    if _wants_json(request):
        return JsonResponse({"ok": True, "date": day.isoformat(), "message": text})
    messages.success(request, text)
    return redirect(back)
