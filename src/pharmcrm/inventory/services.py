"""The only writers of stock (库存/批号). The public API used by other areas (orders, returns) is
documented in docs/inventory.md "For developers".

Rights:
* receiving (``receipt_post``), adjusting (``adjustment_post``), batch status and warehouses:
  users with the warehouse role or administrators (``can_manage_stock``); others get
  ``PermissionDenied`` (403);
* ``allocate`` and ``restock`` take an ``actor`` (recorded on the ledger) but check NO rights:
  they are called by other services (an order's outbound, a cancellation, a return) which check
  their own rights first.

The ledger: every change of ``Batch.on_hand`` goes through ``_move`` (a locked batch, a signed
``StockMove`` in the same transaction), so on_hand == sum(moves) for every batch, always.
Quantities are ``Decimal`` with at most 3 decimals; bad input raises ``ApplicationError`` before
anything is written (and the whole service is one transaction).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from pharmcrm.catalog.models import Product
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.inventory.models import (
    ZERO,
    AdjustmentReason,
    Batch,
    BatchStatus,
    MoveKind,
    ReceiptSequence,
    StockAdjustment,
    StockMove,
    StockReceipt,
    StockReceiptLine,
    Warehouse,
)
from pharmcrm.inventory.selectors import available_batches
from pharmcrm.org.models import Role, User

NUMBER_PREFIX = "RK"
MAX_QUANTITY = Decimal("99999999999.999")  # 14 digits, 3 decimals
STEP = Decimal("0.001")
MAX_LINES = 200
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)


@dataclass(frozen=True)
class Allocation:
    """One batch and the quantity taken from (or proposed from) it."""

    batch: Batch
    quantity: Decimal


# --- rights and input ------------------------------------------------------------------------

def can_manage_stock(user) -> bool:
    """Receive, adjust, change batch status, manage warehouses: warehouse role or administrator."""
    return bool(user and user.is_active and (user.is_admin or user.has_role(Role.WAREHOUSE)))


def _require_manager(actor: User) -> None:
    if not can_manage_stock(actor):
        raise PermissionDenied(_("Only warehouse staff and administrators may change stock."))


def parse_quantity(value: Any, *, field: str = "quantity", signed: bool = False) -> Decimal:
    """A quantity as ``Decimal``: > 0 (or non-zero when ``signed``), at most 3 decimals, never
    rounded silently. Raises ``ApplicationError`` (code "invalid_quantity") naming ``field``."""
    def bad(msg: str) -> ApplicationError:
        return ApplicationError(msg, code="invalid_quantity", fields={field: [msg]})

    if isinstance(value, bool) or value is None or value == "":
        raise bad(_("Enter a quantity."))
    try:
        if isinstance(value, float):
            value = str(value)
        q = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise bad(_("Enter a number such as 120 or 12.5.")) from None
    if not q.is_finite():
        raise bad(_("Enter a number such as 120 or 12.5."))
    if abs(q) > MAX_QUANTITY:
        raise bad(_("The quantity is too large."))
    if q != q.quantize(STEP):
        raise bad(_("A quantity has at most 3 decimals."))
    if signed:
        if q == 0:
            raise bad(_("The change cannot be zero."))
    elif q <= 0:
        raise bad(_("The quantity must be greater than zero."))
    return q.quantize(STEP)


def _date(value: Any, field: str, fields: dict, *, required: bool) -> datetime.date | None:
    if value in (None, ""):
        if required:
            fields.setdefault(field, []).append(_("This field is required."))
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime.date) or not (EARLIEST <= value <= LATEST):
        fields.setdefault(field, []).append(_("Enter a date such as 2026-03-01."))
        return None
    return value


def _text(value: Any, max_length: int) -> str:
    text = "" if value is None else str(value).replace("\x00", "").strip()
    return text[:max_length] if len(text) > max_length else text


def _first(fields: dict[str, list[str]]) -> str:
    for msgs in fields.values():
        if msgs:
            return msgs[0]
    return _("Invalid input.")


# --- the ledger ----------------------------------------------------------------------------------

def _move(*, batch: Batch, kind: str, quantity: Decimal, actor: User | None, ref_type: str = "",
          ref_id: int | None = None, reason: str = "", at: datetime.datetime | None = None) -> StockMove:
    """THE only writer of ``Batch.on_hand``: ``batch`` must be locked by the caller (select_for_update
    in this transaction). Refuses to go below zero (and the database CHECK would too)."""
    if not connection.in_atomic_block:
        raise RuntimeError("inventory._move must run inside a transaction")
    new = batch.on_hand + quantity
    if new < 0:
        raise ApplicationError(
            _("Batch %(batch)s has only %(n)s on hand.") % {"batch": batch.batch_no, "n": _fmt(batch.on_hand)},
            code="insufficient_stock", fields={"quantity": [_("At most %(n)s.") % {"n": _fmt(batch.on_hand)}]})
    # the new value computed in Python from the locked row: exact (SQLite would add decimals as floats)
    Batch.objects.filter(pk=batch.pk).update(on_hand=new, updated_at=timezone.now())
    batch.on_hand = new
    return StockMove.objects.create(batch=batch, kind=kind, quantity=quantity, ref_type=ref_type[:40],
                                    ref_id=ref_id, reason=reason[:300], actor=actor if getattr(actor, "pk", None)
                                    else None, at=at or timezone.now())


def _fmt(q: Decimal) -> str:
    """1200.000 -> "1,200"; 12.500 -> "12.5"."""
    text = f"{q:,.3f}".rstrip("0").rstrip(".")
    return text


def _lock(ids) -> dict[int, Batch]:
    """Lock batch rows in id order (every locker uses this order: no deadlocks)."""
    return {b.pk: b for b in Batch.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("id")}


# --- receipts ----------------------------------------------------------------------------------

def _next_number(day: datetime.date) -> str:
    """RK-<year>-<n:06d>: the year's counter row is incremented by one UPDATE that locks it until
    the posting transaction ends, so two posters never get the same number."""
    year = day.year
    ReceiptSequence.objects.get_or_create(year=year)
    ReceiptSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = ReceiptSequence.objects.filter(year=year).values_list("last", flat=True).get()
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


@transaction.atomic
def receipt_post(*, actor: User, warehouse_id: int, received_on: datetime.date | str | None = None,
                 supplier: str = "", notes: str = "", lines: list[dict[str, Any]]) -> StockReceipt:
    """Post a stock-in receipt (入库单) in one transaction: every line creates its batch
    (warehouse, product, batch_no) or adds to the existing one, with a ``receipt`` move.

    ``lines``: dicts with product_id, batch_no, expiry_date (required), production_date
    (optional), quantity (> 0, at most 3 decimals). An existing batch number with another expiry
    date is an error naming the line. All errors are collected (fields ``lines.<i>.<name>``, i from
    0) and nothing is written. Warehouse role or administrator."""
    _require_manager(actor)
    fields: dict[str, list[str]] = {}
    warehouse = Warehouse.objects.filter(pk=warehouse_id, is_active=True).first() if isinstance(
        warehouse_id, int) else None
    if warehouse is None:
        fields["warehouse_id"] = [_("Choose an active warehouse.")]
    day = _date(received_on or timezone.localdate(), "received_on", fields, required=True)
    if day and day > timezone.localdate():
        fields["received_on"] = [_("The receiving date cannot be in the future.")]
    if not isinstance(lines, list | tuple) or not lines:
        fields["lines"] = [_("Add at least one line.")]
        lines = []
    elif len(lines) > MAX_LINES:
        fields["lines"] = [_("At most %(n)d lines.") % {"n": MAX_LINES}]
        lines = []
    product_ids = {ln.get("product_id") for ln in lines if isinstance(ln, dict)}
    products = Product.objects.in_bulk([p for p in product_ids if isinstance(p, int) and not isinstance(p, bool)])
    clean: list[dict] = []
    seen: dict[tuple, int] = {}
    for i, ln in enumerate(lines):
        n = i + 1

        def err(name: str, msg: str, i=i, n=n) -> None:
            fields.setdefault(f"lines.{i}.{name}", []).append(_("Line %(n)d: %(msg)s") % {"n": n, "msg": msg})

        if not isinstance(ln, dict):
            err("product_id", _("invalid line."))
            continue
        product = products.get(ln.get("product_id"))
        if product is None:
            err("product_id", _("choose a product from the catalog."))
        batch_no = _text(ln.get("batch_no"), 100)
        if not batch_no:
            err("batch_no", _("enter the batch number."))
        elif len(batch_no) > 40:
            err("batch_no", _("a batch number has at most 40 characters."))
        sub: dict[str, list[str]] = {}
        expiry = _date(ln.get("expiry_date"), "expiry_date", sub, required=True)
        produced = _date(ln.get("production_date"), "production_date", sub, required=False)
        for name, msgs in sub.items():
            for m in msgs:
                err(name, m)
        if expiry and produced and produced >= expiry:
            err("expiry_date", _("the expiry date must be after the production date."))
        if produced and produced > timezone.localdate():
            err("production_date", _("the production date cannot be in the future."))
        try:
            qty = parse_quantity(ln.get("quantity"), field="quantity")
        except ApplicationError as exc:
            err("quantity", exc.message)
            qty = None
        if product and batch_no:
            key = (product.pk, batch_no)
            if key in seen and expiry and seen[key] != expiry:
                err("expiry_date", _("the same batch number appears above with another expiry date."))
            elif expiry:
                seen.setdefault(key, expiry)
        clean.append({"i": i, "product": product, "batch_no": batch_no, "expiry": expiry, "produced": produced,
                      "qty": qty})
    checkable = [c for c in clean if c["product"] and c["batch_no"] and c["expiry"]]
    if warehouse is not None and checkable:
        existing = {(b.product_id, b.batch_no): b for b in Batch.objects.filter(
            warehouse=warehouse, product_id__in=[c["product"].pk for c in checkable],
            batch_no__in=[c["batch_no"] for c in checkable])}
        for c in checkable:
            b = existing.get((c["product"].pk, c["batch_no"]))
            if b is not None and b.expiry_date != c["expiry"]:
                fields.setdefault(f"lines.{c['i']}.expiry_date", []).append(
                    _("Line %(n)d: batch %(batch)s of %(product)s is already in %(wh)s with expiry date %(date)s; "
                      "check the batch number or the expiry date.") % {
                        "n": c["i"] + 1, "batch": c["batch_no"], "product": c["product"], "wh": warehouse,
                        "date": b.expiry_date.isoformat()})
    if fields:
        raise ApplicationError(_first(fields), code="invalid", fields=fields)

    receipt = StockReceipt.objects.create(number=_next_number(day), warehouse=warehouse,
                                          supplier=_text(supplier, 200), received_on=day,
                                          notes=_text(notes, 2000), created_by=actor)
    now = timezone.now()
    for c in clean:
        batch, _created = Batch.objects.get_or_create(
            warehouse=warehouse, product=c["product"], batch_no=c["batch_no"],
            defaults={"expiry_date": c["expiry"], "production_date": c["produced"]})
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        if batch.expiry_date != c["expiry"]:  # created by someone else meanwhile with another date
            raise ApplicationError(
                _("Line %(n)d: batch %(batch)s is already in stock with expiry date %(date)s.") % {
                    "n": c["i"] + 1, "batch": c["batch_no"], "date": batch.expiry_date.isoformat()},
                code="invalid", fields={f"lines.{c['i']}.expiry_date": [_("Expiry date mismatch.")]})
        if batch.production_date is None and c["produced"]:
            Batch.objects.filter(pk=batch.pk).update(production_date=c["produced"])
        line = StockReceiptLine.objects.create(
            receipt=receipt, line_no=c["i"] + 1, product=c["product"], batch=batch, batch_no=c["batch_no"],
            production_date=c["produced"], expiry_date=c["expiry"], quantity=c["qty"])
        _move(batch=batch, kind=MoveKind.RECEIPT, quantity=c["qty"], actor=actor, ref_type="inventory.receipt",
              ref_id=receipt.pk, reason=receipt.number, at=now)
        del line
    audit_record(actor=actor, action="create", target=receipt, changes={
        "number": [None, receipt.number], "warehouse": [None, str(warehouse)], "supplier": [None, receipt.supplier],
        "received_on": [None, day.isoformat()],
        "lines": [None, [f"{c['product']} {c['batch_no']} {c['expiry'].isoformat()} ×{_fmt(c['qty'])}"
                         for c in clean]]})
    return receipt


# --- adjustments and status -------------------------------------------------------------------------

@transaction.atomic
def adjustment_post(*, actor: User, batch_id: int, delta: Decimal | str | int, reason: str,
                    reason_text: str = "") -> StockAdjustment:
    """Correct one batch's quantity by ``delta`` (non-zero, ± at most 3 decimals) with a reason
    (``AdjustmentReason``; an explanation is required for "other"). Never below zero. Warehouse role
    or administrator."""
    _require_manager(actor)
    fields: dict[str, list[str]] = {}
    try:
        d = parse_quantity(delta, field="delta", signed=True)
    except ApplicationError as exc:
        fields.update(exc.fields)
        d = None
    if reason not in AdjustmentReason.values:
        fields["reason"] = [_("Choose a reason.")]
    text = _text(reason_text, 300)
    if reason == AdjustmentReason.OTHER and not text:
        fields["reason_text"] = [_("Explain the adjustment.")]
    if fields:
        raise ApplicationError(_first(fields), code="invalid", fields=fields)
    batch = _lock([batch_id]).get(batch_id) if isinstance(batch_id, int) else None
    if batch is None:
        raise NotFound(_("Batch not found."))
    if batch.on_hand + d < 0:
        msg = _("Batch %(batch)s has only %(n)s on hand; it cannot go below zero.") % {
            "batch": batch.batch_no, "n": _fmt(batch.on_hand)}
        raise ApplicationError(msg, code="insufficient_stock", fields={"delta": [msg]})
    adj = StockAdjustment.objects.create(batch=batch, delta=d, reason=reason, reason_text=text, created_by=actor)
    label = AdjustmentReason(reason).label
    # the move keeps the explanation; the reason's label is shown in the reader's language (selectors)
    _move(batch=batch, kind=MoveKind.ADJUSTMENT, quantity=d, actor=actor, ref_type="inventory.adjustment",
          ref_id=adj.pk, reason=text)
    audit_record(actor=actor, action="adjust", target=batch, label=f"{batch.batch_no} {batch.product_id}",
                 changes={"on_hand": [str(batch.on_hand - d), str(batch.on_hand)], "reason": [None, str(label)],
                          "reason_text": [None, text]})
    return adj


@transaction.atomic
def batch_set_status(*, actor: User, batch_id: int, status: str, reason: str = "") -> Batch:
    """Release from quarantine (待验 → available), lock (锁定, e.g. a recall) or unlock a batch.
    Only available batches are allocated. Warehouse role or administrator."""
    _require_manager(actor)
    if status not in BatchStatus.values:
        raise ApplicationError(_("Choose a status."), code="invalid", fields={"status": [_("Choose a status.")]})
    batch = _lock([batch_id]).get(batch_id) if isinstance(batch_id, int) else None
    if batch is None:
        raise NotFound(_("Batch not found."))
    text = _text(reason, 300)
    if status != BatchStatus.AVAILABLE and not text:
        raise ApplicationError(_("Say why the batch is held."), code="invalid",
                               fields={"reason": [_("Say why the batch is held.")]})
    if batch.status == status:
        return batch
    old = batch.status
    Batch.objects.filter(pk=batch.pk, status=old).update(status=status, updated_at=timezone.now())
    batch.status = status
    audit_record(actor=actor, action="status", target=batch, label=batch.batch_no,
                 changes={"status": [old, status], "reason": [None, text]})
    return batch


# --- warehouses --------------------------------------------------------------------------------------

WAREHOUSE_FIELDS = ["code", "name", "address", "is_active", "notes"]


def _warehouse_apply(wh: Warehouse, data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(WAREHOUSE_FIELDS))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(unknown)}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    fields: dict[str, list[str]] = {}
    if "code" in data:
        wh.code = _text(data["code"], 100).upper()
    if "name" in data:
        wh.name = _text(data["name"], 200)
    if "address" in data:
        wh.address = _text(data["address"], 300)
    if "notes" in data:
        wh.notes = _text(data["notes"], 2000)
    if "is_active" in data:
        wh.is_active = bool(data["is_active"])
    if not wh.code:
        fields["code"] = [_("Enter a code such as SH01.")]
    elif len(wh.code) > 20:
        fields["code"] = [_("At most 20 characters.")]
    elif Warehouse.objects.filter(code=wh.code).exclude(pk=wh.pk).exists():
        fields["code"] = [_("Another warehouse has this code.")]
    if not wh.name:
        fields["name"] = [_("Enter the warehouse's name.")]
    elif len(wh.name) > 100:
        fields["name"] = [_("At most 100 characters.")]
    if fields:
        raise ApplicationError(_first(fields), code="invalid", fields=fields)


@transaction.atomic
def warehouse_create(*, actor: User, data: dict[str, Any]) -> Warehouse:
    _require_manager(actor)
    wh = Warehouse()
    _warehouse_apply(wh, data)
    wh.save()
    audit_record(actor=actor, action="create", target=wh, changes={k: [None, v] for k, v in
                                                                   snapshot(wh, WAREHOUSE_FIELDS).items()})
    return wh


@transaction.atomic
def warehouse_update(*, actor: User, warehouse_id: int, data: dict[str, Any]) -> Warehouse:
    _require_manager(actor)
    wh = Warehouse.objects.select_for_update().filter(pk=warehouse_id).first()
    if wh is None:
        raise NotFound(_("Warehouse not found."))
    before = snapshot(wh, WAREHOUSE_FIELDS)
    _warehouse_apply(wh, data)
    wh.save()
    changes = diff(before, snapshot(wh, WAREHOUSE_FIELDS))
    if changes:
        audit_record(actor=actor, action="update", target=wh, changes=changes)
    return wh


# --- allocation (used by orders) ---------------------------------------------------------------

def _short(product_id: int, wanted: Decimal, available: Decimal) -> ApplicationError:
    msg = _("Not enough stock: %(wanted)s wanted, %(available)s available in eligible batches.") % {
        "wanted": _fmt(wanted), "available": _fmt(available)}
    err = ApplicationError(msg, code="insufficient_stock", fields={"quantity": [msg]})
    err.available = available
    err.api_extra = lambda: {"available": str(available)}
    return err


def _fefo(batches: list[Batch], quantity: Decimal) -> list[Allocation]:
    out: list[Allocation] = []
    left = quantity
    for b in batches:
        if left <= 0:
            break
        take = min(b.on_hand, left)
        if take > 0:
            out.append(Allocation(batch=b, quantity=take))
            left -= take
    return out


def propose_allocation(*, product_id: int, quantity: Decimal | str | int, min_expiry: datetime.date | None = None,
                       warehouse_id: int | None = None) -> list[Allocation]:
    """FEFO (近效期先出) proposal for display: no locks, nothing written. Raises ApplicationError
    "insufficient_stock" (with ``.available`` and the available quantity in the message) when the
    eligible batches hold less than ``quantity``."""
    qty = parse_quantity(quantity)
    batches = list(available_batches(product_id=product_id, min_expiry=min_expiry, warehouse_id=warehouse_id)
                   .select_related("warehouse", "product"))
    total = sum((b.on_hand for b in batches), ZERO)
    if total < qty:
        raise _short(product_id, qty, total)
    return _fefo(batches, qty)


def _eligible(b: Batch, *, product_id: int, today: datetime.date, min_expiry: datetime.date | None,
              warehouse_id: int | None) -> str | None:
    """Why batch ``b`` may not be allocated, or None."""
    if b.product_id != product_id:
        return _("batch %(batch)s is not of this product.")
    if warehouse_id is not None and b.warehouse_id != warehouse_id:
        return _("batch %(batch)s is in another warehouse.")
    if b.status != BatchStatus.AVAILABLE:
        return _("batch %(batch)s is not available (quarantined or locked).")
    if b.expiry_date < today:
        return _("batch %(batch)s has expired.")
    if min_expiry and b.expiry_date < min_expiry:
        return _("batch %(batch)s expires before the customer's minimum remaining shelf life.")
    return None


def allocate(*, actor: User | None, product_id: int, quantity: Decimal | str | int, ref_type: str, ref_id: int,
             min_expiry: datetime.date | None = None, warehouse_id: int | None = None,
             chosen: list[tuple[int, Decimal]] | None = None) -> list[Allocation]:
    """Take ``quantity`` of ``product_id`` out of stock for (ref_type, ref_id), writing negative
    ``outbound`` moves. MUST run inside the caller's transaction (RuntimeError otherwise): the moves
    commit or roll back with the caller's document.

    Without ``chosen``: FEFO — available, unexpired batches with expiry >= ``min_expiry`` (the
    customer's minimum remaining shelf life as a date), nearest expiry first (expiry_date, id).
    With ``chosen`` [(batch_id, quantity)] (the warehouse's override): each batch must be of this
    product (and warehouse), available, unexpired, meet ``min_expiry`` and hold enough, and the
    quantities must add up exactly to ``quantity``.

    Batch rows are locked (select_for_update) in id order, then re-checked: never more than on
    hand, never negative, safe under concurrency. Checks no rights (the caller does); ``actor`` is
    recorded on the moves. Errors: ApplicationError codes "invalid_quantity", "unknown_product",
    "insufficient_stock" (``.available``), "invalid_batch_choice"."""
    if not connection.in_atomic_block:
        raise RuntimeError("inventory.allocate must run inside the caller's transaction (transaction.atomic)")
    qty = parse_quantity(quantity)
    if not isinstance(product_id, int) or not Product.objects.filter(pk=product_id).exists():
        raise ApplicationError(_("Unknown product."), code="unknown_product",
                               fields={"product_id": [_("Unknown product.")]})
    today = timezone.localdate()
    if chosen is None:
        candidates = list(available_batches(product_id=product_id, min_expiry=min_expiry,
                                            warehouse_id=warehouse_id, today=today).values_list("id", flat=True))
        locked = _lock(candidates)
        usable = sorted((b for b in locked.values()
                         if b.on_hand > 0 and _eligible(b, product_id=product_id, today=today, min_expiry=min_expiry,
                                                        warehouse_id=warehouse_id) is None),
                        key=lambda b: (b.expiry_date, b.pk))
        total = sum((b.on_hand for b in usable), ZERO)
        if total < qty:
            raise _short(product_id, qty, total)
        plan = _fefo(usable, qty)
    else:
        plan = _chosen_plan(chosen, product_id=product_id, qty=qty, today=today, min_expiry=min_expiry,
                            warehouse_id=warehouse_id)
    now = timezone.now()
    for a in plan:
        _move(batch=a.batch, kind=MoveKind.OUTBOUND, quantity=-a.quantity, actor=actor, ref_type=ref_type,
              ref_id=ref_id, at=now)
    return plan


def _chosen_plan(chosen, *, product_id: int, qty: Decimal, today, min_expiry, warehouse_id) -> list[Allocation]:
    def bad(msg: str) -> ApplicationError:
        return ApplicationError(msg, code="invalid_batch_choice", fields={"chosen": [msg]})

    if not isinstance(chosen, list | tuple) or not chosen:
        raise bad(_("Choose at least one batch."))
    wanted: dict[int, Decimal] = {}
    for item in chosen:
        try:
            batch_id, q = item
        except (TypeError, ValueError):
            raise bad(_("Each choice is a batch and a quantity.")) from None
        if not isinstance(batch_id, int) or isinstance(batch_id, bool):
            raise bad(_("Each choice is a batch and a quantity."))
        if batch_id in wanted:
            raise bad(_("A batch is chosen twice."))
        wanted[batch_id] = parse_quantity(q, field="chosen")
    total = sum(wanted.values(), ZERO)
    if total != qty:
        raise bad(_("The chosen quantities add up to %(sum)s, not %(qty)s.") % {"sum": _fmt(total), "qty": _fmt(qty)})
    locked = _lock(wanted)
    plan = []
    for batch_id, q in wanted.items():
        b = locked.get(batch_id)
        if b is None:
            raise bad(_("Batch not found."))
        why = _eligible(b, product_id=product_id, today=today, min_expiry=min_expiry, warehouse_id=warehouse_id)
        if why:
            raise bad(why % {"batch": b.batch_no})
        if b.on_hand < q:
            raise ApplicationError(
                _("Batch %(batch)s has only %(n)s on hand.") % {"batch": b.batch_no, "n": _fmt(b.on_hand)},
                code="insufficient_stock", fields={"chosen": [_("Batch %(batch)s has only %(n)s on hand.") % {
                    "batch": b.batch_no, "n": _fmt(b.on_hand)}]})
        plan.append(Allocation(batch=b, quantity=q))
    return sorted(plan, key=lambda a: (a.batch.expiry_date, a.batch.pk))


@transaction.atomic
def restock(*, actor: User | None, allocations: list[tuple[int, Decimal]], ref_type: str, ref_id: int,
            reason: str = "") -> list[StockMove]:
    """Put stock back into the batches it came from (an order cancelled after outbound, a return):
    positive ``return`` moves. Per batch, never more than was taken out under (ref_type, ref_id)
    minus what was already returned under it (code "return_exceeds_outbound"). Checks no rights
    (the caller does). Runs in the caller's transaction when there is one."""
    if not isinstance(allocations, list | tuple) or not allocations:
        raise ApplicationError(_("Nothing to return."), code="invalid", fields={"allocations": [_("Nothing to return.")]})
    wanted: dict[int, Decimal] = {}
    for item in allocations:
        try:
            batch_id, q = item
        except (TypeError, ValueError):
            raise ApplicationError(_("Each return is a batch and a quantity."), code="invalid") from None
        if not isinstance(batch_id, int) or isinstance(batch_id, bool):
            raise ApplicationError(_("Each return is a batch and a quantity."), code="invalid")
        wanted[batch_id] = wanted.get(batch_id, ZERO) + parse_quantity(q)
    locked = _lock(wanted)
    taken: dict[int, Decimal] = {}
    for batch_id, q in StockMove.objects.filter(
            batch_id__in=list(wanted), ref_type=ref_type, ref_id=ref_id,
            kind__in=(MoveKind.OUTBOUND, MoveKind.RETURN)).values_list("batch_id", "quantity"):
        taken[batch_id] = taken.get(batch_id, ZERO) - q
    moves = []
    now = timezone.now()
    for batch_id in sorted(wanted):
        b = locked.get(batch_id)
        if b is None:
            raise NotFound(_("Batch not found."))
        q = wanted[batch_id]
        if q > taken.get(batch_id, ZERO):
            msg = _("Batch %(batch)s: %(q)s to return but only %(n)s went out under this document.") % {
                "batch": b.batch_no, "q": _fmt(q), "n": _fmt(taken.get(batch_id, ZERO))}
            raise ApplicationError(msg, code="return_exceeds_outbound", fields={"allocations": [msg]})
        moves.append(_move(batch=b, kind=MoveKind.RETURN, quantity=q, actor=actor, ref_type=ref_type,
                           ref_id=ref_id, reason=_text(reason, 300), at=now))
    return moves
