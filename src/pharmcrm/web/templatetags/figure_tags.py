"""The key figures strip of the customer page's header: ``{% customer_figures customer perms as figures %}``
(customers/key_figures.py; a constant number of queries)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_figures(context, customer, perms) -> list:
    from pharmcrm.customers.key_figures import figures_for

    return figures_for(customer=customer, perms=perms or {}, user=context["request"].user)
