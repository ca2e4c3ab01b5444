"""Events of other areas that notify someone. Registered from ``NotificationsConfig.ready()``
on the listener lists those areas offer, so they never import this app. Every listener runs
after the change has committed.

What a notification names is chosen here for its recipient: a link they may open, and no
customer name they could not see.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from pharmcrm.customers.conflict_models import CustomerConflict
from pharmcrm.customers.models import Customer, CustomerShare, TransferLog
from pharmcrm.notifications.models import NotificationKind
from pharmcrm.notifications.services import notify
from pharmcrm.org.models import DepartmentHead, Role, ShareGroupMember, User


def register() -> None:
    """Add the listeners (once: calling again adds nothing)."""
    from pharmcrm.customers import conflicts, services

    for listeners, fn in ((services.share_listeners, on_share), (services.transfer_listeners, on_transfer),
                          (conflicts.conflict_listeners, on_conflict)):
        if fn not in listeners:
            listeners.append(fn)


def _customer_link(customer_id: int) -> str:
    return reverse("web:customer_detail", args=[customer_id])


# --- customers shared and transferred --------------------------------------------------------

def on_share(actor: User, share: CustomerShare) -> None:
    """A new share: the user, or every member of the share group (they all see the customer now)."""
    if share.user_id:
        recipients = [share.user_id]
        group = ""
    else:
        recipients = list(ShareGroupMember.objects.filter(group_id=share.group_id).values_list("user_id", flat=True))
        group = share.group.name
    notify(recipients=recipients, kind=NotificationKind.CUSTOMER_SHARED, actor=actor,
           params={"customer": share.customer.name, "access": share.access, "group": group},
           link=_customer_link(share.customer_id), key=f"share:{share.pk}")


def on_transfer(actor: User, log: TransferLog, received: dict[int, list[int]]) -> None:
    """One notification per transfer and successor: "N customers transferred to you by X"."""
    for user_id, customer_ids in received.items():
        params: dict = {"count": len(customer_ids)}
        if len(customer_ids) == 1:
            params["customer"] = Customer.objects.filter(pk=customer_ids[0]).values_list("name", flat=True).first()
            link = _customer_link(customer_ids[0])
        else:
            link = reverse("web:customer_list") + "?" + urlencode({"owner": user_id})
        notify(recipients=[user_id], kind=NotificationKind.CUSTOMER_TRANSFERRED, actor=actor, params=params,
               link=link, key=f"transfer:{log.pk}")


# --- duplicate conflicts -------------------------------------------------------------------

def conflict_arbiters(conflict: CustomerConflict) -> list[User]:
    """Who is asked to decide: the active heads of the arbitrating department, or, when there is
    none, the active administrators; never the claimant or the owner."""
    exclude = {conflict.claimant_id, conflict.customer.owner_id}
    if conflict.arbiter_department_id:
        ids = DepartmentHead.objects.filter(department_id=conflict.arbiter_department_id).values("user_id")
        qs = User.objects.filter(pk__in=ids)
    else:
        qs = User.objects.filter(Q(roles__role=Role.ADMIN) | Q(is_superuser=True)).distinct()
    return list(qs.filter(is_active=True).exclude(pk__in=[i for i in exclude if i]).order_by("pk"))


def on_conflict(event: str, conflict: CustomerConflict) -> None:
    from pharmcrm.customers.conflict_selectors import conflict_sides

    conflict = (CustomerConflict.objects.select_related("customer", "claimant", "decided_by", "claimant_customer")
                .get(pk=conflict.pk))
    link = reverse("web:conflict_detail", args=[conflict.pk])
    if event == "raised":
        seeing, blind = [], []
        for arbiter in conflict_arbiters(conflict):
            (seeing if conflict_sides(actor=arbiter, conflict=conflict).existing else blind).append(arbiter)
        key = f"conflict:{conflict.pk}:raised"
        if seeing:
            notify(recipients=seeing, kind=NotificationKind.CONFLICT_RAISED, actor=conflict.claimant, link=link,
                   params={"customer": conflict.customer.name}, key=key)
        if blind:  # (a head above sees the owner's customers; kept safe should that ever change)
            notify(recipients=blind, kind=NotificationKind.CONFLICT_RAISED, actor=conflict.claimant, link=link,
                   params={}, key=key)
    elif event == "decided":
        side = conflict_sides(actor=conflict.claimant, conflict=conflict)
        # the existing customer's name only if the claimant sees it now; otherwise what they typed
        name = side.existing.name if side.existing else conflict.data.get("name", "")
        notify(recipients=[conflict.claimant_id], kind=NotificationKind.CONFLICT_DECIDED, actor=conflict.decided_by,
               link=link, params={"customer": name, "status": conflict.status}, key=f"conflict:{conflict.pk}:decided")
