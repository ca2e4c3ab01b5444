"""The daily job's ticket step: overdue tickets notify their assignee and the heads of the
assignee's department (those of them who can see the customer), once per ticket and due time
(key ``ticket-overdue:<ticket>:<due_at iso>``): a second run the same day notifies nobody, and a
ticket reopened with a new due time notifies again when that one passes."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy

from pharmcrm.core.daily import daily_step
from pharmcrm.notifications.services import notify
from pharmcrm.org import visibility
from pharmcrm.org.models import DepartmentHead, User
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
    heads_of: dict[int, set[int]] = {}
    for d, u in DepartmentHead.objects.filter(department_id__in=dept_ids).values_list("department_id", "user_id"):
        heads_of.setdefault(d, set()).add(u)
    head_ids = set().union(*heads_of.values()) if heads_of else set()
    customer_ids = {t.customer_id for t in tickets}
    sees: dict[int, set[int]] = {}
    for head in User.objects.filter(pk__in=head_ids, is_active=True):
        sees[head.pk] = set(visibility.visible_customers(head).filter(pk__in=customer_ids)
                            .values_list("id", flat=True))
    for t in tickets:
        heads = {h for h in heads_of.get(t.assignee.department_id, ()) if t.customer_id in sees.get(h, ())}
        notify(recipients=[t.assignee_id, *sorted(heads)], kind="ticket_overdue",
               params={"number": t.number, "title": t.title, "customer": t.customer.name,
                       "assignee": t.assignee.full_name or t.assignee.username,
                       "due_at": t.due_at.isoformat()},
               link=ticket_url(t), key=f"ticket-overdue:{t.pk}:{t.due_at.isoformat()}")
    return len(tickets)


@daily_step("tickets", order=40, label=gettext_lazy("Service tickets: overdue tickets notify assignees and heads"))
def tickets_step(day: datetime.date) -> str:
    return f"{overdue_notify()} overdue"
