"""Who may do what with an order: pure functions shared by services, selectors and screens.

| action | from | who |
|---|---|---|
| create, edit lines | draft | whoever may write the customer; sales admins (商务内勤) |
| submit | draft | the same |
| approve / reject | submitted | finance |
| issue outbound | approved | warehouse |
| ship | outbound issued | warehouse |
| receive | shipped | whoever may write the customer; warehouse |
| cancel | draft, submitted | whoever may write the customer; sales admins |
| cancel | approved (before outbound) | finance |
Administrators may do everything. ``closed`` is set automatically by a later issue (payments
and invoicing) — no user action leads there yet.
"""

from __future__ import annotations

from pharmcrm.org.models import Role
from pharmcrm.sales.models import Status

EDIT, SUBMIT, APPROVE, REJECT, OUTBOUND, SHIP, RECEIVE, CANCEL = (
    "edit", "submit", "approve", "reject", "outbound", "ship", "receive", "cancel")
ACTIONS = (SUBMIT, APPROVE, REJECT, OUTBOUND, SHIP, RECEIVE, CANCEL)

# action -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    SUBMIT: {Status.DRAFT: Status.SUBMITTED},
    APPROVE: {Status.SUBMITTED: Status.APPROVED},
    REJECT: {Status.SUBMITTED: Status.DRAFT},
    OUTBOUND: {Status.APPROVED: Status.OUTBOUND},
    SHIP: {Status.OUTBOUND: Status.SHIPPED},
    RECEIVE: {Status.SHIPPED: Status.RECEIVED},
    CANCEL: {Status.DRAFT: Status.CANCELLED, Status.SUBMITTED: Status.CANCELLED,
             Status.APPROVED: Status.CANCELLED},
}

SELLER, FINANCE, WAREHOUSE = "seller", "finance", "warehouse"


def capacities(user, *, can_write_customer: bool) -> set[str]:
    """The capacities in which ``user`` acts on an order of a customer they may (not) write."""
    if not user.is_active:
        return set()
    roles = user.role_codes
    out = set()
    if user.is_admin:
        return {SELLER, FINANCE, WAREHOUSE}
    if can_write_customer or Role.SALES_ADMIN in roles:
        out.add(SELLER)
    if Role.FINANCE in roles:
        out.add(FINANCE)
    if Role.WAREHOUSE in roles:
        out.add(WAREHOUSE)
    return out


def who_may(action: str, status: str) -> set[str]:
    """The capacities that may apply ``action`` to an order in ``status`` (empty: illegal)."""
    if status not in TRANSITIONS.get(action, {}) and action != EDIT:
        return set()
    if action == EDIT:
        return {SELLER} if status == Status.DRAFT else set()
    if action == CANCEL:
        return {SELLER} if status in (Status.DRAFT, Status.SUBMITTED) else {FINANCE}
    return {SUBMIT: {SELLER}, APPROVE: {FINANCE}, REJECT: {FINANCE}, OUTBOUND: {WAREHOUSE},
            SHIP: {WAREHOUSE}, RECEIVE: {SELLER, WAREHOUSE}}[action]


def allowed(action: str, status: str, caps: set[str]) -> bool:
    return bool(who_may(action, status) & caps)


def allowed_actions(status: str, caps: set[str]) -> list[str]:
    return [a for a in (EDIT, *ACTIONS) if allowed(a, status, caps)]
