"""The only readers of the invoice ledger. Visibility: finance (``RoleScope`` finance:invoices =
all) and administrators see every customer's ledger and invoices; anyone else sees them for the
customers they may see (``org.visibility.visible_customers``). Missing and invisible are the same
``NotFound``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound
from pharmcrm.customers.models import Customer
from pharmcrm.invoicing.models import (
    ZERO,
    Invoice,
    InvoiceAllocation,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    MismatchStatus,
    PreInvoiceConsumption,
    PriceMismatch,
    SaleEntry,
)
from pharmcrm.org import visibility
from pharmcrm.org.models import RoleScope, User

AREA = "invoices"


def sees_all(actor: User) -> bool:
    return visibility.role_scope(actor, AREA) == RoleScope.Scope.ALL


def ledger_customers(actor: User) -> QuerySet:
    if not actor or not actor.is_active:
        return Customer.objects.none()
    if sees_all(actor):
        return Customer.objects.all()
    return visibility.visible_customers(actor)


def _scoped(qs: QuerySet, actor: User, field: str = "customer_id") -> QuerySet:
    if sees_all(actor):
        return qs
    return qs.filter(**{f"{field}__in": visibility.visible_customers(actor).values("id")})


def visible_invoices(actor: User) -> QuerySet:
    return _scoped(Invoice.objects.all(), actor)


def visible_mismatches(actor: User) -> QuerySet:
    return _scoped(PriceMismatch.objects.all(), actor, "sale__customer_id")


def customer_get(*, actor: User, customer_id: int) -> Customer:
    c = ledger_customers(actor).filter(pk=customer_id).first()
    if c is None:
        raise NotFound(_("Customer not found."))
    return c


@dataclass
class LedgerRow:
    customer_id: int
    product_id: int
    unit_price: Decimal
    approved_quantity: Decimal = ZERO
    approved_amount: Decimal = ZERO
    invoiced_quantity: Decimal = ZERO  # normal invoices + issued pre-invoices
    invoiced_amount: Decimal = ZERO
    pre_quantity: Decimal = ZERO  # pre-invoiced, not yet consumed
    pre_amount: Decimal = ZERO
    open_quantity: Decimal = ZERO  # un-invoiced
    open_amount: Decimal = ZERO
    product: object = None
    customer: object = None


def ledger(*, actor: User, customer_id: int | None = None, product_id: int | None = None,
           only_open: bool = False, q: str = "") -> list[LedgerRow]:
    """Rows per customer × product × unit price (aggregated in SQL): approved, invoiced,
    pre-invoiced unconsumed, un-invoiced. ``customer_id`` must be visible (else ``NotFound``)."""
    from pharmcrm.catalog.models import Product

    sales = SaleEntry.objects.all()
    lines = InvoiceLine.objects.filter(invoice__kind=InvoiceKind.PRE_INVOICE, invoice__status=InvoiceStatus.ISSUED)
    if customer_id is not None:
        customer_get(actor=actor, customer_id=customer_id)
        sales, lines = sales.filter(customer_id=customer_id), lines.filter(invoice__customer_id=customer_id)
    else:
        sales, lines = _scoped(sales, actor), _scoped(lines, actor, "invoice__customer_id")
    if product_id is not None:
        sales, lines = sales.filter(product_id=product_id), lines.filter(product_id=product_id)
    from pharmcrm.invoicing.services import exact

    rows: dict[tuple, LedgerRow] = {}

    def fix(r):
        return {k: (exact(v, 2) if k in ("a", "ia", "ca") else exact(v, 3) if k in ("q", "iq", "cq") else v)
                for k, v in r.items()}

    for r in sales.values("customer_id", "product_id", "unit_price").annotate(
            q=Sum("quantity"), a=Sum("amount"), iq=Sum("invoiced_quantity"), ia=Sum("invoiced_amount"),
            cq=Sum("consumed_quantity"), ca=Sum("consumed_amount")).order_by():
        r = fix(r)
        row = rows.setdefault((r["customer_id"], r["product_id"], r["unit_price"]),
                              LedgerRow(r["customer_id"], r["product_id"], r["unit_price"]))
        row.approved_quantity, row.approved_amount = r["q"], r["a"]
        row.invoiced_quantity += r["iq"]
        row.invoiced_amount += r["ia"]
        row.open_quantity = r["q"] - r["iq"] - r["cq"]
        row.open_amount = r["a"] - r["ia"] - r["ca"]
    for r in lines.values("invoice__customer_id", "product_id", "unit_price").annotate(
            q=Sum("quantity"), a=Sum("amount"), cq=Sum("consumed_quantity"), ca=Sum("consumed_amount")).order_by():
        r = fix(r)
        row = rows.setdefault((r["invoice__customer_id"], r["product_id"], r["unit_price"]),
                              LedgerRow(r["invoice__customer_id"], r["product_id"], r["unit_price"]))
        row.invoiced_quantity += r["q"]
        row.invoiced_amount += r["a"]
        row.pre_quantity, row.pre_amount = r["q"] - r["cq"], r["a"] - r["ca"]
    out = list(rows.values())
    if only_open:
        out = [r for r in out if r.open_quantity or r.open_amount or r.pre_quantity or r.pre_amount]
    products = Product.objects.in_bulk({r.product_id for r in out})
    customers = Customer.objects.in_bulk({r.customer_id for r in out})
    for r in out:
        r.product, r.customer = products.get(r.product_id), customers.get(r.customer_id)
    out.sort(key=lambda r: (r.customer.name if r.customer else "", r.product.generic_name if r.product else "",
                            r.unit_price))
    return out


def open_sales(*, actor: User, customer_id: int) -> QuerySet:
    """The customer's sale entries with an un-invoiced balance (the issue screen), oldest first."""
    customer_get(actor=actor, customer_id=customer_id)
    return (SaleEntry.objects.filter(customer_id=customer_id)
            .filter(Q(quantity__gt=F("invoiced_quantity") + F("consumed_quantity"))
                    | Q(amount__gt=F("invoiced_amount") + F("consumed_amount")))
            .select_related("product").order_by("approved_at", "id"))


@dataclass
class InvoiceFilters:
    customer_id: int | None = None
    kind: str = ""
    status: str = ""
    day_from: datetime.date | None = None
    day_to: datetime.date | None = None
    q: str = ""


def invoice_list(*, actor: User, filters: InvoiceFilters | None = None) -> QuerySet:
    f = filters or InvoiceFilters()
    qs = visible_invoices(actor).select_related("customer", "issued_by")
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.day_from:
        qs = qs.filter(issued_on__gte=f.day_from)
    if f.day_to:
        qs = qs.filter(issued_on__lte=f.day_to)
    if f.q:
        qs = qs.filter(Q(number__icontains=f.q) | Q(tax_invoice_number__icontains=f.q) | Q(title__icontains=f.q)
                       | Q(customer__name__icontains=f.q))
    return qs.order_by("-issued_on", "-id")


def invoice_get(*, actor: User, invoice_id: int) -> Invoice:
    inv = (visible_invoices(actor).select_related("customer", "issued_by", "original")
           .filter(pk=invoice_id).first())
    if inv is None:
        raise NotFound(_("Invoice not found."))
    return inv


def invoice_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.select_related("product").prefetch_related(
        "allocations__sale", "consumptions__sale").order_by("id"))


def red_letter_of(invoice: Invoice) -> Invoice | None:
    return Invoice.objects.filter(original=invoice).first()


def mismatch_list(*, actor: User, status: str = MismatchStatus.OPEN) -> QuerySet:
    qs = visible_mismatches(actor).select_related("sale__customer", "sale__product", "line__invoice", "settled_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def coverage_of_sources(*, actor: User, source_type: str, source_ids: list[int]) -> dict[int, list[dict]]:
    """For many sales at once (an order's lines): {source id: the invoices that covered it, each
    with quantity and amount}, normal invoices and consumed pre-invoices alike. Two queries."""
    if not source_ids:
        return {}
    sales = _scoped(SaleEntry.objects.all(), actor).filter(source_type=source_type, source_id__in=source_ids)
    out: dict[int, list[dict]] = {}
    for model in (InvoiceAllocation, PreInvoiceConsumption):
        rows = (model.objects.filter(sale__in=sales, active=True).select_related("line__invoice", "sale")
                .order_by("line__invoice__issued_on", "id"))
        for r in rows:
            out.setdefault(r.sale.source_id, []).append(
                {"invoice": r.line.invoice, "quantity": r.quantity, "amount": r.amount})
    return out


def sale_coverage(*, actor: User, source_type: str, source_id: int) -> list[dict]:
    """Which invoices covered a sale (the order page shows it): number, kind, quantity, amount."""
    sale = _scoped(SaleEntry.objects.all(), actor).filter(source_type=source_type, source_id=source_id).first()
    if sale is None:
        return []
    out = [{"invoice": a.line.invoice, "quantity": a.quantity, "amount": a.amount}
           for a in sale.allocations.filter(active=True).select_related("line__invoice")]
    out += [{"invoice": c.line.invoice, "quantity": c.quantity, "amount": c.amount}
            for c in sale.consumptions.filter(active=True).select_related("line__invoice")]
    return out


# source type -> fn([source ids]) -> {source id: (label, url or "")}; the sales app registers
# "sales.order_line" (the order number and page). Unknown types show their own label.
source_describers: dict = {}
SOURCE_LABELS = {"opening": _("Opening balance")}


def describe_sources(sales) -> None:
    """Set ``source_label`` and ``source_url`` on each sale entry (one query per source type)."""
    by_type: dict[str, list] = {}
    for s in sales:
        by_type.setdefault(s.source_type, []).append(s)
    for source_type, rows in by_type.items():
        fn = source_describers.get(source_type)
        found = fn([r.source_id for r in rows]) if fn else {}
        for r in rows:
            r.source_label, r.source_url = found.get(r.source_id, (str(SOURCE_LABELS.get(source_type, "")), ""))
