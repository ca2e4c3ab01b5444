"""The invoice ledger (发票台账), in the ``web`` namespace."""

from django.urls import path

from pharmcrm.web.views import invoicing

urlpatterns = [
    path("invoicing/ledger/", invoicing.ledger_page, name="invoice_ledger"),
    path("invoicing/invoices/", invoicing.invoice_list_page, name="invoice_list"),
    path("invoicing/invoices/<int:invoice_id>/", invoicing.invoice_detail_page, name="invoice_detail"),
    path("invoicing/invoices/<int:invoice_id>/reverse/", invoicing.invoice_reverse_page, name="invoice_reverse"),
    path("invoicing/customers/<int:customer_id>/issue/", invoicing.invoice_issue_page, name="invoice_issue"),
    path("invoicing/customers/<int:customer_id>/pre-invoice/", invoicing.pre_invoice_page, name="pre_invoice"),
    path("invoicing/mismatches/", invoicing.mismatch_list_page, name="invoice_mismatches"),
    path("invoicing/mismatches/<int:mismatch_id>/settle/", invoicing.mismatch_settle, name="invoice_mismatch_settle"),
]
