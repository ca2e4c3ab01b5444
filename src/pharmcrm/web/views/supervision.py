"""Supervision pages (issue 5): 团队动态, the team activity feed of a head (who logged what,
per day, by person, department and channel, with an Excel export), and one subordinate's
interactions over any period. Read-only; heads only (anyone else, and any person outside the
head's subtree, gets the 404 page). Thin: activities.feed does the reading."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from pharmcrm.activities import feed
from pharmcrm.activities.models import Channel
from pharmcrm.web.export import _excel_safe, _save, header_sheet
from pharmcrm.web.forms_followups import DateInput
from pharmcrm.web.views.common import int_or_none, web_view
from pharmcrm.web.widgets import FastSelect

PAGE_SIZE = 50
MAX_PAGE = 200


class FeedFilterForm(forms.Form):
    """The feed's filter bar; every value lives in the URL, anything malformed is ignored."""

    person = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=FastSelect)
    department = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, widget=FastSelect)
    channel = forms.ChoiceField(required=False)
    day_from = forms.DateField(required=False, widget=DateInput())
    day_to = forms.DateField(required=False, widget=DateInput())

    def __init__(self, data, *, members=(), departments=(), with_people=True):
        super().__init__(data)
        if with_people:
            self.fields["person"].choices = [("", _("Everyone")), *[
                (u.pk, (u.full_name or u.username) + ("" if u.is_active else _(" (left)"))) for u in members]]
            self.fields["department"].choices = [("", _("All departments")), *[(d.pk, d.name) for d in departments]]
        else:
            del self.fields["person"], self.fields["department"]
        self.fields["channel"].choices = [("", _("All channels")), *Channel.choices]
        for name, field in self.fields.items():
            css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs["data-testid"] = f"filter-{name}"
        self.fields["day_from"].widget.attrs["aria-label"] = _("From")
        self.fields["day_to"].widget.attrs["aria-label"] = _("To")
        if "person" in self.fields:
            self.fields["person"].widget.attrs["aria-label"] = _("Person")
            self.fields["department"].widget.attrs["aria-label"] = _("Department")
        self.fields["channel"].widget.attrs["aria-label"] = _("Channel")

    def values(self) -> dict:
        self.is_valid()
        d = getattr(self, "cleaned_data", {})
        return {k: d.get(k) for k in ("person", "department", "channel", "day_from", "day_to")}


def _show_period(form: forms.Form, period: feed.Period) -> None:
    """The date inputs show the period actually used (the default one too)."""
    data = form.data.copy()
    data["day_from"], data["day_to"] = period.day_from.isoformat(), period.day_to.isoformat()
    form.data = data


def _params(v: dict, period: feed.Period) -> dict:
    return {"person": v.get("person") or "", "department": v.get("department") or "", "channel": v.get("channel") or "",
            "day_from": period.day_from.isoformat(), "day_to": period.day_to.isoformat()}


def _feed_query(request):
    user = request.user
    feed.require_supervisor(user)  # the 404 page, as for any page one may not see
    # the filter's choices and the summary's names: a whole company's people for a top head
    members = list(feed.team_members(user).select_related(None).only("pk", "full_name", "username", "is_active"))
    departments = list(feed.team_departments(user).only("pk", "name"))
    form = FeedFilterForm(request.GET, members=members, departments=departments)
    v = form.values()
    period = feed.Period.of(v["day_from"], v["day_to"])
    _show_period(form, period)
    filters = feed.FeedFilters(person_id=v["person"], department_id=v["department"], channel=v["channel"] or "",
                               period=period)
    return form, v, period, members, feed.team_feed(actor=user, filters=filters)


def _page_rows(request, qs):
    page = max(1, min(int_or_none(request.GET.get("page")) or 1, MAX_PAGE))
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE and page < MAX_PAGE
    return page, rows[:PAGE_SIZE], has_next


@web_view
def team_feed(request):
    form, v, period, members, qs = _feed_query(request)
    names = {u.pk: u.full_name or u.username for u in members}
    summary = feed.feed_summary(qs, period, names)
    page, rows, has_next = _page_rows(request, qs)
    params = _params(v, period)

    def url(n: int) -> str:
        return "?" + urlencode({k: val for k, val in {**params, "page": n if n > 1 else ""}.items() if val})

    return render(request, "web/supervision/feed.html", {
        "form": form, "period": period, "summary": summary, "days": feed.group_by_day(rows), "page": page,
        "prev_url": url(page - 1) if page > 1 else None, "next_url": url(page + 1) if has_next else None,
        "export_query": urlencode({k: val for k, val in params.items() if val}),
        "filtered": any(request.GET.get(k) for k in ("person", "department", "channel", "day_from", "day_to")),
        "period_query": urlencode({"day_from": params["day_from"], "day_to": params["day_to"]}),
        "today": timezone.localdate(),
    })


_COLUMNS = [
    (gettext_noop("Time"), 17), (gettext_noop("Person"), 10), (gettext_noop("Department"), 14),
    (gettext_noop("Channel"), 8), (gettext_noop("Customer"), 30), (gettext_noop("Content"), 60),
    (gettext_noop("Result"), 30), (gettext_noop("Next follow-up date"), 12), (gettext_noop("Next follow-up plan"), 40),
]


def feed_xlsx(qs, *, max_rows: int) -> tuple[bytes, int, bool]:
    wb, ws = header_sheet(_("Team activity"), _COLUMNS)
    n = 0
    for fu in qs[: max_rows + 1].iterator(chunk_size=2000):
        if n == max_rows:
            ws.append([])
            ws.append([_("Only the first %(n)s rows were exported. Narrow the filters to export the rest.")
                       % {"n": f"{max_rows:,}"}])
            return _save(wb), n, True
        ws.append([_excel_safe(v) for v in (
            timezone.localtime(fu.occurred_at).strftime("%Y-%m-%d %H:%M"), fu.author.full_name or fu.author.username,
            fu.author.department.name if fu.author.department else "", fu.get_channel_display(), fu.customer.name,
            fu.content, fu.result, fu.plan_date, fu.next_plan,
        )])
        n += 1
    return _save(wb), n, False


@web_view
def team_feed_export(request):
    _form, _v, _period, _members, qs = _feed_query(request)
    content, n, capped = feed_xlsx(qs, max_rows=settings.PHARMCRM["EXPORT_MAX_ROWS"])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="team-activity-{stamp}.xlsx"'
    response["X-Export-Rows"] = str(n)
    response["X-Export-Capped"] = "1" if capped else "0"
    return response


PERIOD_PRESETS = [(7, gettext_lazy("Last 7 days")), (30, gettext_lazy("Last 30 days")),
                  (90, gettext_lazy("Last 90 days"))]


@web_view
def person_interactions(request, user_id: int):
    member = feed.member_get(actor=request.user, user_id=user_id)
    form = FeedFilterForm(request.GET, with_people=False)
    v = form.values()
    period = feed.Period.of(v["day_from"], v["day_to"], default_days=30)
    _show_period(form, period)
    _m, qs = feed.person_interactions(actor=request.user, user_id=member.pk, period=period, channel=v["channel"] or "")
    # the per-channel counts are over the period, whatever the channel filter
    _m, all_channels = feed.person_interactions(actor=request.user, user_id=member.pk, period=period)
    counts = feed.channel_counts(all_channels)
    page, rows, has_next = _page_rows(request, qs)
    params = {"channel": v["channel"] or "", "day_from": period.day_from.isoformat(),
              "day_to": period.day_to.isoformat()}

    def url(n: int) -> str:
        return "?" + urlencode({k: val for k, val in {**params, "page": n if n > 1 else ""}.items() if val})

    today = timezone.localdate()
    presets = []
    for n, label in PERIOD_PRESETS:
        start = today - datetime.timedelta(days=n - 1)
        presets.append((label, "?" + urlencode({"day_from": start.isoformat(), "day_to": today.isoformat()}),
                        period.day_from == start and period.day_to == today))
    return render(request, "web/supervision/person.html", {
        "member": member, "form": form, "period": period, "days": feed.group_by_day(rows), "page": page,
        "channel_counts": [(code, str(label), counts.get(code, 0)) for code, label in Channel.choices],
        "total": sum(counts.values()), "presets": presets,
        "prev_url": url(page - 1) if page > 1 else None, "next_url": url(page + 1) if has_next else None,
        "feed_url_query": urlencode({"person": member.pk, "day_from": params["day_from"], "day_to": params["day_to"]}),
    })
