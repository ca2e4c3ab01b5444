"""The sales orders feed the invoice ledger (DOMAIN.md "Invoicing, separate from selling").

Registered from ``InvoicingConfig.ready()`` on the sales app's listener lists, which run inside
the order's transaction, so the ledger and the order never disagree:

* finance approves an order → each line enters the ledger as an approved sale
  (``record_sale``, source ``sales.order_line``), consuming matching pre-invoices at once;
* an approved order is cancelled → its lines leave the ledger (``reverse_sale``); a line that a
  normal invoice already covered cannot leave: the cancellation is refused until that invoice is
  reversed (红冲), and nothing changes.
"""

from __future__ import annotations

SOURCE = "sales.order_line"


def on_approved(actor, order) -> None:
    from pharmcrm.invoicing.services import record_sale

    for line in order.lines.all().order_by("position", "id"):
        record_sale(actor=actor, source_type=SOURCE, source_id=line.pk, customer_id=order.customer_id,
                    product_id=line.product_id, unit_price=line.unit_price, quantity=line.quantity,
                    amount=line.amount, tax_rate=line.tax_rate, approved_at=order.approved_at,
                    terminal_type=order.terminal_type)


def on_cancelled(actor, order, previous_status) -> None:
    from django.utils.translation import gettext as _

    from pharmcrm.invoicing.models import SaleEntry
    from pharmcrm.invoicing.services import reverse_sale

    line_ids = list(order.lines.values_list("pk", flat=True))
    recorded = SaleEntry.objects.filter(source_type=SOURCE, source_id__in=line_ids).values_list("source_id", flat=True)
    for line_id in sorted(recorded):
        reverse_sale(actor=actor, source_type=SOURCE, source_id=line_id,
                     reason=_("Order %(number)s cancelled") % {"number": order.number})


def register() -> None:
    """Subscribe (once) when the sales app is installed."""
    from django.apps import apps

    if not apps.is_installed("pharmcrm.sales"):
        return
    from pharmcrm.sales import services

    for listeners, fn in ((services.approved_listeners, on_approved), (services.cancelled_listeners, on_cancelled)):
        if fn not in listeners:
            listeners.append(fn)
