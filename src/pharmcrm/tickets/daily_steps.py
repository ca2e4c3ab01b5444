"""The daily job's ticket step: overdue tickets notify their assignee and the nearest heads above
the assignee (of their department, or the first department up that has a head other than the
assignee; those of them who can see the customer), once per ticket and due time
(key ``ticket-overdue:<ticket>:<due_at iso>``): a second run the same day notifies nobody, and a
ticket reopened with a new due time notifies again when that one passes."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from pharmcrm.core.daily import daily_step
from pharmcrm.notifications.services import notify
from pharmcrm.org import visibility
from pharmcrm.org.models import DepartmentClosure, DepartmentHead, User
from pharmcrm.tickets.models import ACTIVE_STATUSES, Ticket
from pharmcrm.tickets.services import ticket_url

BATCH = 2000


def overdue_notify(*, now: datetime.datetime | None = None) -> int:
    """Notify about every overdue ticket; returns the number of tickets considered."""
    now = now or timezone.now()
    tickets = list(Ticket.objects.filter(status__in=ACTIVE_STATUSES, due_at__lt=now)
                   .select_related("customer", "assignee").order_by("due_at", "id")[:BATCH])
    if not tickets:
        return 0
    dept_ids = {t.assignee.department_id for t in tickets if t.assignee.department_id}
    # each department's chain upwards (itself first), and who heads each department on it
    chain: dict[int, list[int]] = {}
    for d, a in (DepartmentClosure.objects.filter(descendant_id__in=dept_ids).order_by("descendant_id", "depth")
                 .values_list("descendant_id", "ancestor_id")):
        chain.setdefault(d, []).append(a)
    heads_at: dict[int, set[int]] = {}
    for d, u in (DepartmentHead.objects.filter(department_id__in={a for c in chain.values() for a in c},
                                               user__is_active=True)
                 .values_list("department_id", "user_id")):
        heads_at.setdefault(d, set()).add(u)

    def heads_of(user: User) -> set[int]:
        """The nearest heads above ``user``: of their own department, or the first one up with a
        head other than themselves."""
        for dept in chain.get(user.department_id, ()):
            heads = heads_at.get(dept, set()) - {user.pk}
            if heads:
                return heads
        return set()

    head_ids = {h for t in tickets for h in heads_of(t.assignee)}
    customer_ids = {t.customer_id for t in tickets}
    # the params name the customer: only people who can (still) see it are told — an assignee
    # whose customer was transferred away since is not
    sees: dict[int, set[int]] = {}
    for user in User.objects.filter(pk__in=head_ids | {t.assignee_id for t in tickets}, is_active=True):
        sees[user.pk] = set(visibility.visible_customers(user).filter(pk__in=customer_ids)
                            .values_list("id", flat=True))
    for t in tickets:
        recipients = {u for u in (t.assignee_id, *heads_of(t.assignee))
                      if t.customer_id in sees.get(u, ())}
        if not recipients:
            continue
        notify(recipients=sorted(recipients), kind="ticket_overdue",
               params={"number": t.number, "title": t.title, "customer": t.customer.name,
                       "assignee": t.assignee.full_name or t.assignee.username,
                       "due_at": t.due_at.isoformat()},
               link=ticket_url(t), key=f"ticket-overdue:{t.pk}:{t.due_at.isoformat()}")
    return len(tickets)


@daily_step("tickets", order=40, label=gettext_lazy("Service tickets: overdue tickets notify assignees and heads"))
def tickets_step(day: datetime.date) -> str:
    return gettext("%(n)d overdue ticket(s) notified") % {"n": overdue_notify()}
