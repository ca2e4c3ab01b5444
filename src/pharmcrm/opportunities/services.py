"""The only writers of opportunities (销售机会), their lines, stage history and the stage table.

Rights: an opportunity is written by whoever may WRITE its customer (owner, heads above,
read-write shares, administrators; ``org.visibility``); one the actor cannot see — or whose
customer they cannot see — is ``NotFound`` (404); visible but not writable is
``PermissionDenied`` (403). The stage table is for administrators.

Stages: a new opportunity starts in the first active open stage unless one is given; its
probability defaults from its stage and follows the stage on every move (it may be edited
afterwards). Moving to a lost stage needs a loss reason (a competitor may be named); moving out
of lost clears them. Won and lost set ``closed_at``. Once an order draft was created from a won
opportunity it stays won.

Every move runs in one transaction: the row is locked (``select_for_update``) and the stage
change is a conditional UPDATE on the stage read, so a double drop applies once; a
``StageChange`` and an audit record are written with it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pharmcrm.catalog.models import Product, ProductStatus
from pharmcrm.core.audit import audit_record
from pharmcrm.core.errors import ApplicationError, NotFound, PermissionDenied
from pharmcrm.opportunities.models import Opportunity, OpportunityLine, Stage, StageChange, StageKind
from pharmcrm.org import visibility
from pharmcrm.org.models import User
from pharmcrm.sales.services import parse_decimal

MAX_LINES = 100
MAX_QUANTITY = Decimal("99999999999")
MAX_AMOUNT = Decimal("999999999999")
CREATE_FIELDS = ("customer_id", "name", "stage_id", "probability", "expected_amount", "expected_close_date",
                 "owner_id", "next_step", "lines", "loss_reason", "competitor")
EDIT_FIELDS = tuple(f for f in CREATE_FIELDS if f not in ("customer_id", "stage_id"))
LINE_FIELDS = ("product_id", "quantity", "amount")
STAGE_FIELDS = ("name", "probability", "order", "kind", "active")


# --- small helpers (quotations use them too) ---------------------------------------------------

def invalid(fields: dict[str, list[str]]) -> ApplicationError:
    first = next(iter(fields.values()))[0]
    return ApplicationError(first, code="invalid", fields=fields)


def as_id(value) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value >= 2**63:
        return None
    return value


def check_unknown(data: dict, allowed) -> None:
    if not isinstance(data, dict):
        raise ApplicationError(_("Invalid input."), code="invalid")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(map(str, unknown))},
                               code="unknown_field", fields={f: [_("Unknown field.")] for f in unknown})


def text(data: dict, name: str, fields: dict, *, limit: int, required_msg: str | None = None) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        fields[name] = [_("Enter text.")]
        return None
    value = (value or "").strip()
    if "\x00" in value:
        fields[name] = [_("Enter text.")]
        return None
    if len(value) > limit:
        fields[name] = [_("At most %(n)d characters.") % {"n": limit}]
        return None
    if not value and required_msg:
        fields[name] = [required_msg]
        return None
    return value


def parse_date(value, name: str, fields: dict, *, required_msg: str | None = None) -> datetime.date | None:
    if value in (None, ""):
        if required_msg:
            fields[name] = [required_msg]
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        fields[name] = [_("Enter a valid date (YYYY-MM-DD).")]
        return None


def customer_for_write(actor: User, customer_id, *, what: str):
    """The (alive) customer if ``actor`` may write it; NotFound if invisible, 403 if read-only."""
    from pharmcrm.customers.models import Customer

    cid = as_id(customer_id)
    if cid is None:
        raise invalid({"customer_id": [_("Choose a customer.")]})
    customer = Customer.objects.filter(pk=cid, deleted_at__isnull=True).first()
    if customer is None or not visibility.can_see(actor, cid):
        raise NotFound(_("Customer not found."))
    if not visibility.can_write(actor, cid):
        raise PermissionDenied(_("You may view this customer but not change its %(what)s; ask its owner to share "
                                 "it with you read-write.") % {"what": what})
    return customer


def products_by_id(raw_lines) -> dict[int, Product]:
    ids = [as_id(r.get("product_id")) for r in raw_lines if isinstance(r, dict)]
    return {p.pk: p for p in Product.objects.filter(pk__in=[i for i in ids if i])}


def opportunity_url(opportunity: Opportunity) -> str:
    return reverse("web:opportunity_detail", args=[opportunity.pk])


# --- the stage table -----------------------------------------------------------------------------

def _require_admin(actor: User) -> None:
    if not (actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only administrators may change the opportunity stages."))


def _apply_stage(stage: Stage, data: dict, *, creating: bool) -> None:
    check_unknown(data, STAGE_FIELDS)
    fields: dict[str, list[str]] = {}
    if "name" in data or creating:
        name = text(data, "name", fields, limit=30, required_msg=_("Give the stage a name."))
        if name and Stage.objects.filter(name=name).exclude(pk=stage.pk).exists():
            fields["name"] = [_("A stage with this name exists already.")]
        elif name:
            stage.name = name
    if "probability" in data or creating:
        p = data.get("probability")
        if isinstance(p, str) and p.strip().isdigit():
            p = int(p.strip())
        if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 100:
            fields["probability"] = [_("The probability is a whole number from 0 to 100.")]
        else:
            stage.probability = p
    if "order" in data:
        o = data.get("order")
        if isinstance(o, str) and o.strip().isdigit():
            o = int(o.strip())
        if isinstance(o, bool) or not isinstance(o, int) or not 0 <= o <= 32000:
            fields["order"] = [_("The order is a whole number from 0 to 32000.")]
        else:
            stage.order = o
    elif creating:
        stage.order = (Stage.objects.aggregate(m=Max("order"))["m"] or 0) + 10
    if "kind" in data or creating:
        if data.get("kind", StageKind.OPEN) not in StageKind.values:
            fields["kind"] = [_("Choose the kind: open, won or lost.")]
        else:
            stage.kind = data.get("kind", StageKind.OPEN)
    if "active" in data:
        if not isinstance(data["active"], bool):
            fields["active"] = [_("Invalid value.")]
        else:
            stage.active = data["active"]
    if fields:
        raise invalid(fields)


@transaction.atomic
def stage_create(*, actor: User, data: dict[str, Any]) -> Stage:
    _require_admin(actor)
    stage = Stage()
    _apply_stage(stage, data, creating=True)
    stage.save()
    audit_record(actor=actor, action="opportunity_stage_create", target=stage,
                 changes={"name": [None, stage.name], "probability": [None, stage.probability],
                          "kind": [None, stage.kind]})
    return stage


@transaction.atomic
def stage_update(*, actor: User, stage_id: int, data: dict[str, Any]) -> Stage:
    """Change a stage. Its kind cannot change while opportunities are in it (their closed state
    would silently change); at least one active open stage must remain."""
    _require_admin(actor)
    stage = Stage.objects.select_for_update().filter(pk=as_id(stage_id)).first() if as_id(stage_id) else None
    if stage is None:
        raise NotFound(_("Stage not found."))
    before = {"name": stage.name, "probability": stage.probability, "order": stage.order, "kind": stage.kind,
              "active": stage.active}
    _apply_stage(stage, data, creating=False)
    if stage.kind != before["kind"] and stage.opportunities.exists():
        raise invalid({"kind": [_("Opportunities are in this stage; its kind cannot change.")]})
    if not (stage.active and stage.kind == StageKind.OPEN) and not Stage.objects.filter(
            active=True, kind=StageKind.OPEN).exclude(pk=stage.pk).exists():
        raise invalid({"active": [_("At least one active open stage must remain.")]})
    stage.save()
    after = {"name": stage.name, "probability": stage.probability, "order": stage.order, "kind": stage.kind,
             "active": stage.active}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit_record(actor=actor, action="opportunity_stage_update", target=stage, changes=changes)
    return stage


def first_open_stage() -> Stage | None:
    return Stage.objects.filter(active=True, kind=StageKind.OPEN).order_by("order", "id").first()


# --- opportunities -------------------------------------------------------------------------------

def _owner(customer_id: int, owner_id, fields: dict) -> User | None:
    uid = as_id(owner_id)
    user = User.objects.filter(pk=uid, is_active=True).first() if uid else None
    if user is None:
        fields["owner_id"] = [_("Choose an active user as the owner.")]
        return None
    if not visibility.can_see(user, customer_id):
        fields["owner_id"] = [_("%(name)s cannot see this customer; share it with them first or choose someone "
                                "who can.") % {"name": user.full_name or user.username}]
        return None
    return user


def _parse_lines(raw_lines, fields: dict) -> list[dict] | None:
    if raw_lines in (None, []):
        return []
    if not isinstance(raw_lines, list):
        fields["lines"] = [_("Invalid lines.")]
        return None
    if len(raw_lines) > MAX_LINES:
        fields["lines"] = [_("At most %(n)d lines.") % {"n": MAX_LINES}]
        return None
    products = products_by_id(raw_lines)
    out = []
    for i, row in enumerate(raw_lines):
        if not isinstance(row, dict):
            fields[f"lines.{i}"] = [_("Invalid line.")]
            continue
        unknown = sorted(set(row) - set(LINE_FIELDS) - {"id"})
        if unknown:
            fields[f"lines.{i}"] = [_("Unknown fields: %(f)s") % {"f": ", ".join(map(str, unknown))}]
            continue
        product = products.get(as_id(row.get("product_id")) or 0)
        if product is None:
            fields[f"lines.{i}.product_id"] = [_("Choose a product from the catalogue.")]
        qty, err = parse_decimal(row.get("quantity"), places=3, field="quantity", label=_("quantity"),
                                 minimum=Decimal(0), strict_min=True, maximum=MAX_QUANTITY)
        if err:
            fields[f"lines.{i}.quantity"] = [err]
        amount, err = parse_decimal(row.get("amount") if row.get("amount") not in (None, "") else "0", places=2,
                                    field="amount", label=_("expected amount"), minimum=Decimal(0),
                                    strict_min=False, maximum=MAX_AMOUNT)
        if err:
            fields[f"lines.{i}.amount"] = [err]
        if product is not None and qty is not None and amount is not None:
            out.append({"product": product, "quantity": qty, "amount": amount})
    return out


def _apply(opp: Opportunity, data: dict, fields: dict, *, creating: bool) -> list[dict] | None:
    """Set the editable fields present in ``data``; returns the parsed lines (None = unchanged)."""
    if "name" in data or creating:
        name = text(data, "name", fields, limit=200, required_msg=_("Give the opportunity a name."))
        if name is not None:
            opp.name = name
    for name, limit in (("next_step", 500), ("competitor", 200), ("loss_reason", 2000)):
        if name in data:
            value = text(data, name, fields, limit=limit)
            if value is not None:
                setattr(opp, name, value)
    if "expected_close_date" in data:
        opp.expected_close_date = parse_date(data["expected_close_date"], "expected_close_date", fields)
    if "probability" in data and data["probability"] not in (None, ""):
        p = data["probability"]
        if isinstance(p, str) and p.strip().isdigit():
            p = int(p.strip())
        if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 100:
            fields["probability"] = [_("The probability is a whole number from 0 to 100.")]
        else:
            opp.probability = p
    if "owner_id" in data or creating:
        user = _owner(opp.customer_id, data.get("owner_id"), fields)
        if user is not None:
            opp.owner = user
    lines = _parse_lines(data["lines"], fields) if "lines" in data else None
    if lines:
        opp.expected_amount = sum((ln["amount"] for ln in lines), Decimal("0.00"))
    elif "expected_amount" in data and data["expected_amount"] not in (None, ""):
        amount, err = parse_decimal(data["expected_amount"], places=2, field="expected_amount",
                                    label=_("expected amount"), minimum=Decimal(0), strict_min=False,
                                    maximum=MAX_AMOUNT)
        if err:
            fields["expected_amount"] = [err]
        else:
            opp.expected_amount = amount
    return lines


def _write_lines(opp: Opportunity, lines: list[dict]) -> None:
    opp.lines.all().delete()
    OpportunityLine.objects.bulk_create([
        OpportunityLine(opportunity=opp, position=i + 1, product=ln["product"], quantity=ln["quantity"],
                        amount=ln["amount"]) for i, ln in enumerate(lines)])


def _lines_summary(lines) -> list[str]:
    return [f"{ln['product']} × {ln['quantity'].normalize():f} = {ln['amount']}" for ln in lines]


@transaction.atomic
def opportunity_create(*, actor: User, data: dict[str, Any], now: datetime.datetime | None = None) -> Opportunity:
    """An opportunity for a customer ``actor`` may write. ``data``: customer_id, name, stage_id
    (default: the first active open stage), probability (default: the stage's),
    expected_amount (ignored when lines are given: their total), expected_close_date, owner_id
    (default: the actor; must see the customer), next_step, lines [{product_id, quantity,
    amount}], loss_reason / competitor (a lost stage needs the reason). One ApplicationError
    with every field's message; nothing is written on error."""
    check_unknown(data, CREATE_FIELDS)
    customer = customer_for_write(actor, data.get("customer_id"), what=_("opportunities"))
    when = now or timezone.now()
    data = {"owner_id": actor.pk, **{k: v for k, v in data.items() if not (k == "owner_id" and v in (None, ""))}}
    opp = Opportunity(customer=customer, created_by=actor, expected_amount=Decimal("0.00"))
    fields: dict[str, list[str]] = {}
    sid = data.get("stage_id")
    stage = (Stage.objects.filter(pk=as_id(sid), active=True).first() if as_id(sid) else None) \
        if sid not in (None, "") else first_open_stage()
    if stage is None:
        fields["stage_id"] = [_("Choose an active stage.")]
    else:
        opp.stage = stage
        opp.probability = stage.probability
    lines = _apply(opp, data, fields, creating=True)
    if stage is not None and stage.kind == StageKind.LOST and not opp.loss_reason and "loss_reason" not in fields:
        fields["loss_reason"] = [_("Give the reason the opportunity was lost.")]
    if fields:
        raise invalid(fields)
    if stage.kind != StageKind.LOST:
        opp.loss_reason, opp.competitor = "", ""
    if stage.kind != StageKind.OPEN:
        opp.closed_at = when
    opp.save()
    if now is not None:
        Opportunity.objects.filter(pk=opp.pk).update(created_at=when, updated_at=when)
    _write_lines(opp, lines or [])
    StageChange.objects.create(opportunity=opp, from_stage=None, to_stage=stage, actor=actor, at=when)
    audit_record(actor=actor, action="opportunity_create", target=opp, customer_id=customer.pk,
                 changes={"name": [None, opp.name], "stage": [None, stage.name],
                          "expected_amount": [None, opp.expected_amount],
                          "lines": [None, _lines_summary(lines or [])]})
    return opp


def _for_change(actor: User, opportunity_id) -> Opportunity:
    """The opportunity, locked, if ``actor`` can see it (NotFound otherwise) and may write its
    customer (403 otherwise)."""
    oid = as_id(opportunity_id)
    visible = visibility.visible_customers(actor).values("id")
    opp = (Opportunity.objects.select_for_update(of=("self",)).select_related("stage", "customer")
           .filter(pk=oid, customer_id__in=visible).first()) if oid else None
    if opp is None:
        raise NotFound(_("Opportunity not found."))
    if not visibility.can_write(actor, opp.customer_id):
        raise PermissionDenied(_("You may view this opportunity but not change it; ask the customer's owner to "
                                 "share it with you read-write."))
    return opp


@transaction.atomic
def opportunity_update(*, actor: User, opportunity_id: int, data: dict[str, Any]) -> Opportunity:
    """Change the fields present in ``data`` (not the stage: ``opportunity_move``); ``lines``
    replaces the lines as a whole."""
    check_unknown(data, EDIT_FIELDS)
    opp = _for_change(actor, opportunity_id)
    audit = ["name", "probability", "expected_amount", "expected_close_date", "next_step", "competitor",
             "loss_reason"]
    before = {k: getattr(opp, k) for k in audit} | {"owner": str(opp.owner)}
    old_lines = [f"{ln.product} × {ln.quantity.normalize():f} = {ln.amount}"
                 for ln in opp.lines.select_related("product")]
    fields: dict[str, list[str]] = {}
    lines = _apply(opp, data, fields, creating=False)
    if opp.stage.kind == StageKind.LOST and not opp.loss_reason and "loss_reason" not in fields:
        fields["loss_reason"] = [_("Give the reason the opportunity was lost.")]
    if fields:
        raise invalid(fields)
    if opp.stage.kind != StageKind.LOST:
        opp.loss_reason, opp.competitor = "", ""
    opp.save()
    changes: dict[str, Any] = {}
    if lines is not None:
        _write_lines(opp, lines)
        new_lines = _lines_summary(lines)
        if new_lines != old_lines:
            changes["lines"] = [old_lines, new_lines]
    after = {k: getattr(opp, k) for k in audit} | {"owner": str(opp.owner)}
    changes.update({k: [before[k], after[k]] for k in after if before[k] != after[k]})
    if changes:
        audit_record(actor=actor, action="opportunity_update", target=opp, customer_id=opp.customer_id,
                     changes=changes)
    return opp


@transaction.atomic
def opportunity_move(*, actor: User, opportunity_id: int, stage_id: int, loss_reason: str = "",
                     competitor: str = "", note: str = "") -> Opportunity:
    """Move to another active stage; the probability becomes the stage's. Lost needs
    ``loss_reason``. Moving to the stage it is in already changes nothing (a repeated drop)."""
    opp = _for_change(actor, opportunity_id)
    sid = as_id(stage_id)
    stage = Stage.objects.filter(pk=sid, active=True).first() if sid else None
    if stage is None:
        raise invalid({"stage_id": [_("Choose an active stage.")]})
    if stage.pk == opp.stage_id:
        return opp
    fields: dict[str, list[str]] = {}
    data = {"loss_reason": loss_reason or "", "competitor": competitor or "", "note": note or ""}
    reason = text(data, "loss_reason", fields, limit=2000)
    rival = text(data, "competitor", fields, limit=200)
    note_text = text(data, "note", fields, limit=2000)
    if stage.kind == StageKind.LOST and not reason and "loss_reason" not in fields:
        fields["loss_reason"] = [_("Give the reason the opportunity was lost.")]
    if fields:
        raise invalid(fields)
    if opp.order_id and stage.kind != StageKind.WON:
        raise ApplicationError(_("An order draft was created from this opportunity; it stays won."),
                               code="illegal_transition")
    now = timezone.now()
    before = opp.stage
    values = {"stage": stage, "probability": stage.probability, "updated_at": now,
              "closed_at": now if stage.kind != StageKind.OPEN else None,
              "loss_reason": reason if stage.kind == StageKind.LOST else "",
              "competitor": rival if stage.kind == StageKind.LOST else ""}
    # conditional on the stage read under the lock: a racing drop finds nothing to change
    if Opportunity.objects.filter(pk=opp.pk, stage_id=before.pk).update(**values) != 1:
        raise ApplicationError(_("The opportunity was moved meanwhile; reload and try again."),
                               code="illegal_transition")
    StageChange.objects.create(opportunity=opp, from_stage=before, to_stage=stage, actor=actor, at=now,
                               note=note_text or "")
    opp.refresh_from_db()
    changes: dict[str, Any] = {"stage": [before.name, stage.name], "probability": [opp.probability, stage.probability]}
    if stage.kind == StageKind.LOST:
        changes["loss_reason"] = [None, reason]
        if rival:
            changes["competitor"] = [None, rival]
    audit_record(actor=actor, action="opportunity_move", target=opp, customer_id=opp.customer_id, changes=changes)
    return opp


TERMINAL_OF_CUSTOMER_TYPE = {
    "hospital": "public_hospital", "clinic": "public_hospital", "chain": "pharmacy", "pharmacy": "pharmacy",
    "agent": "agent", "distributor": "agent",
}


def order_defaults(customer, shipping_address_id=None, terminal_type=None) -> dict:
    """The order header for a conversion: the customer's default (else first active) shipping
    address and a terminal type from the customer's type, unless given."""
    from pharmcrm.customers.profile_models import ShippingAddress

    if shipping_address_id in (None, ""):
        address = (ShippingAddress.objects.filter(customer_id=customer.pk, is_active=True)
                   .order_by("-is_default", "id").first())
        if address is None:
            raise invalid({"shipping_address_id": [_("This customer has no active shipping address; add one on "
                                                     "the customer page first.")]})
        shipping_address_id = address.pk
    return {"customer_id": customer.pk, "shipping_address_id": shipping_address_id,
            "terminal_type": terminal_type or TERMINAL_OF_CUSTOMER_TYPE.get(customer.type, "public_hospital")}


@transaction.atomic
def opportunity_create_order(*, actor: User, opportunity_id: int, shipping_address_id: int | None = None,
                             terminal_type: str | None = None) -> Opportunity:
    """A won opportunity → a sales-order draft (``sales.services.order_create``) with its lines;
    unit prices come from the price list (the customer's supply price). Once only."""
    from pharmcrm.sales.services import order_create

    opp = _for_change(actor, opportunity_id)
    if opp.stage.kind != StageKind.WON:
        raise ApplicationError(_("Only a won opportunity can become an order draft."), code="illegal_transition")
    if opp.order_id:
        raise ApplicationError(_("An order draft was created from this opportunity already."),
                               code="illegal_transition")
    lines = list(opp.lines.select_related("product"))
    if not lines:
        raise invalid({"lines": [_("Add the products to the opportunity first.")]})
    inactive = [str(ln.product) for ln in lines if ln.product.status != ProductStatus.ACTIVE]
    if inactive:
        raise invalid({"lines": [_("%(p)s is discontinued and cannot be ordered.") % {"p": inactive[0]}]})
    data = order_defaults(opp.customer, shipping_address_id, terminal_type)
    data["lines"] = [{"product_id": ln.product_id, "quantity": str(ln.quantity)} for ln in lines]
    order = order_create(actor=actor, data=data)
    if Opportunity.objects.filter(pk=opp.pk, order__isnull=True).update(order=order, updated_at=timezone.now()) != 1:
        raise ApplicationError(_("An order draft was created from this opportunity already."),
                               code="illegal_transition")
    opp.refresh_from_db()
    audit_record(actor=actor, action="opportunity_order", target=opp, customer_id=opp.customer_id,
                 changes={"order": [None, order.number]})
    return opp
