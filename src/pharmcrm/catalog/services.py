"""The only writers of products and prices. Every function checks ``can_edit_catalog``
first (administrators and sales admins; anyone else gets ``PermissionDenied``, 403).

Approval numbers: one 批准文号 covers one drug and specification; a company may sell it in
several packs, so the same number may appear on several products, but not twice with the
same (normalised) spec among products on sale. A discontinued product keeps its number.

Prices: see ``price_create``. Audit: product events target the product; price events target
the price, with ``customer_id`` for customer-specific prices so they appear in the
customer's history — except floor prices, which stay out of the customer's history because
that tab is readable by reps who may not see floor prices.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from pharmcrm.catalog import regions
from pharmcrm.catalog.models import PriceKind, Product, ProductPrice, ProductStatus
from pharmcrm.catalog.permissions import can_edit_catalog
from pharmcrm.catalog.validators import normalise_approval_number, normalise_spec, validate_approval_number
from pharmcrm.core.audit import audit_record, diff, snapshot
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.core.pinyin import search_key
from pharmcrm.org import visibility
from pharmcrm.org.models import User

TEXT_FIELDS = [
    "generic_name", "trade_name", "dosage_form", "spec", "packing_unit", "manufacturer", "mah",
    "approval_number", "insurance_class", "rx_class", "storage", "therapeutic_area", "status", "notes",
]
EDITABLE_FIELDS = [*TEXT_FIELDS, "case_quantity", "tax_rate"]
PRICE_DECIMALS = 4
MAX_PRICE = Decimal("9999999999.9999")


def _check_writer(actor: User) -> None:
    if not can_edit_catalog(actor):
        raise PermissionDenied(_("Only administrators and sales admins may change the product catalog."))


def _fail(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


def build_search_text(product: Product) -> str:
    key = search_key(product.generic_name, product.trade_name, product.manufacturer)
    number = product.approval_number.lower()
    return "|".join(p for p in (key, number, number.removeprefix("国药准字")) if p)


# --- products --------------------------------------------------------------------------------

def _int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise _fail(field, _("Enter a whole number."))
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        raise _fail(field, _("Enter a whole number.")) from None
    return n


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        raise _fail(field, _("Enter a number."))
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise _fail(field, _("Enter a number.")) from None
    if not d.is_finite():
        raise _fail(field, _("Enter a number."))
    return d


def _apply(product: Product, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    wrong = sorted(f for f in TEXT_FIELDS if f in data and data[f] is not None and not isinstance(data[f], str))
    if wrong:
        raise ApplicationError(_("Enter text."), code="invalid", fields={f: [_("Enter text.")] for f in wrong})
    for field in TEXT_FIELDS:
        if field in data:
            setattr(product, field, (data[field] or "").strip())
    if "case_quantity" in data:
        product.case_quantity = _int(data["case_quantity"], "case_quantity")
    if "tax_rate" in data:
        product.tax_rate = _decimal(data["tax_rate"], "tax_rate")
    product.approval_number = normalise_approval_number(product.approval_number)
    product.spec = normalise_spec(product.spec)
    product.search_text = build_search_text(product)


def _validate(product: Product) -> None:
    fields: dict[str, list[str]] = {}
    try:
        product.full_clean(exclude=["created_by", "search_text", "approval_number", "case_quantity", "tax_rate"],
                           validate_constraints=False)
    except ValidationError as exc:
        fields.update(exc.message_dict)
    for name in TEXT_FIELDS:  # Django does not check a TextField's max_length outside forms
        f = Product._meta.get_field(name)
        value = getattr(product, name)
        if f.max_length and isinstance(value, str) and len(value) > f.max_length and name not in fields:
            fields[name] = [_("At most %(n)d characters.") % {"n": f.max_length}]
    if not product.approval_number:
        fields["approval_number"] = [_("This field is required.")]
    else:
        try:
            validate_approval_number(product.approval_number)
        except ValidationError as exc:
            fields["approval_number"] = exc.messages
    if not 1 <= product.case_quantity <= 100_000:
        fields["case_quantity"] = [_("Units per case is a whole number from 1 to 100,000.")]
    rate = product.tax_rate
    if not (Decimal(0) <= rate <= Decimal(100)) or rate != rate.quantize(Decimal("0.01")):
        fields["tax_rate"] = [_("The tax rate is a percentage from 0 to 100 with at most 2 decimals, e.g. 13.")]
    if "approval_number" not in fields and "spec" not in fields and product.status == ProductStatus.ACTIVE:
        twin = (
            Product.objects.filter(status=ProductStatus.ACTIVE, approval_number=product.approval_number,
                                   spec=product.spec)
            .exclude(pk=product.pk).first()
        )
        if twin is not None:
            fields["approval_number"] = [
                _("Product “%(p)s” on sale already has this approval number and specification. "
                  "Use a different specification (pack), or discontinue the other product first.") % {"p": twin}
            ]
    if fields:
        first = next(iter(fields.values()))[0]
        raise ApplicationError(first, code="invalid", fields=fields)


def _save(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:  # a concurrent twin passed the check above at the same moment
        msg = _("Another product on sale already has this approval number and specification.")
        raise _fail("approval_number", msg, "duplicate") from None


AUDIT_FIELDS = EDITABLE_FIELDS


@transaction.atomic
def product_create(*, actor: User, data: dict[str, Any]) -> Product:
    _check_writer(actor)
    product = Product(created_by=actor)
    _apply(product, data)
    _validate(product)
    _save(product)
    audit_record(actor=actor, action="create", target=product,
                 changes={k: [None, v] for k, v in snapshot(product, AUDIT_FIELDS).items() if v not in ("", None)})
    return product


def _locked_product(product_id: int) -> Product:
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("Product not found."))
    return product


@transaction.atomic
def product_update(*, actor: User, product_id: int, data: dict[str, Any]) -> Product:
    _check_writer(actor)
    product = _locked_product(product_id)
    before = snapshot(product, AUDIT_FIELDS)
    _apply(product, data)
    _validate(product)
    changes = diff(before, snapshot(product, AUDIT_FIELDS))
    if changes:
        _save(product)
        audit_record(actor=actor, action="update", target=product, changes=changes)
    return product


@transaction.atomic
def product_set_status(*, actor: User, product_id: int, status: str) -> Product:
    """Discontinue (停售) or put back on sale. Nothing in the catalog is ever deleted."""
    if status not in ProductStatus.values:
        raise _fail("status", _("Unknown status."))
    return product_update(actor=actor, product_id=product_id, data={"status": status})


# --- prices ----------------------------------------------------------------------------------

def _price_value(value: Any) -> Decimal:
    price = _decimal(value, "price")
    if price <= 0:
        raise _fail("price", _("The price must be greater than 0."))
    if price > MAX_PRICE:
        raise _fail("price", _("The price is too large."))
    if price != price.quantize(Decimal(1).scaleb(-PRICE_DECIMALS)):
        raise _fail("price", _("At most 4 decimal places."))
    return price


def _date(value: Any, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _fail(field, _("Enter a date as YYYY-MM-DD.")) from None


def _collect(fields: dict[str, list[str]], parse):
    """``parse()``, or None with its field errors added to ``fields`` (to report every field at once)."""
    try:
        return parse()
    except ApplicationError as exc:
        fields.update(exc.fields)
        return None


def describe_price(price: ProductPrice) -> str:
    """"招商价 · 全国 · 2025-01-01 起 · ¥12.5000" — names a price in messages and the history."""
    scope = str(price.customer) if price.customer_id else regions.region_label(price.region_code)
    start = price.valid_from.isoformat()
    period = (_("%(start)s to %(end)s") % {"start": start, "end": price.valid_to.isoformat()}
              if price.valid_to else _("from %(start)s") % {"start": start})
    return f"{price.get_kind_display()} · {scope} · {period} · ¥{number_format(price.price, 4)}"


def _same_scope(price: ProductPrice):
    return ProductPrice.objects.filter(
        product_id=price.product_id, kind=price.kind, region_code=price.region_code,
        customer_id=price.customer_id, voided_at__isnull=True,
    ).exclude(pk=price.pk)


def _overlapping(price: ProductPrice):
    """Prices of the same product x kind x scope whose period meets ``price``'s."""
    qs = _same_scope(price)
    if price.valid_to is not None:
        qs = qs.filter(valid_from__lte=price.valid_to)
    return qs.exclude(valid_to__lt=price.valid_from).order_by("valid_from", "id")


def _overlap_error(other: ProductPrice) -> ApplicationError:
    msg = _("This period overlaps the existing price “%(other)s”. End that price first, or choose dates "
            "that do not overlap.") % {"other": describe_price(other)}
    return ApplicationError(msg, code="price_overlap", fields={"valid_from": [msg]})


def _check_customer(actor: User, customer_id: int | None):
    if customer_id is None:
        return None
    from pharmcrm.customers.models import Customer

    if not visibility.can_see(actor, customer_id):
        msg = _("Customer not found.")
        raise ApplicationError(msg, code="invalid_customer", fields={"customer_id": [msg]})
    return Customer.objects.get(pk=customer_id)


def _audit_price(actor: User, action: str, price: ProductPrice, changes: dict) -> None:
    customer_id = price.customer_id if price.kind != PriceKind.FLOOR else None
    audit_record(actor=actor, action=action, target=price, customer_id=customer_id,
                 label=f"{price.product} · {describe_price(price)}", changes=changes)


@transaction.atomic
def price_create(
    *, actor: User, product_id: int, kind: str, price: Any, valid_from: Any, valid_to: Any = None,
    region_code: str = "", customer_id: int | None = None, notes: str = "", replace_current: bool = False,
) -> ProductPrice:
    """Add a price. Rules: price > 0 (4 decimals); ``valid_to`` (inclusive, open if empty) not
    before ``valid_from``; scope national, one region (a valid code) or one customer (one the
    actor sees), never both; the product on sale; no overlap with another price of the same
    product x kind x scope — refused, naming the other price. With ``replace_current``, a
    price of that scope that started earlier and is still open (or ends later) is ended the
    day before the new one starts instead (a price change)."""
    _check_writer(actor)
    product = _locked_product(product_id)
    fields: dict[str, list[str]] = {}
    if kind not in PriceKind.values:
        fields["kind"] = [_("Choose a price type.")]
    if product.status != ProductStatus.ACTIVE:
        raise ApplicationError(_("“%(p)s” is discontinued: put it back on sale before adding prices.")
                               % {"p": product}, code="product_discontinued")
    value = _collect(fields, lambda: _price_value(price))
    start = _collect(fields, lambda: _date(valid_from, "valid_from"))
    end = _collect(fields, lambda: _date(valid_to, "valid_to"))
    if start is None:
        fields.setdefault("valid_from", [_("This field is required.")])
    elif end is not None and end < start:
        fields["valid_to"] = [_("The end date cannot be before the start date.")]
    region_code = (region_code or "").strip()
    if region_code and customer_id is not None:
        fields["region_code"] = [_("A price applies to a region or to a customer, not both.")]
    elif region_code:
        try:
            regions.region_validate(region_code)
        except ValidationError as exc:
            fields["region_code"] = exc.messages
    notes = (notes or "").strip()
    if len(notes) > 300:
        fields["notes"] = [_("At most %(n)d characters.") % {"n": 300}]
    if fields:
        raise ApplicationError(next(iter(fields.values()))[0], code="invalid", fields=fields)
    customer = _check_customer(actor, customer_id)
    new = ProductPrice(product=product, kind=kind, price=value, valid_from=start, valid_to=end,
                       region_code=region_code, customer=customer, notes=notes, created_by=actor)
    overlaps = list(_overlapping(new))
    if overlaps and replace_current:
        first = overlaps[0]
        # only a plain price change: one earlier price, cut the day before; a bounded new price
        # inside an open one would leave a gap after it, so that is refused like any overlap
        if len(overlaps) == 1 and first.valid_from < start and (
                end is None or (first.valid_to is not None and first.valid_to <= end)):
            old_end = first.valid_to
            first.valid_to = start - datetime.timedelta(days=1)
            first.save(update_fields=["valid_to"])
            _audit_price(actor, "price_end", first, {"valid_to": [old_end, first.valid_to]})
            overlaps = []
    if overlaps:
        raise _overlap_error(overlaps[0])
    new.save()
    _audit_price(actor, "price_create", new, {
        "kind": [None, kind], "price": [None, value], "region_code": [None, region_code or None],
        "customer": [None, customer], "valid_from": [None, start], "valid_to": [None, end],
        **({"notes": [None, notes]} if notes else {}),
    })
    return new


def _locked_price(actor: User, price_id: int) -> ProductPrice:
    from pharmcrm.catalog.selectors import visible_prices

    if not visible_prices(actor, include_void=True).filter(pk=price_id).exists():
        raise NotFound(_("Price not found."))
    return ProductPrice.objects.select_for_update(of=("self",)).select_related("product", "customer").get(pk=price_id)


@transaction.atomic
def price_end(*, actor: User, price_id: int, valid_to: Any) -> ProductPrice:
    """Set (or move) the last day a price is valid. It may not end before it starts, nor be
    extended over another price of the same scope."""
    _check_writer(actor)
    price = _locked_price(actor, price_id)
    if price.is_void:
        raise ApplicationError(_("This price was voided."), code="price_void")
    end = _date(valid_to, "valid_to")
    if end is None:
        raise _fail("valid_to", _("This field is required."))
    if end < price.valid_from:
        raise _fail("valid_to", _("The end date cannot be before the start date (%(d)s).")
                    % {"d": price.valid_from.isoformat()})
    old = price.valid_to
    if old == end:
        return price
    price.valid_to = end
    other = _overlapping(price).first()
    if other is not None:
        raise _overlap_error(other)
    price.save(update_fields=["valid_to"])
    _audit_price(actor, "price_end", price, {"valid_to": [old, end]})
    return price


@transaction.atomic
def price_void(*, actor: User, price_id: int, reason: str) -> ProductPrice:
    """Void a wrongly entered price: kept for the record, ignored everywhere else."""
    _check_writer(actor)
    price = _locked_price(actor, price_id)
    reason = (reason or "").strip()
    if not reason:
        raise _fail("reason", _("Say why the price is voided."))
    if len(reason) > 300:
        raise _fail("reason", _("At most %(n)d characters.") % {"n": 300})
    if price.is_void:
        return price
    price.voided_at = timezone.now()
    price.voided_by = actor
    price.void_reason = reason
    price.save(update_fields=["voided_at", "voided_by", "void_reason"])
    _audit_price(actor, "price_void", price, {"void_reason": [None, reason]})
    return price
