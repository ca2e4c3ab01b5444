"""The public pool on the customer page: ``{% pool_state customer perms as pool %}`` gives what the
header shows (in the pool or not, when the customer is due back, the actions this user may take)
with at most one query (the last release, for pool customers only)."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def pool_state(context, customer, perms) -> dict:
    from pharmcrm.customers import pool
    from pharmcrm.customers.pool_services import last_release, may_claim

    user = context["request"].user
    policy = pool.policy_get()
    today = pool.today()
    state = {"in_pool": customer.owner_id is None, "policy": policy, "due": None, "due_in": None,
             "reclaim_from": None, "previous": None}
    if state["in_pool"]:
        state["can_claim"] = may_claim(user)
        state["can_assign"] = bool(perms.get("manage"))
        previous = last_release(customer.pk)
        state["previous"] = previous
        if previous is not None and previous.from_user_id == user.pk:
            allowed = pool.reclaim_allowed_on(policy, previous.at)
            state["reclaim_from"] = allowed if today < allowed else None
    else:
        state["can_release"] = bool(perms.get("manage"))
        state["can_exempt"] = bool(perms.get("transfer"))  # heads above the owner, administrators
        if policy.auto_recycle and not customer.pool_exempt and customer.owner_department_id:
            due = pool.due_of(policy, customer)
            if due is not None:
                state["due"] = due
                state["due_in"] = max((due.on - today).days, 0)
                state["due_soon"] = due.on - datetime.timedelta(days=policy.warning_days) <= today
    return state
