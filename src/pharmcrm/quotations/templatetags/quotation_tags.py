"""``{% product_price_history product %}``: the product page's 报价历史 block (every price quoted
for the product to customers the current user can see), and ``{% followup_quotations followup %}``:
the quotations linked to a follow-up (visible ones only)."""

from __future__ import annotations

from django import template

register = template.Library()
ROWS = 50
RECENT = 5


@register.inclusion_tag("web/quotations/_price_history.html", takes_context=True)
def product_price_history(context, product):
    from pharmcrm.quotations.selectors import price_history

    user = context["request"].user
    return {"history": list(price_history(actor=user, product_id=product.pk)[:ROWS]), "show_customer": True,
            "hide_product": True}


@register.inclusion_tag("web/quotations/_followup_quotes.html", takes_context=True)
def followup_quotations(context, followup, customer=None):
    """Beside a follow-up's "price quoted": the quotations linked to it (editing) and the latest
    prices quoted to the customer (the price history), so the rep quotes consistently."""
    from pharmcrm.quotations.selectors import price_history, quotations_of_followup

    user = context["request"].user
    customer_id = getattr(customer, "pk", None) or getattr(followup, "customer_id", None)
    recent = list(price_history(actor=user, customer_id=customer_id)[:RECENT]) if customer_id else []
    return {"quotes": quotations_of_followup(actor=user, followup_id=followup.pk) if followup else [],
            "recent": recent, "editing": bool(followup)}
