"""``{% open_conflicts as n %}``: open duplicate conflicts that wait for the user (to decide, or
raised by them), one query; for the link on the customer list."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def open_conflicts(context) -> int:
    from pharmcrm.customers.conflict_selectors import conflict_counts

    user = context["request"].user
    counts = conflict_counts(actor=user)
    return counts.get("arbitrate", 0) + counts.get("mine", 0) if user.is_head or user.is_admin else counts.get("mine", 0)
