"""The invoice-ledger API (发票台账). Reads through invoicing.selectors (finance and admins see
every customer's ledger; others the customers they see), writes through invoicing.services
(finance and admins; others 403). A customer or invoice the caller cannot see is 404.
Routes with an invoice id use ``invoice_id``; with a mismatch id ``mismatch_id``."""

from __future__ import annotations

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.invoicing_schemas import (
    InvoiceCreateIn,
    InvoiceDetailOut,
    InvoicePage,
    InvoiceQuery,
    LedgerQuery,
    LedgerRowOut,
    MismatchOut,
    MismatchPage,
    MismatchQuery,
    ReverseIn,
    SettleIn,
)
from pharmcrm.invoicing import selectors, services

router = Router(tags=["invoices"])


def _detail(actor, invoice_id: int):
    invoice = selectors.invoice_get(actor=actor, invoice_id=invoice_id)
    invoice.lines_list = selectors.invoice_lines(invoice)
    return invoice


@router.get("/ledger", response=list[LedgerRowOut],
            summary="Ledger rows per customer × product × unit price: approved, invoiced, pre-invoiced, un-invoiced")
def ledger(request, query: Query[LedgerQuery]):
    return selectors.ledger(actor=request.auth, customer_id=query.customer_id, product_id=query.product_id,
                            only_open=query.open_only)


@router.get("/invoices", response=InvoicePage, summary="Invoices I can see (filters, pagination)")
def invoice_list(request, query: Query[InvoiceQuery]):
    f = selectors.InvoiceFilters(customer_id=query.customer_id, kind=query.kind, status=query.status,
                                 day_from=query.issued_from, day_to=query.issued_to, q=query.q)
    return paginate(selectors.invoice_list(actor=request.auth, filters=f), query)


@router.post("/invoices", response={201: InvoiceDetailOut},
             summary="Issue a normal invoice from stored balances (selections) or a pre-invoice (lines)")
def invoice_create(request, payload: InvoiceCreateIn):
    header = payload.header.model_dump(exclude_none=True)
    if payload.kind == "pre_invoice":
        invoice = services.pre_invoice_issue(actor=request.auth, customer_id=payload.customer_id, header=header,
                                             lines=[ln.model_dump(exclude_none=True) for ln in payload.lines])
    else:
        invoice = services.invoice_issue(actor=request.auth, customer_id=payload.customer_id, header=header,
                                         selections=[s.model_dump(exclude_none=True) for s in payload.selections])
    return Status(201, _detail(request.auth, invoice.pk))


@router.get("/invoices/{invoice_id}", response=InvoiceDetailOut, summary="One invoice with its lines")
def invoice_get(request, invoice_id: Id):
    return _detail(request.auth, invoice_id)


@router.post("/invoices/{invoice_id}/reverse", response={201: InvoiceDetailOut},
             summary="红冲: issue the red-letter invoice that cancels this one (returns the red-letter invoice)")
def invoice_reverse(request, invoice_id: Id, payload: ReverseIn):
    red = services.invoice_reverse(actor=request.auth, invoice_id=invoice_id, reason=payload.reason)
    return Status(201, _detail(request.auth, red.pk))


@router.get("/mismatches", response=MismatchPage, summary="Price mismatches (default: open ones)")
def mismatch_list(request, query: Query[MismatchQuery]):
    return paginate(selectors.mismatch_list(actor=request.auth, status=query.status), query)


@router.post("/mismatches/{mismatch_id}/settle", response=MismatchOut, summary="Settle a price mismatch by hand")
def mismatch_settle(request, mismatch_id: Id, payload: SettleIn):
    return services.settle_mismatch(actor=request.auth, mismatch_id=mismatch_id, action=payload.action,
                                    reason=payload.reason, quantity=payload.quantity)
