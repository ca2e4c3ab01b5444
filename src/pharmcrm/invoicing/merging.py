"""Customer merge and the invoice ledger: the sale entries and the invoices move to the surviving
customer together (``customers.merge.move_all``), so the ledger — and its invariant per customer ×
product — carries over whole; an invoice keeps the header it was issued with. Registered from
``InvoicingConfig.ready()``."""

from __future__ import annotations

from pharmcrm.customers import merge

LABELS = ("invoicing.SaleEntry.customer", "invoicing.Invoice.customer")


def move(relation: merge.Relation, source, target, result: merge.MergeResult) -> None:
    merge.move_all(relation, source, target, result)


def register() -> None:
    for label in LABELS:
        merge.HANDLERS.setdefault(label, move)
