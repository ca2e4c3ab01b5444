"""``{% product_listings product %}``: the product page's 挂网 block (platform listings of the
product per province; everyone reads them)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("web/tenders/_product_listings.html", takes_context=True)
def product_listings(context, product):
    from pharmcrm.web.views.tenders import product_listings_context

    return {"product": product, **product_listings_context(product, context["request"].user)}
