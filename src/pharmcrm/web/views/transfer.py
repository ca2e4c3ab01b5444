"""The transfer screen: all of one user's customers to one successor, or a selection split
among several successors. Heads (for their subtree) and administrators only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers import services
from pharmcrm.customers.selectors import CustomerFilters, customer_list
from pharmcrm.org import visibility
from pharmcrm.web.forms import TransferOptionsForm
from pharmcrm.web.views.common import apply_errors, int_list, int_or_none, web_view

MAX_SELECTED = 1000


class TransferAllForm(forms.Form):
    from_user = forms.TypedChoiceField(label=gettext_lazy("Customers of"), coerce=int)
    to_user = forms.TypedChoiceField(label=gettext_lazy("Successor"), coerce=int)

    def __init__(self, *args, users, successors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].choices = [("", gettext_lazy("Choose the current owner"))] + [
            (str(u.pk), _user_label(u)) for u in users
        ]
        self.fields["to_user"].choices = [("", gettext_lazy("Choose the successor"))] + [
            (str(u.pk), _user_label(u)) for u in successors
        ]
        lookup = reverse("web:user_lookup")
        self.fields["from_user"].widget.attrs.update({"class": "form-select", "data-remote-options": lookup})
        self.fields["to_user"].widget.attrs.update({"class": "form-select",
                                                    "data-remote-options": lookup + "?active=1"})

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            self.add_error("to_user", _("The successor must be someone else."))
        return data


def _user_label(u) -> str:
    label = u.full_name
    if u.department_id:
        label += f" · {u.department.name}"
    if not u.is_active:
        label += " " + _("(deactivated)")
    return label


def _transferable(actor, ids: list[int]):
    """The selected customers ``actor`` may transfer, in list order (what the service accepts)."""
    qs = customer_list(actor=actor, filters=CustomerFilters(sort="name")).filter(pk__in=ids)
    return list(qs.filter(pk__in=visibility.transferable_customers(actor).filter(pk__in=ids).values("pk")))


def _summary(groups: list[tuple[object, int]]) -> list[str]:
    return [
        ngettext(
            "Transfer %(n)s customer and all its follow-up records to %(name)s.",
            "Transfer %(n)s customers and all their follow-up records to %(name)s.",
            n,
        ) % {"n": f"{n:,}", "name": user.full_name}
        for user, n in groups
    ]


@web_view
def customer_transfer(request):
    actor = request.user
    if not (actor.is_admin or actor.is_head):
        raise PermissionDenied(_("Only department heads and administrators may transfer customers."))
    data = request.POST if request.method == "POST" else request.GET
    ids = int_list(data.getlist("ids"))[:MAX_SELECTED]
    mode = data.get("mode") or ("selected" if ids else "all")
    if mode not in ("all", "selected"):
        mode = "all"
    selected = _transferable(actor, ids) if mode == "selected" else []
    skipped = len(ids) - len(selected) if mode == "selected" else 0
    default_to = int_or_none(data.get("to_all"))
    rows = [{"customer": c, "to": int_or_none(data.get(f"to_{c.pk}")) or default_to} for c in selected]
    # The selects hold only the chosen users (the rest are looked up as the user types, web:user_lookup);
    # every chosen id is checked against users_in_scope in one query.
    chosen = {int_or_none(data.get("from_user")), int_or_none(data.get("to_user")), default_to}
    chosen.update(r["to"] for r in rows)
    chosen.discard(None)
    scope = list(
        visibility.users_in_scope(actor).filter(pk__in=chosen).select_related("department")
        .order_by("-is_active", "full_name", "id")
    ) if chosen else []
    successors = [u for u in scope if u.is_active]
    by_id = {u.pk: u for u in scope}
    bound = request.method == "POST"
    options = TransferOptionsForm(request.POST if bound else None)
    all_form = TransferAllForm(request.POST if bound and mode == "all" else None, users=scope,
                               successors=successors, initial={"from_user": int_or_none(data.get("from_user"))})
    errors: list[str] = []
    summary: list[str] = []
    confirm_needed = False

    if bound:
        options_ok = options.is_valid()
        assignments: list[services.TransferAssignment] = []
        if mode == "all":
            if all_form.is_valid() and options_ok:
                from_id, to_id = all_form.cleaned_data["from_user"], all_form.cleaned_data["to_user"]
                n = customer_list(actor=actor, filters=CustomerFilters(owner_id=from_id)).count()
                if n == 0:
                    all_form.add_error("from_user", _("%(name)s owns no customers.") % {"name": by_id[from_id].full_name})
                else:
                    summary = _summary([(by_id[to_id], n)])
        else:
            if not selected:
                errors.append(_("Choose at least one customer to transfer."))
            groups: dict[int, list[int]] = {}
            for row in rows:
                if row["to"] not in {u.pk for u in successors}:
                    row["error"] = _("Choose the successor.")
                else:
                    groups.setdefault(row["to"], []).append(row["customer"].pk)
            if selected and not any("error" in r for r in rows) and options_ok:
                assignments = [services.TransferAssignment(cids, uid) for uid, cids in groups.items()]
                summary = _summary([(by_id[uid], len(cids)) for uid, cids in groups.items()])
        if summary and request.POST.get("confirm") == "1":
            keep, reason = options.cleaned_data["keep_shares"], options.cleaned_data["reason"]
            try:
                if mode == "all":
                    log = services.customer_transfer_all(
                        actor=actor, from_user_id=all_form.cleaned_data["from_user"],
                        to_user_id=all_form.cleaned_data["to_user"], keep_shares=keep, reason=reason)
                    moved = log.customer_count if log else 0
                else:
                    log = services.customer_transfer(actor=actor, assignments=assignments, keep_shares=keep,
                                                     reason=reason)
                    moved = log.customer_count
            except ApplicationError as exc:
                apply_errors(all_form if mode == "all" else options, exc,
                             {"to_user_id": "to_user", "customer_ids": None})
                summary = []
            else:
                messages.success(request, ngettext("%(n)s customer transferred.", "%(n)s customers transferred.",
                                                   moved) % {"n": f"{moved:,}"})
                return redirect(reverse("web:customer_list"))
        elif summary:
            confirm_needed = True

    return render(request, "web/customers/transfer.html", {
        "mode": mode,
        "ids": [c.pk for c in selected],
        "rows": rows,
        "skipped": skipped,
        "successors": successors,
        "default_to": default_to,
        "all_form": all_form,
        "options": options,
        "errors": errors,
        "summary": summary,
        "confirm_needed": confirm_needed,
    }, status=400 if bound and not confirm_needed and not summary else 200)
