"""The only writers of the invoice ledger (发票台账). The public API used by the sales app is
documented in docs/invoicing.md "For developers".

Rights:
* ``invoice_issue``, ``pre_invoice_issue``, ``invoice_reverse``, ``settle_mismatch``: finance
  or administrators (``can_manage_invoices``), else ``PermissionDenied`` (403); a customer the
  actor cannot see in the ledger (``selectors.ledger_customers``) is ``NotFound`` (404).
* ``record_sale`` / ``reverse_sale`` take an ``actor`` (recorded) but check NO rights: the
  sales app's approval / cancellation calls them inside its own transaction after checking its
  own rights. ``record_sale`` refuses to run outside an atomic block.

Money: a sale's amount and an invoice line's amount are tax-inclusive (含税金额, what the
customer pays); each invoice line also stores tax = amount × rate / (100 + rate) and the amount
excluding tax, ROUND_HALF_UP to cents, as a Chinese VAT invoice prints them. A part of a
balance is worth quantity × unit price rounded to cents, except the last part, which takes
the remaining amount: partial invoicing never leaves a cent behind.

Locks: every service locks the pre-invoice lines and SaleEntry rows it touches with
``select_for_update`` in id order — always lines before sales, so two services never wait for
each other in a circle — before reading their balances; two finance users can never invoice the
same balance twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from pharmcrm.catalog.models import Product
from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.customers.models import Customer
from pharmcrm.invoicing.models import (
    ZERO,
    Invoice,
    InvoiceAllocation,
    InvoiceKind,
    InvoiceLine,
    InvoiceMedium,
    InvoiceSequence,
    InvoiceStatus,
    InvoiceType,
    MismatchStatus,
    PreInvoiceConsumption,
    PriceMismatch,
    SaleEntry,
    TerminalType,
)
from pharmcrm.org.models import Role, User

CENT = Decimal("0.01")
MAX_QTY = Decimal("99999999999.999")
MAX_PRICE = Decimal("99999999.9999")
MAX_LINES = 200
NUMBER_PREFIX = "FP"

# fn(actor, sale_entry_ids): invoices now cover more or less of these sales (issue, reversal,
# a mismatch settled). Runs inside the transaction; the sales app closes or reopens orders.
coverage_listeners: list = []


def _coverage_changed(actor, sale_ids) -> None:
    ids = sorted(set(sale_ids))
    if ids:
        for fn in list(coverage_listeners):
            fn(actor, ids)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def exact(value, places: int) -> Decimal:
    """An SQL SUM back to its exact decimal: PostgreSQL's numeric sums are exact; SQLite sums
    decimals as floats (1e-15 off), which the field's scale rounds away."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def split_tax(amount: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(amount excl. tax, tax) of a tax-inclusive amount; they add up to ``amount`` exactly."""
    tax = cents(amount * rate / (Decimal(100) + rate))
    return amount - tax, tax


def part_amount(quantity: Decimal, price: Decimal, open_quantity: Decimal, open_amount: Decimal) -> Decimal:
    """The amount of ``quantity`` out of a balance: the remainder when it is the last part,
    else quantity × price rounded; never more than the balance's amount."""
    if quantity == open_quantity:
        return open_amount
    return max(ZERO, min(cents(quantity * price), open_amount))


# --- rights and input ------------------------------------------------------------------------

def can_manage_invoices(user) -> bool:
    return bool(user and user.is_active and (user.is_admin or user.has_role(Role.FINANCE)))


def _require_finance(actor: User) -> None:
    if not can_manage_invoices(actor):
        raise PermissionDenied(_("Only finance and administrators may issue or reverse invoices."))


def _customer(actor: User, customer_id) -> Customer:
    from pharmcrm.invoicing.selectors import ledger_customers

    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        raise NotFound(_("Customer not found."))
    customer = ledger_customers(actor).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def _decimal(value: Any, *, field: str, places: int, maximum: Decimal, zero_ok: bool = False,
             label: str = "") -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError(_("Enter a number."), code="invalid", fields={field: [_("Enter a number.")]}) from None
    if not d.is_finite():
        raise ApplicationError(_("Enter a number."), code="invalid", fields={field: [_("Enter a number.")]})
    if d.as_tuple().exponent < -places:
        msg = _("At most %(n)d decimal places.") % {"n": places}
        raise ApplicationError(msg, code="invalid", fields={field: [msg]})
    if d < 0 or (d == 0 and not zero_ok):
        msg = _("Must be greater than zero.")
        raise ApplicationError(msg, code="invalid", fields={field: [msg]})
    if d > maximum:
        msg = _("Too large.")
        raise ApplicationError(msg, code="invalid", fields={field: [msg]})
    return d


def parse_quantity(value, field: str = "quantity") -> Decimal:
    return _decimal(value, field=field, places=3, maximum=MAX_QTY)


def parse_price(value, field: str = "unit_price") -> Decimal:
    return _decimal(value, field=field, places=4, maximum=MAX_PRICE)


def parse_rate(value, field: str = "tax_rate") -> Decimal:
    return _decimal(value, field=field, places=2, maximum=Decimal("100"), zero_ok=True)


def _next_number(day: datetime.date) -> str:
    InvoiceSequence.objects.get_or_create(year=day.year)
    seq = InvoiceSequence.objects.select_for_update().get(year=day.year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{NUMBER_PREFIX}-{day.year}-{seq.last:06d}"


# --- the sales app's input -------------------------------------------------------------------

@dataclass
class SaleResult:
    entry: SaleEntry
    created: bool
    consumptions: list[PreInvoiceConsumption] = field(default_factory=list)
    mismatches: list[PriceMismatch] = field(default_factory=list)


def _open_pre_lines(customer_id: int, product_id: int):
    """The issued pre-invoice lines of customer × product with something left, oldest pre-invoice
    first, locked (id order of the lines equals issue order within a day)."""
    return list(InvoiceLine.objects.select_for_update(of=("self",)).filter(
        invoice__customer_id=customer_id, invoice__kind=InvoiceKind.PRE_INVOICE,
        invoice__status=InvoiceStatus.ISSUED, product_id=product_id, consumed_quantity__lt=F("quantity"),
    ).order_by("invoice__issued_on", "invoice_id", "id"))


def _consume(sale: SaleEntry, line: InvoiceLine, quantity: Decimal, *, reason: str = "",
             amount: Decimal | None = None) -> PreInvoiceConsumption:
    if amount is None:
        if quantity == sale.open_quantity:
            amount = sale.open_amount
        elif quantity == line.open_quantity:
            amount = line.open_amount
        else:
            amount = cents(quantity * sale.unit_price)
    amount = max(ZERO, min(amount, sale.open_amount, line.open_amount))
    c = PreInvoiceConsumption.objects.create(line=line, sale=sale, quantity=quantity, amount=amount,
                                             manual_reason=reason)
    sale.consumed_quantity += quantity
    sale.consumed_amount += amount
    sale.save(update_fields=["consumed_quantity", "consumed_amount", "updated_at"])
    line.consumed_quantity += quantity
    line.consumed_amount += amount
    line.save(update_fields=["consumed_quantity", "consumed_amount"])
    return c


def record_sale(*, actor: User | None, source_type: str, source_id: int, customer_id: int, product_id: int,
                unit_price, quantity, amount, tax_rate, approved_at: datetime.datetime | None = None,
                terminal_type: str = "") -> SaleResult:
    """An approved sale enters the ledger (un-invoiced), then consumes the pre-invoiced balance of
    the same customer × product × unit price, oldest pre-invoice first, partly if needed. A
    pre-invoice at another unit price is not consumed: a ``PriceMismatch`` is listed for finance.
    Idempotent per (source_type, source_id). Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_sale must run inside the caller's transaction (transaction.atomic).")
    source_type = str(source_type or "").strip()[:40]
    if not source_type or not isinstance(source_id, int):
        raise ApplicationError(_("A sale needs its source."), code="invalid")
    existing = SaleEntry.objects.filter(source_type=source_type, source_id=source_id).first()
    if existing is not None:
        return SaleResult(entry=existing, created=False)
    price = parse_price(unit_price)
    qty = parse_quantity(quantity)
    amt = _decimal(amount, field="amount", places=2, maximum=Decimal("999999999999.99"), zero_ok=True)
    rate = parse_rate(tax_rate)
    if terminal_type and terminal_type not in TerminalType.values:
        raise ApplicationError(_("Unknown terminal type."), code="invalid", fields={"terminal_type": [_("Unknown.")]})
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound(_("Customer not found."))
    if not Product.objects.filter(pk=product_id).exists():
        raise ApplicationError(_("Unknown product."), code="invalid", fields={"product_id": [_("Unknown product.")]})
    sale = SaleEntry.objects.create(
        source_type=source_type, source_id=source_id, customer_id=customer_id, product_id=product_id,
        unit_price=price, quantity=qty, amount=amt, tax_rate=rate, terminal_type=terminal_type,
        approved_at=approved_at or timezone.now(), created_by=actor if getattr(actor, "pk", None) else None)
    result = SaleResult(entry=sale, created=True)
    other_price = []
    for line in _open_pre_lines(customer_id, product_id):
        if sale.open_quantity <= 0:
            break
        if line.unit_price != price:
            other_price.append(line)
            continue
        take = min(sale.open_quantity, line.open_quantity)
        result.consumptions.append(_consume(sale, line, take))
    if sale.open_quantity > 0:
        for line in other_price:
            result.mismatches.append(PriceMismatch.objects.create(sale=sale, line=line))
    audit_record(actor=actor, action="invoice_sale_record", target=sale, customer_id=customer_id,
                 changes={"quantity": [None, qty], "amount": [None, amt], "unit_price": [None, price],
                          "pre_invoiced": [None, sale.consumed_quantity]})
    return result


@transaction.atomic
def reverse_sale(*, actor: User | None, source_type: str, source_id: int, quantity=None, reason: str) -> SaleEntry:
    """A cancellation or return after approval takes the sale (or ``quantity`` of it) out of the
    ledger. The un-invoiced part goes first; then what pre-invoices covered is given back to those
    pre-invoices (newest consumption first); what normal invoices covered cannot be taken out:
    red-letter that invoice first."""
    found = SaleEntry.objects.filter(source_type=source_type, source_id=source_id).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(_("This sale is not in the invoice ledger."))
    while True:  # lock order everywhere: pre-invoice lines, then sale entries
        line_ids = sorted(set(PreInvoiceConsumption.objects.filter(sale_id=found, active=True)
                              .values_list("line_id", flat=True)))
        lines = {ln.pk: ln for ln in InvoiceLine.objects.select_for_update().filter(pk__in=line_ids).order_by("id")}
        sale = SaleEntry.objects.select_for_update().get(pk=found)
        if set(PreInvoiceConsumption.objects.filter(sale=sale, active=True).values_list("line_id", flat=True)) <= set(
                lines):
            break
    qty = sale.quantity if quantity is None else parse_quantity(quantity)
    if qty <= 0 or qty > sale.quantity:
        msg = _("At most %(q)s can be reversed.") % {"q": sale.quantity}
        raise ApplicationError(msg, code="invalid_quantity", fields={"quantity": [msg]})
    if qty > sale.quantity - sale.invoiced_quantity:
        numbers = sorted(set(InvoiceAllocation.objects.filter(sale=sale, active=True)
                             .values_list("line__invoice__number", flat=True)))
        raise ApplicationError(
            _("%(q)s of this sale is already invoiced (%(n)s): red-letter that invoice first.")
            % {"q": sale.invoiced_quantity, "n": ", ".join(numbers)}, code="already_invoiced")
    need = qty - sale.open_quantity
    if need > 0:
        rows = list(PreInvoiceConsumption.objects.filter(sale=sale, active=True).order_by("-id"))
        for row in rows:
            if need <= 0:
                break
            line = lines[row.line_id]
            give = min(need, row.quantity)
            give_amount = row.amount if give == row.quantity else min(cents(give * sale.unit_price), row.amount)
            row.active = False
            row.save(update_fields=["active"])
            if give < row.quantity:
                PreInvoiceConsumption.objects.create(line=line, sale=sale, quantity=row.quantity - give,
                                                     amount=row.amount - give_amount, manual_reason=row.manual_reason)
            line.consumed_quantity -= give
            line.consumed_amount -= give_amount
            line.save(update_fields=["consumed_quantity", "consumed_amount"])
            sale.consumed_quantity -= give
            sale.consumed_amount -= give_amount
            need -= give
    amount = part_amount(qty, sale.unit_price, sale.open_quantity, sale.open_amount)
    sale.quantity -= qty
    sale.amount -= amount
    sale.reversed_quantity += qty
    sale.reversed_amount += amount
    sale.save()
    if sale.open_quantity <= 0:
        PriceMismatch.objects.filter(sale=sale, status=MismatchStatus.OPEN).update(
            status=MismatchStatus.DISMISSED, reason=_("The sale was reversed."), settled_at=timezone.now())
    audit_record(actor=actor, action="invoice_sale_reverse", target=sale, customer_id=sale.customer_id,
                 changes={"quantity": [sale.quantity + qty, sale.quantity], "reason": [None, reason]})
    return sale


# --- invoices --------------------------------------------------------------------------------

HEADER_FIELDS = ["invoice_type", "medium", "tax_invoice_number", "tax_invoice_code", "issued_on", "remarks",
                 "invoice_chain", "title", "taxpayer_id", "address_phone", "bank_account"]


def profile_header(customer: Customer) -> dict[str, str]:
    """The header fields copied from the customer's 开票资料 (customers.InvoiceProfile)."""
    from pharmcrm.customers.profile_models import InvoiceProfile

    p = InvoiceProfile.objects.filter(customer=customer).first()
    if p is None:
        return {}
    kind = p.invoice_type if p.invoice_type in InvoiceType.values else InvoiceType.VAT_SPECIAL
    return {"title": p.title, "taxpayer_id": p.taxpayer_id,
            "address_phone": " ".join(x for x in (p.address, p.phone) if x),
            "bank_account": " ".join(x for x in (p.bank, p.account) if x), "invoice_type": kind,
            "medium": InvoiceMedium.PAPER if p.invoice_type != "electronic" else InvoiceMedium.ELECTRONIC}


def _header(customer: Customer, header: dict) -> dict[str, Any]:
    header = dict(header or {})
    unknown = sorted(set(header) - set(HEADER_FIELDS))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    out: dict[str, Any] = profile_header(customer)
    out.update({k: (v.strip() if isinstance(v, str) else v) for k, v in header.items()
                if v not in (None, "")})
    errors: dict[str, list[str]] = {}
    if not out.get("title") or not out.get("taxpayer_id"):
        errors["title"] = [_("The customer has no invoicing data (title, taxpayer ID): enter it on the "
                             "customer's profile first.")]
    if out.get("invoice_type") not in InvoiceType.values:
        errors["invoice_type"] = [_("Choose the invoice type.")]
    out.setdefault("medium", InvoiceMedium.ELECTRONIC)
    if out.get("medium") not in InvoiceMedium.values:
        errors["medium"] = [_("Choose electronic or paper.")]
    day = out.get("issued_on") or timezone.localdate()
    if isinstance(day, str):
        try:
            day = parse_date(day)
        except ValueError:
            day = None
    if not isinstance(day, datetime.date) or not (datetime.date(2000, 1, 1) <= day <= timezone.localdate()):
        errors["issued_on"] = [_("Enter a date such as 2026-03-01, not in the future.")]
    out["issued_on"] = day
    limits = {"title": 200, "taxpayer_id": 20, "address_phone": 340, "bank_account": 150, "remarks": 500,
              "invoice_chain": 300, "tax_invoice_number": 30, "tax_invoice_code": 20}
    for name, n in limits.items():
        value = out.get(name, "")
        if not isinstance(value, str):
            errors[name] = [_("Enter text.")]
        elif len(value) > n:
            errors[name] = [_("At most %(n)d characters.") % {"n": n}]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], code="invalid", fields=errors)
    return out


def _create_invoice(*, actor, customer, kind, header, lines: list[dict], original=None, reason="") -> Invoice:
    day = header["issued_on"]
    total = sum((ln["amount"] for ln in lines), ZERO)
    tax = sum((ln["tax"] for ln in lines), ZERO)
    invoice = Invoice.objects.create(
        number=_next_number(day), kind=kind, customer=customer, issued_by=actor, original=original, reason=reason,
        amount=total, tax=tax, amount_excl_tax=total - tax,
        **{k: header.get(k, "") for k in ("invoice_type", "medium", "tax_invoice_number", "tax_invoice_code",
                                           "title", "taxpayer_id", "address_phone", "bank_account", "remarks",
                                           "invoice_chain", "issued_on")})
    created = []
    for ln in lines:
        created.append(InvoiceLine.objects.create(
            invoice=invoice, product_id=ln["product_id"], unit_price=ln["unit_price"], quantity=ln["quantity"],
            amount=ln["amount"], tax_rate=ln["tax_rate"], tax=ln["tax"], amount_excl_tax=ln["amount"] - ln["tax"]))
    invoice.created_lines = created
    return invoice


def _selection_error(i: int, msg: str) -> ApplicationError:
    return ApplicationError(msg, code="invalid_selection", fields={f"selections.{i}": [msg]})


@transaction.atomic
def invoice_issue(*, actor: User, customer_id: int, header: dict, selections: list[dict]) -> Invoice:
    """One normal invoice (存票) for selected un-invoiced balances, whole or part. A selection is
    ``{"sale_entry_id", "quantity"}`` or ``{"product_id", "unit_price", "quantity"}`` (a balance
    key: its sale entries, oldest first); ``quantity`` omitted = the whole balance."""
    customer = _customer(actor, customer_id)  # invisible: 404 before any 403
    _require_finance(actor)
    head = _header(customer, header)
    if not isinstance(selections, list) or not selections:
        raise ApplicationError(_("Select at least one balance to invoice."), code="invalid",
                               fields={"selections": [_("Select at least one balance to invoice.")]})
    if len(selections) > MAX_LINES:
        raise ApplicationError(_("Too many selections."), code="invalid")
    parsed = []
    for i, sel in enumerate(selections):
        if not isinstance(sel, dict):
            raise _selection_error(i, _("Invalid selection."))
        qty = None if sel.get("quantity") in (None, "") else parse_quantity(sel["quantity"], f"selections.{i}.quantity")
        if sel.get("sale_entry_id") is not None:
            sid = sel["sale_entry_id"]
            if not isinstance(sid, int) or isinstance(sid, bool):
                raise _selection_error(i, _("Invalid selection."))
            parsed.append(("sale", sid, qty, i))
        elif sel.get("product_id") is not None and sel.get("unit_price") is not None:
            pid = sel["product_id"]
            if not isinstance(pid, int) or isinstance(pid, bool):
                raise _selection_error(i, _("Invalid selection."))
            parsed.append(("key", (pid, parse_price(sel["unit_price"], f"selections.{i}.unit_price")), qty, i))
        else:
            raise _selection_error(i, _("Select a sale entry or a product and unit price."))
    sale_ids = [p[1] for p in parsed if p[0] == "sale"]
    keys = [p[1] for p in parsed if p[0] == "key"]
    qs = SaleEntry.objects.filter(customer=customer)
    wanted = qs.filter(pk__in=sale_ids)
    for pid, price in keys:
        wanted = wanted | qs.filter(product_id=pid, unit_price=price)
    sales = {s.pk: s for s in SaleEntry.objects.select_for_update().filter(pk__in=wanted.values("pk")).order_by("id")}
    taken: dict[int, tuple[Decimal, Decimal]] = {}  # sale id -> (quantity, amount) taken so far

    def take(sale: SaleEntry, qty: Decimal | None, i: int) -> tuple[Decimal, Decimal]:
        tq, ta = taken.get(sale.pk, (ZERO, ZERO))
        open_q, open_a = sale.open_quantity - tq, sale.open_amount - ta
        if qty is None:
            qty = open_q
        if qty > open_q:
            raise _selection_error(i, _("Only %(q)s is left un-invoiced.") % {"q": open_q.normalize()})
        if qty <= 0 and open_a <= 0:
            raise _selection_error(i, _("Nothing left to invoice."))
        amount = part_amount(qty, sale.unit_price, open_q, open_a)
        taken[sale.pk] = (tq + qty, ta + amount)
        return qty, amount

    allocations: list[tuple[SaleEntry, Decimal, Decimal]] = []
    for kind, ref, qty, i in parsed:
        if kind == "sale":
            sale = sales.get(ref)
            if sale is None:
                raise _selection_error(i, _("This balance is not this customer's."))
            q, a = take(sale, qty, i)
            allocations.append((sale, q, a))
        else:
            pid, price = ref
            bucket = [s for s in sales.values() if s.product_id == pid and s.unit_price == price
                      and (s.open_quantity - taken.get(s.pk, (ZERO, ZERO))[0] > 0
                           or s.open_amount - taken.get(s.pk, (ZERO, ZERO))[1] > 0)]
            bucket.sort(key=lambda s: (s.approved_at, s.pk))
            available = sum((s.open_quantity - taken.get(s.pk, (ZERO, ZERO))[0] for s in bucket), ZERO)
            if not bucket:
                raise _selection_error(i, _("Nothing left to invoice."))
            want = available if qty is None else qty
            if want > available:
                raise _selection_error(i, _("Only %(q)s is left un-invoiced.") % {"q": available.normalize()})
            for sale in bucket:
                left = sale.open_quantity - taken.get(sale.pk, (ZERO, ZERO))[0]
                part = min(left, want)
                if part <= 0 and qty is not None:
                    continue
                q, a = take(sale, part if qty is not None else None, i)
                allocations.append((sale, q, a))
                want -= q
                if want <= 0 and qty is not None:
                    break
    if any(s.terminal_type == TerminalType.PUBLIC_HOSPITAL for s, _q, _a in allocations) and not head.get(
            "invoice_chain"):
        msg = _("A public-hospital sale is covered: record the invoice chain (two-invoice rule), e.g. the "
                "manufacturer's invoice number.")
        raise ApplicationError(msg, code="invoice_chain_required", fields={"invoice_chain": [msg]})
    groups: dict[tuple, dict] = {}
    for sale, q, a in allocations:
        g = groups.setdefault((sale.product_id, sale.unit_price, sale.tax_rate), {
            "product_id": sale.product_id, "unit_price": sale.unit_price, "tax_rate": sale.tax_rate,
            "quantity": ZERO, "amount": ZERO, "parts": []})
        g["quantity"] += q
        g["amount"] += a
        g["parts"].append((sale, q, a))
    lines = []
    for g in groups.values():
        g["tax"] = split_tax(g["amount"], g["tax_rate"])[1]
        lines.append(g)
    invoice = _create_invoice(actor=actor, customer=customer, kind=InvoiceKind.NORMAL, header=head, lines=lines)
    for g, line in zip(lines, invoice.created_lines, strict=True):
        for sale, q, a in g["parts"]:
            InvoiceAllocation.objects.create(line=line, sale=sale, quantity=q, amount=a)
            sale.invoiced_quantity += q
            sale.invoiced_amount += a
    for sale in {s.pk: s for s, _q, _a in allocations}.values():
        sale.save(update_fields=["invoiced_quantity", "invoiced_amount", "updated_at"])
    audit_record(actor=actor, action="invoice_issue", target=invoice, customer_id=customer.pk,
                 changes={"amount": [None, invoice.amount], "lines": [None, len(lines)]})
    _coverage_changed(actor, [s.pk for s, _q, _a in allocations])
    return invoice


@transaction.atomic
def pre_invoice_issue(*, actor: User, customer_id: int, header: dict, lines: list[dict]) -> Invoice:
    """A pre-invoice (预开票): no sale behind it; each line becomes a pre-invoiced balance that
    later approved sales of the same customer × product × unit price consume."""
    customer = _customer(actor, customer_id)  # invisible: 404 before any 403
    _require_finance(actor)
    head = _header(customer, header)
    if not isinstance(lines, list) or not lines:
        raise ApplicationError(_("Add at least one line."), code="invalid", fields={"lines": [_("Add at least one line.")]})
    if len(lines) > MAX_LINES:
        raise ApplicationError(_("Too many lines."), code="invalid")
    out = []
    products = {}
    for i, ln in enumerate(lines):
        if not isinstance(ln, dict):
            raise ApplicationError(_("Invalid line."), code="invalid", fields={f"lines.{i}": [_("Invalid line.")]})
        pid = ln.get("product_id")
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise ApplicationError(_("Choose a product."), code="invalid", fields={f"lines.{i}.product_id": [_("Choose a product.")]})
        product = products.get(pid) or Product.objects.filter(pk=pid).first()
        if product is None:
            raise ApplicationError(_("Unknown product."), code="invalid", fields={f"lines.{i}.product_id": [_("Unknown product.")]})
        products[pid] = product
        price = parse_price(ln.get("unit_price"), f"lines.{i}.unit_price")
        qty = parse_quantity(ln.get("quantity"), f"lines.{i}.quantity")
        rate = product.tax_rate if ln.get("tax_rate") in (None, "") else parse_rate(ln["tax_rate"], f"lines.{i}.tax_rate")
        amount = cents(qty * price)
        out.append({"product_id": pid, "unit_price": price, "quantity": qty, "amount": amount, "tax_rate": rate,
                    "tax": split_tax(amount, rate)[1]})
    invoice = _create_invoice(actor=actor, customer=customer, kind=InvoiceKind.PRE_INVOICE, header=head, lines=out)
    audit_record(actor=actor, action="invoice_pre_issue", target=invoice, customer_id=customer.pk,
                 changes={"amount": [None, invoice.amount], "lines": [None, len(out)]})
    return invoice


def _lock_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(InvoiceLine.objects.select_for_update().filter(invoice=invoice).order_by("id"))


@transaction.atomic
def invoice_reverse(*, actor: User, invoice_id: int, reason: str) -> Invoice:
    """红冲: a red-letter invoice (negative lines, ``original`` = the invoice) cancels an issued
    normal invoice or pre-invoice and restores exactly what it consumed: the sale balances it
    invoiced become un-invoiced again; for a pre-invoice, the sales it covered become
    un-invoiced and its unconsumed remainder disappears. Returns the red-letter invoice."""
    if not isinstance(invoice_id, int) or isinstance(invoice_id, bool):
        raise NotFound(_("Invoice not found."))
    from pharmcrm.invoicing.selectors import visible_invoices

    if not visible_invoices(actor).filter(pk=invoice_id).exists():
        raise NotFound(_("Invoice not found."))
    _require_finance(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the reversal."), code="invalid",
                               fields={"reason": [_("Give the reason for the reversal.")]})
    if len(reason) > 300:
        raise ApplicationError(_("At most 300 characters."), code="invalid", fields={"reason": [_("At most 300 characters.")]})
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    if invoice.kind == InvoiceKind.RED_LETTER:
        raise ApplicationError(_("A red-letter invoice cannot be reversed."), code="illegal_transition")
    if invoice.status != InvoiceStatus.ISSUED:
        raise ApplicationError(_("This invoice is already reversed."), code="illegal_transition")
    if invoice.kind == InvoiceKind.NORMAL:
        rows = list(InvoiceAllocation.objects.filter(line__invoice=invoice, active=True))
        sales = {s.pk: s for s in SaleEntry.objects.select_for_update().filter(
            pk__in=[r.sale_id for r in rows]).order_by("id")}
        for r in rows:
            s = sales[r.sale_id]
            s.invoiced_quantity -= r.quantity
            s.invoiced_amount -= r.amount
        InvoiceAllocation.objects.filter(pk__in=[r.pk for r in rows]).update(active=False)
    else:
        lines = _lock_lines(invoice)  # first: no sale can consume them any more (lines before sales)
        rows = list(PreInvoiceConsumption.objects.filter(line__invoice=invoice, active=True))
        sales = {s.pk: s for s in SaleEntry.objects.select_for_update().filter(
            pk__in=[r.sale_id for r in rows]).order_by("id")}
        for r in rows:
            s = sales[r.sale_id]
            s.consumed_quantity -= r.quantity
            s.consumed_amount -= r.amount
        PreInvoiceConsumption.objects.filter(pk__in=[r.pk for r in rows]).update(active=False)
        for ln in lines:
            ln.consumed_quantity = ZERO
            ln.consumed_amount = ZERO
            ln.save(update_fields=["consumed_quantity", "consumed_amount"])
        PriceMismatch.objects.filter(line__invoice=invoice, status=MismatchStatus.OPEN).update(
            status=MismatchStatus.DISMISSED, reason=_("The pre-invoice was reversed."), settled_at=timezone.now())
    for s in sales.values():
        s.save(update_fields=["invoiced_quantity", "invoiced_amount", "consumed_quantity", "consumed_amount",
                              "updated_at"])
    if invoice.kind == InvoiceKind.NORMAL:
        lines = _lock_lines(invoice)
    head = {k: getattr(invoice, k) for k in ("invoice_type", "medium", "title", "taxpayer_id", "address_phone",
                                             "bank_account", "invoice_chain")}
    head.update(issued_on=timezone.localdate(), remarks=_("Red-letter reversal of %(n)s") % {"n": invoice.number})
    red = _create_invoice(actor=actor, customer=invoice.customer, kind=InvoiceKind.RED_LETTER, header=head,
                          original=invoice, reason=reason,
                          lines=[{"product_id": ln.product_id, "unit_price": ln.unit_price, "quantity": -ln.quantity,
                                  "amount": -ln.amount, "tax_rate": ln.tax_rate, "tax": -ln.tax} for ln in lines])
    invoice.status = InvoiceStatus.REVERSED
    invoice.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="invoice_reverse", target=invoice, customer_id=invoice.customer_id,
                 changes={"status": [InvoiceStatus.ISSUED, InvoiceStatus.REVERSED], "red_letter": [None, red.number],
                          "reason": [None, reason]})
    _coverage_changed(actor, list(sales))
    return red


@transaction.atomic
def settle_mismatch(*, actor: User, mismatch_id: int, action: str, reason: str, quantity=None) -> PriceMismatch:
    """Finance settles a price mismatch by hand: ``action="consume"`` consumes the pre-invoice at
    its own (other) unit price for the sale (``quantity`` or as much as both have), amount at the
    pre-invoice's price — refused if that is more than the sale's un-invoiced amount (that would
    over-invoice: red-letter the pre-invoice instead); any price difference stays un-invoiced
    on the sale. ``action="dismiss"`` leaves the sale un-invoiced (invoice it normally)."""
    from pharmcrm.invoicing.selectors import visible_mismatches

    if not isinstance(mismatch_id, int) or not visible_mismatches(actor).filter(pk=mismatch_id).exists():
        raise NotFound(_("Price mismatch not found."))
    _require_finance(actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        msg = _("Give a reason (at most 300 characters).")
        raise ApplicationError(msg, code="invalid", fields={"reason": [msg]})
    if action not in ("consume", "dismiss"):
        raise ApplicationError(_("Choose consume or dismiss."), code="invalid", fields={"action": [_("Choose one.")]})
    m = PriceMismatch.objects.select_for_update().get(pk=mismatch_id)
    if m.status != MismatchStatus.OPEN:
        raise ApplicationError(_("This mismatch is already settled."), code="illegal_transition")
    if action == "consume":
        line = InvoiceLine.objects.select_for_update().get(pk=m.line_id)  # lines before sales
        sale = SaleEntry.objects.select_for_update().get(pk=m.sale_id)
        if line.invoice.status != InvoiceStatus.ISSUED:
            raise ApplicationError(_("The pre-invoice was reversed."), code="illegal_transition")
        most = min(sale.open_quantity, line.open_quantity)
        qty = most if quantity in (None, "") else parse_quantity(quantity)
        if most <= 0 or qty > most:
            msg = _("At most %(q)s can be consumed.") % {"q": most.normalize()}
            raise ApplicationError(msg, code="invalid_quantity", fields={"quantity": [msg]})
        amount = line.open_amount if qty == line.open_quantity else cents(qty * line.unit_price)
        if amount > sale.open_amount:
            msg = _("At the pre-invoice's price this is %(a)s, more than the sale's un-invoiced %(b)s: red-letter "
                    "the pre-invoice and issue it again instead.") % {"a": amount, "b": sale.open_amount}
            raise ApplicationError(msg, code="over_invoice")
        _consume(sale, line, qty, reason=reason, amount=amount)
        m.status = MismatchStatus.CONSUMED
    else:
        m.status = MismatchStatus.DISMISSED
    m.reason, m.settled_by, m.settled_at = reason, actor, timezone.now()
    m.save()
    audit_record(actor=actor, action="invoice_mismatch_settle", target=m.sale, customer_id=m.sale.customer_id,
                 changes={"status": [MismatchStatus.OPEN, m.status], "reason": [None, reason]})
    _coverage_changed(actor, [m.sale_id])
    return m


# --- the invariant ---------------------------------------------------------------------------

def _sums(qs, key_fields, q="quantity", a="amount") -> dict:
    out = {}
    for row in qs.values(*key_fields).annotate(q=Sum(q), a=Sum(a)).order_by():
        out[tuple(row[k] for k in key_fields)] = (exact(row["q"], 3), exact(row["a"], 2))
    return out


def check_invariant(customer_id: int | None = None) -> list[str]:
    """Every violation of the ledger's invariants, recomputed from the rows (empty = all hold):
    per customer × product, invoiced (every invoice line, red-letter lines negative) + un-invoiced
    (sales − active allocations − active consumptions) − pre-invoiced unconsumed (issued
    pre-invoice lines − their active consumptions) = approved sales, in quantity and amount;
    every counter equals its rows; no balance is negative."""
    sales = SaleEntry.objects.all()
    lines = InvoiceLine.objects.all()
    allocs = InvoiceAllocation.objects.filter(active=True)
    cons = PreInvoiceConsumption.objects.filter(active=True)
    if customer_id is not None:
        sales, lines = sales.filter(customer_id=customer_id), lines.filter(invoice__customer_id=customer_id)
        allocs, cons = allocs.filter(sale__customer_id=customer_id), cons.filter(sale__customer_id=customer_id)
    key = ("customer_id", "product_id")
    approved = _sums(sales, key)
    invoiced = _sums(lines, ("invoice__customer_id", "product_id"))
    allocated = _sums(allocs, ("sale__customer_id", "sale__product_id"))
    consumed = _sums(cons, ("sale__customer_id", "sale__product_id"))
    pre_lines = lines.filter(invoice__kind=InvoiceKind.PRE_INVOICE, invoice__status=InvoiceStatus.ISSUED)
    pre = _sums(pre_lines, ("invoice__customer_id", "product_id"))
    pre_used = _sums(cons.filter(line__invoice__status=InvoiceStatus.ISSUED),
                     ("line__invoice__customer_id", "line__product_id"))
    problems = []
    z = (ZERO, ZERO)
    for k in set(approved) | set(invoiced) | set(allocated) | set(consumed) | set(pre):
        for i, what in ((0, "quantity"), (1, "amount")):
            uninvoiced = approved.get(k, z)[i] - allocated.get(k, z)[i] - consumed.get(k, z)[i]
            pre_open = pre.get(k, z)[i] - pre_used.get(k, z)[i]
            lhs = invoiced.get(k, z)[i] + uninvoiced - pre_open
            if lhs != approved.get(k, z)[i]:
                problems.append(f"{k} {what}: invoiced {invoiced.get(k, z)[i]} + un-invoiced {uninvoiced} - "
                                f"pre-unconsumed {pre_open} != approved {approved.get(k, z)[i]}")
            if uninvoiced < 0 or pre_open < 0:
                problems.append(f"{k} {what}: negative balance")
    alloc_by_sale = _sums(allocs, ("sale_id",))
    cons_by_sale = _sums(cons, ("sale_id",))
    for s in sales:
        if (s.invoiced_quantity, s.invoiced_amount) != alloc_by_sale.get((s.pk,), z):
            problems.append(f"sale {s.pk}: invoiced counter {s.invoiced_quantity}/{s.invoiced_amount}")
        if (s.consumed_quantity, s.consumed_amount) != cons_by_sale.get((s.pk,), z):
            problems.append(f"sale {s.pk}: consumed counter")
        if s.open_quantity < 0 or s.open_amount < 0:
            problems.append(f"sale {s.pk}: negative open balance")
    cons_by_line = _sums(cons, ("line_id",))
    for ln in pre_lines:
        if (ln.consumed_quantity, ln.consumed_amount) != cons_by_line.get((ln.pk,), z):
            problems.append(f"pre line {ln.pk}: consumed counter")
        if ln.open_quantity < 0 or ln.open_amount < 0:
            problems.append(f"pre line {ln.pk}: negative open balance")
    alloc_by_line = _sums(InvoiceAllocation.objects.filter(line__invoice__kind=InvoiceKind.NORMAL), ("line_id",))
    for ln in lines.filter(invoice__kind=InvoiceKind.NORMAL):
        if (ln.quantity, ln.amount) != alloc_by_line.get((ln.pk,), z):
            problems.append(f"invoice line {ln.pk}: allocations differ from the line")
    return problems
