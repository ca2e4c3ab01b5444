"""Where payments plug into other areas (called from ``PaymentsConfig.ready()``): the
notification kind "my order is fully paid", the return orders' release of overpaid money, customer merges (payments move to the surviving
customer), My Desktop's card of payment plans due, and the labels of payment audit events in
the customer's history."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

ACTION_LABELS = {
    "payment_record": gettext_noop("Payment recorded"),
    "payment_allocate": gettext_noop("Payment allocated"),
    "payment_release": gettext_noop("Payment allocation released"),
    "payment_cancel": gettext_noop("Payment cancelled"),
    "payment_plan_set": gettext_noop("Payment plan set"),
}


def render_paid(n) -> str:
    p = n.params
    return _("The order %(number)s (%(customer)s, ¥%(amount)s) is fully paid.") % {
        "number": p.get("number", ""), "customer": p.get("customer", ""), "amount": p.get("amount", "")}


def register() -> None:
    from pharmcrm.customers import merge
    from pharmcrm.notifications.kinds import register_kind

    register_kind("payment_order_paid", gettext_lazy("My order fully paid"), render_paid, icon="bi-cash-coin")
    merge.HANDLERS.setdefault("payments.Payment.customer", merge.move_all)

    from pharmcrm.payments.services import release_for_return
    from pharmcrm.sales import returns

    if release_for_return not in returns.excess_payment_handlers:
        returns.excess_payment_handlers.append(release_for_return)

    from pharmcrm.web.desktop_cards import register_card
    from pharmcrm.web.views import customers

    register_card("payment_plans", order=16, template="web/payments/_desktop_card.html",
                  build="pharmcrm.payments.desktop:plans_card")
    for action, label in ACTION_LABELS.items():
        customers.ACTION_LABELS.setdefault(action, label)
