"""Settings: share groups (named sets of users that customers can be shared with)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.org import services
from pharmcrm.org.models import ShareGroup
from pharmcrm.org.selectors import active_users, share_group_list
from pharmcrm.web.forms_settings import ShareGroupForm
from pharmcrm.web.views.common import apply_errors
from pharmcrm.web.views.settings_common import INVALID, admin_view, audit_rows, posted, settings_crumbs


def _crumbs(request, *items):
    return settings_crumbs(request, (_("Share groups"), reverse("web:settings_share_groups")), *items)


def _group(group_id: int) -> ShareGroup:
    group = share_group_list().filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("Share group not found."))
    return group


def _candidates(group: ShareGroup | None) -> list:
    """Active users, plus deactivated users who are still members (so saving keeps them)."""
    users = list(active_users())
    if group is not None:
        users += list(group.members.filter(is_active=False).select_related("department"))
    return users


@admin_view
def share_groups(request: HttpRequest) -> HttpResponse:
    groups = list(share_group_list().prefetch_related("members"))
    context = {"crumbs": settings_crumbs(request, (_("Share groups"), None)), "groups": groups}
    return render(request, "web/settings/share_groups.html", context)


def _save(request: HttpRequest, group: ShareGroup | None) -> HttpResponse:
    initial = {}
    if group is not None:
        initial = {"name": group.name, "description": group.description,
                   "members": list(group.members.values_list("pk", flat=True))}
    form = ShareGroupForm(posted(request), users=_candidates(group), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.share_group_save(
                actor=request.user, name=data["name"], description=data["description"],
                member_ids=data["members"], group_id=group.pk if group else None,
            )
        except ApplicationError as exc:
            apply_errors(form, exc, ShareGroupForm.ERROR_MAP)
        else:
            messages.success(request, _("Share group “%(name)s” saved.") % {"name": saved.name})
            return redirect("web:settings_share_groups")
    if group is None:
        crumbs = _crumbs(request, (_("New share group"), None))
        history = []
    else:
        crumbs = _crumbs(request, (group.name, None))
        history = audit_rows(target_type="sharegroup", target_id=group.pk)
    context = {"crumbs": crumbs, "form": form, "group": group, "history": history}
    status = INVALID if request.method == "POST" else 200
    return render(request, "web/settings/share_group_form.html", context, status=status)


@admin_view
@require_http_methods(["GET", "POST"])
def share_group_new(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@admin_view
@require_http_methods(["GET", "POST"])
def share_group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    return _save(request, _group(group_id))


@admin_view
@require_http_methods(["GET", "POST"])
def share_group_delete(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(group_id)
    if request.method == "POST":
        services.share_group_delete(actor=request.user, group_id=group.pk)
        messages.success(request, _("Share group “%(name)s” deleted.") % {"name": group.name})
        return redirect("web:settings_share_groups")
    context = {
        "crumbs": _crumbs(request, (group.name, reverse("web:settings_share_group_edit", args=[group.pk])),
                          (_("Delete"), None)),
        "group": group,
        "share_count": group.customer_shares.count(),
    }
    return render(request, "web/settings/share_group_delete.html", context)
