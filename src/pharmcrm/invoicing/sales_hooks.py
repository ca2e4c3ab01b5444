"""The sales orders feed the invoice ledger (DOMAIN.md "Invoicing, separate from selling").

Registered from ``InvoicingConfig.ready()`` on the sales app's listener lists, which run inside
the order's transaction, so the ledger and the order never disagree:

* finance approves an order → each line enters the ledger as an approved sale
  (``record_sale``, source ``sales.order_line``), consuming matching pre-invoices at once;
* an approved order is cancelled → its lines leave the ledger (``reverse_sale``); a line that a
  normal invoice already covered cannot leave: the cancellation is refused until that invoice is
  reversed (红冲), and nothing changes;
* a return approved → that quantity of each line leaves the ledger (refused where a normal
  invoice covers it: red-letter first);
* invoices issued, reversed or settled against an order's sales → the order closes (or
  reopens) automatically through ``sales.closing`` when it is also fully paid; "fully
  invoiced" is ``fully_invoiced`` below.
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


def on_returned(actor, order, ret, per_line) -> None:
    """A return was approved: that quantity of each line leaves the ledger (refused, and the
    approval with it, where a normal invoice covers it: red-letter first)."""
    from django.utils.translation import gettext as _

    from pharmcrm.invoicing.services import reverse_sale

    for line_id in sorted(per_line):
        reverse_sale(actor=actor, source_type=SOURCE, source_id=line_id, quantity=per_line[line_id],
                     reason=_("Return %(number)s") % {"number": ret.number})


def fully_invoiced(order) -> bool:
    """Every approved quantity of the order still in the ledger is covered by normal invoices
    or consumed pre-invoices (``closing.invoiced_checks``)."""
    from django.db.models import F

    from pharmcrm.invoicing.models import SaleEntry

    line_ids = list(order.lines.values_list("pk", flat=True))
    entries = SaleEntry.objects.filter(source_type=SOURCE, source_id__in=line_ids)
    if entries.count() < len(line_ids):
        return False
    return not entries.filter(quantity__gt=F("invoiced_quantity") + F("consumed_quantity")).exists()


def on_coverage_changed(actor, sale_ids) -> None:
    """Invoices now cover more or less of these sales: close or reopen their orders."""
    from pharmcrm.invoicing.models import SaleEntry
    from pharmcrm.sales.closing import orders_settle_sync
    from pharmcrm.sales.models import SalesOrderLine

    line_ids = SaleEntry.objects.filter(pk__in=sale_ids, source_type=SOURCE).values("source_id")
    order_ids = SalesOrderLine.objects.filter(pk__in=line_ids).values_list("order_id", flat=True)
    orders_settle_sync(actor=actor, order_ids=list(order_ids))


def describe_order_lines(line_ids) -> dict[int, tuple[str, str]]:
    """The order number and page of each order line (the ledger's "source" column)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from pharmcrm.sales.models import SalesOrderLine

    return {pk: (_("Order %(number)s") % {"number": number}, reverse("web:order_detail", args=[oid]))
            for pk, oid, number in SalesOrderLine.objects.filter(pk__in=line_ids)
            .values_list("pk", "order_id", "order__number")}


def register() -> None:
    """Subscribe (once) when the sales app is installed."""
    from django.apps import apps

    if not apps.is_installed("pharmcrm.sales"):
        return
    from pharmcrm.invoicing import selectors as invoicing_selectors
    from pharmcrm.invoicing import services as invoicing_services
    from pharmcrm.sales import closing, returns, services

    for listeners, fn in ((services.approved_listeners, on_approved), (services.cancelled_listeners, on_cancelled),
                          (closing.invoiced_checks, fully_invoiced), (returns.returned_listeners, on_returned),
                          (invoicing_services.coverage_listeners, on_coverage_changed)):
        if fn not in listeners:
            listeners.append(fn)
    invoicing_selectors.source_describers.setdefault(SOURCE, describe_order_lines)
