"""Lines (products with prices and targets) and territory (regions, named hospitals): drafts only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pharmcrm.agency import territory
from pharmcrm.agency.models import (
    TERMINAL_TYPES,
    AgencyAgreement,
    AgreementHospital,
    AgreementLine,
    AgreementRegion,
)
from pharmcrm.agency.services._common import (
    LINE_FIELDS,
    PRICE_MAX,
    _audit,
    _err,
    _get,
    _money,
    _require_draft,
)
from pharmcrm.core.audit import snapshot
from pharmcrm.core.errors import ApplicationError, NotFound
from pharmcrm.org import visibility
from pharmcrm.org.models import User

# --- lines ---------------------------------------------------------------------------------

def _line_values(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(LINE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field",
                               fields={f: [_("Unknown field.")] for f in unknown})
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in ("agency_price", "supply_price"):
            out[name] = _money(name, value, places=4, maximum=PRICE_MAX)
        elif name in ("monthly_quantity", "yearly_quantity"):
            if value in (None, ""):
                out[name] = None
            elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2_000_000_000:
                raise _err(name, _("Enter a whole number of units (0 or more)."))
            else:
                out[name] = value
        else:
            if value is not None and not isinstance(value, str):
                raise _err(name, _("Enter text."))
            out[name] = (value or "").strip()
            if len(out[name]) > 200:
                raise _err(name, _("At most %(n)d characters.") % {"n": 200})
    return out


def _line_snapshot(line: AgreementLine) -> dict[str, Any]:
    """The line as recorded in the audit; ``label`` reads in any language (the history shows it)."""
    text = f"{line.product} · ¥{line.agency_price}"
    if line.supply_price is not None:
        text += f" / ¥{line.supply_price}"
    if line.monthly_quantity is not None or line.yearly_quantity is not None:
        text += f" · {line.monthly_quantity if line.monthly_quantity is not None else '—'}" \
                f"/{line.yearly_quantity if line.yearly_quantity is not None else '—'}"
    if line.notes:
        text += f" · {line.notes}"
    return {"product": str(line.product), "label": text, **snapshot(line, LINE_FIELDS)}


@transaction.atomic
def agreement_line_add(*, actor: User, agreement_id: int, product_id: int, data: dict[str, Any]) -> AgreementLine:
    from pharmcrm.catalog.models import Product, ProductStatus

    agreement = _get(actor, agreement_id, need="write")
    _require_draft(agreement)
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise _err("product_id", _("Product not found."), code="invalid_product")
    if product.status != ProductStatus.ACTIVE:
        raise _err("product_id", _("This product is discontinued."), code="invalid_product")
    if AgreementLine.objects.filter(agreement=agreement, product=product).exists():
        raise _err("product_id", _("This product is already in the agreement."), code="duplicate_product")
    values = _line_values(data)
    if values.get("agency_price") is None:
        raise _err("agency_price", _("Enter the agency price."), code="required")
    line = AgreementLine.objects.create(agreement=agreement, product=product, **values)
    _audit(actor, "agreement_line_add", agreement, {"line": [None, _line_snapshot(line)]})
    agreement.save(update_fields=["updated_at"])
    return line


def _line(agreement: AgencyAgreement, line_id: int) -> AgreementLine:
    line = AgreementLine.objects.select_related("product").filter(pk=line_id, agreement=agreement).first()
    if line is None:
        raise NotFound(_("Agreement line not found."))
    return line


@transaction.atomic
def agreement_line_update(*, actor: User, agreement_id: int, line_id: int, data: dict[str, Any]) -> AgreementLine:
    agreement = _get(actor, agreement_id, need="write")
    line = _line(agreement, line_id)
    _require_draft(agreement)
    values = _line_values(data)
    if "agency_price" in values and values["agency_price"] is None:
        raise _err("agency_price", _("Enter the agency price."), code="required")
    before = _line_snapshot(line)
    for k, v in values.items():
        setattr(line, k, v)
    after = _line_snapshot(line)
    if before != after:
        line.save()
        _audit(actor, "agreement_line_update", agreement, {"line": [before, after]})
        agreement.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def agreement_line_remove(*, actor: User, agreement_id: int, line_id: int) -> None:
    """Take a product out of a DRAFT (editing the draft; the audit keeps what it was)."""
    agreement = _get(actor, agreement_id, need="write")
    line = _line(agreement, line_id)
    _require_draft(agreement)
    _audit(actor, "agreement_line_remove", agreement, {"line": [_line_snapshot(line), None]})
    line.delete()
    agreement.save(update_fields=["updated_at"])


# --- territory -----------------------------------------------------------------------------

@transaction.atomic
def agreement_region_add(*, actor: User, agreement_id: int, region_code: str) -> AgreementRegion:
    """Add a region. One already covered by a region of the agreement is refused; regions that
    the new one covers are replaced by it (they would be redundant)."""
    agreement = _get(actor, agreement_id, need="write")
    _require_draft(agreement)
    code = (region_code or "").strip() if isinstance(region_code, str) else ""
    try:
        territory.regions.region_validate(code)
    except ValidationError as exc:
        raise _err("region_code", exc.messages[0] if exc.messages else _("Unknown region."),
                   code="invalid_region") from None
    new = territory.Item.region(code)
    existing = list(AgreementRegion.objects.filter(agreement=agreement).order_by("region_code"))
    for r in existing:
        if new.where.startswith(r.region_prefix):
            msg = (_("This region is already in the agreement.") if r.region_code == code else
                   _("Already covered by %(region)s in this agreement.") % {"region": territory.label(r.region_code)})
            raise _err("region_code", msg, code="duplicate_region")
    replaced = [r for r in existing if r.region_prefix.startswith(new.where)]
    AgreementRegion.objects.filter(pk__in=[r.pk for r in replaced]).delete()
    row = AgreementRegion.objects.create(agreement=agreement, region_code=code, region_prefix=new.where)
    changes: dict[str, Any] = {"region": [None, territory.label(code)]}
    if replaced:
        changes["replaced"] = [[territory.label(r.region_code) for r in replaced], None]
    _audit(actor, "agreement_region_add", agreement, changes)
    agreement.save(update_fields=["updated_at"])
    return row


@transaction.atomic
def agreement_region_remove(*, actor: User, agreement_id: int, region_id: int) -> None:
    agreement = _get(actor, agreement_id, need="write")
    row = AgreementRegion.objects.filter(pk=region_id, agreement=agreement).first()
    if row is None:
        raise NotFound(_("Region not found."))
    _require_draft(agreement)
    _audit(actor, "agreement_region_remove", agreement, {"region": [territory.label(row.region_code), None]})
    row.delete()
    agreement.save(update_fields=["updated_at"])


@transaction.atomic
def agreement_hospital_add(*, actor: User, agreement_id: int, hospital_id: int) -> AgreementHospital:
    """Name a terminal (hospital, clinic, pharmacy) the actor can see."""
    agreement = _get(actor, agreement_id, need="write")
    _require_draft(agreement)
    hospital = visibility.visible_customers(actor).filter(pk=hospital_id).first()
    if hospital is None:
        raise _err("hospital_id", _("Hospital not found."), code="invalid_hospital")
    if hospital.type not in TERMINAL_TYPES:
        raise _err("hospital_id", _("Choose a hospital, clinic or pharmacy."), code="invalid_hospital")
    if AgreementHospital.objects.filter(agreement=agreement, hospital=hospital).exists():
        raise _err("hospital_id", _("This hospital is already in the agreement."), code="duplicate_hospital")
    item = territory.Item.hospital(hospital.pk, hospital.region_code)
    for r in AgreementRegion.objects.filter(agreement=agreement).order_by("region_code"):
        if territory.items_overlap(territory.Item.region(r.region_code), item):
            raise _err("hospital_id", _("Already covered by %(region)s in this agreement.")
                       % {"region": territory.label(r.region_code)}, code="duplicate_hospital")
    row = AgreementHospital.objects.create(agreement=agreement, hospital=hospital)
    _audit(actor, "agreement_hospital_add", agreement, {"hospital": [None, hospital.name]})
    agreement.save(update_fields=["updated_at"])
    return row


@transaction.atomic
def agreement_hospital_remove(*, actor: User, agreement_id: int, entry_id: int) -> None:
    agreement = _get(actor, agreement_id, need="write")
    row = AgreementHospital.objects.select_related("hospital").filter(pk=entry_id, agreement=agreement).first()
    if row is None:
        raise NotFound(_("Hospital not found."))
    _require_draft(agreement)
    _audit(actor, "agreement_hospital_remove", agreement, {"hospital": [row.hospital.name, None]})
    row.delete()
    agreement.save(update_fields=["updated_at"])
