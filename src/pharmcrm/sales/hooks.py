"""Where sales orders plug into other areas (called from ``SalesConfig.ready()``): notification
kinds, customer merges (orders and terms move to the surviving customer), My Desktop's card,
the customer page's 订单 tab and the labels of order audit events in the customer's history."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

ACTION_LABELS = {
    "order_create": gettext_noop("Order created"),
    "order_update": gettext_noop("Order edited"),
    "order_submit": gettext_noop("Order submitted"),
    "order_approve": gettext_noop("Order approved"),
    "order_reject": gettext_noop("Order rejected"),
    "order_cancel": gettext_noop("Order cancelled"),
    "order_outbound": gettext_noop("Order outbound issued"),
    "order_ship": gettext_noop("Order shipped"),
    "order_receive": gettext_noop("Order received"),
    "order_price_exception": gettext_noop("Price exception requested"),
    "order_price_exception_decide": gettext_noop("Price exception decided"),
    "sales_terms_update": gettext_noop("Credit terms changed"),
    "order_return_request": gettext_noop("Return requested"),
    "order_return_approve": gettext_noop("Return approved"),
    "order_return_reject": gettext_noop("Return rejected"),
    "order_return_withdraw": gettext_noop("Return withdrawn"),
    "order_return_receive": gettext_noop("Returned goods received"),
    "order_closed": gettext_noop("Order closed (paid and invoiced)"),
    "order_attachment": gettext_noop("File added to an order"),
    "order_reopened": gettext_noop("Order reopened"),
}


def _actor(n) -> str:
    return str(n.actor) if n.actor_id and n.actor else _("The system")


def _p(n) -> dict:
    p = n.params
    return {"actor": _actor(n), "number": p.get("number", ""), "customer": p.get("customer", ""),
            "amount": p.get("amount", ""), "reason": p.get("reason", ""), "product": p.get("product", ""),
            "price": p.get("price", ""), "carrier": p.get("carrier", ""), "tracking_no": p.get("tracking_no", ""),
            "return": p.get("return", "")}


def render_submitted(n) -> str:
    return _("%(actor)s submitted the order %(number)s (%(customer)s, ¥%(amount)s) for finance review.") % _p(n)


def render_approved(n) -> str:
    return _("%(actor)s approved the order %(number)s (%(customer)s): it waits for outbound.") % _p(n)


def render_rejected(n) -> str:
    return _("%(actor)s rejected the order %(number)s (%(customer)s): %(reason)s") % _p(n)


def render_shipped(n) -> str:
    return _("The order %(number)s (%(customer)s) was shipped: %(carrier)s %(tracking_no)s.") % _p(n)


def render_cancelled(n) -> str:
    return _("%(actor)s cancelled the approved order %(number)s (%(customer)s): %(reason)s") % _p(n)


def render_exception(n) -> str:
    return _("%(actor)s asks for a price exception on the order %(number)s (%(customer)s): %(product)s at "
             "¥%(price)s, below the floor price.") % _p(n)


def render_exception_decided(n) -> str:
    key = "approved" if n.params.get("state") == "approved" else "refused"
    msg = (_("%(actor)s approved the price exception for %(product)s on the order %(number)s.") if key == "approved"
           else _("%(actor)s refused the price exception for %(product)s on the order %(number)s."))
    return msg % _p(n)


def render_return_requested(n) -> str:
    return _("%(actor)s requests the return %(return)s of the order %(number)s (%(customer)s, ¥%(amount)s): "
             "%(reason)s") % _p(n)


def render_return_approved(n) -> str:
    return _("%(actor)s approved the return %(return)s of the order %(number)s (%(customer)s): the goods are "
             "coming back.") % _p(n)


def render_return_rejected(n) -> str:
    return _("%(actor)s rejected the return %(return)s of the order %(number)s: %(reason)s") % _p(n)


def register() -> None:
    from pharmcrm.customers import merge
    from pharmcrm.notifications.kinds import register_kind

    register_kind("order_submitted", gettext_lazy("Order waiting for finance review"), render_submitted,
                  icon="bi-cart-check")
    register_kind("order_approved", gettext_lazy("Order waiting for outbound"), render_approved, icon="bi-box-seam")
    register_kind("order_rejected", gettext_lazy("My order rejected"), render_rejected, icon="bi-cart-x")
    register_kind("order_shipped", gettext_lazy("My order shipped"), render_shipped, icon="bi-truck")
    register_kind("order_cancelled", gettext_lazy("Approved order cancelled"), render_cancelled, icon="bi-x-circle")
    register_kind("order_price_exception", gettext_lazy("Price exception to decide"), render_exception,
                  icon="bi-tag")
    register_kind("order_price_exception_decided", gettext_lazy("My price exception decided"),
                  render_exception_decided, icon="bi-tag")
    register_kind("return_requested", gettext_lazy("Return waiting for review"), render_return_requested,
                  icon="bi-arrow-return-left")
    register_kind("return_approved", gettext_lazy("Returned goods to receive"), render_return_approved,
                  icon="bi-box-arrow-in-down")
    register_kind("return_rejected", gettext_lazy("My return request rejected"), render_return_rejected,
                  icon="bi-arrow-return-left")
    merge.HANDLERS.setdefault("sales.SalesOrder.customer", merge.move_all)

    from pharmcrm.web import customer_tabs
    from pharmcrm.web.desktop_cards import register_card
    from pharmcrm.web.views import customers

    register_card("orders", order=15, template="web/orders/_desktop_card.html",
                  build="pharmcrm.sales.desktop:waiting_card")
    if not any(t.key == "orders" for t in customer_tabs.TABS):
        keys = [t.key for t in customer_tabs.TABS]
        at = keys.index("followups") + 1 if "followups" in keys else len(keys)
        customer_tabs.TABS.insert(at, customer_tabs.CustomerTab(
            "orders", gettext_lazy("Orders"), "web/orders/_tab.html", "pharmcrm.web.views.orders:tab_context",
            "pharmcrm.web.views.orders:tab_show"))
    for action, label in ACTION_LABELS.items():
        customers.ACTION_LABELS.setdefault(action, label)
