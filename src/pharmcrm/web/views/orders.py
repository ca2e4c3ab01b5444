"""Sales order screens (filled in the next slice)."""
from django.http import Http404


def _todo(request, *a, **k):
    raise Http404


order_list = order_export = order_new = warehouse_queue = product_options = order_detail = order_edit = _todo
order_review = order_outbound = order_ship = delivery_note = exception_request = exception_decide = _todo
order_action = customer_terms = _todo


def tab_context(request, customer, perms):
    return {}


def tab_show(request, customer, perms):
    return False
