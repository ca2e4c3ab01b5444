"""``{% open_conflicts as n %}``: open duplicate conflicts that wait for the user (to decide, or
raised by them), for the link on the customer list (``conflict_selectors.conflict_badge``)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def open_conflicts(context) -> int:
    from pharmcrm.customers.conflict_selectors import conflict_badge

    return conflict_badge(actor=context["request"].user)
