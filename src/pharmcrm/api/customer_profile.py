"""The customer's 360° profile API: ``GET /customers/{customer_id}/profile`` (every section) and
one small CRUD per section. Reads go through customers.profile_selectors, writes through
customers.profile_services: an invisible customer is a 404 on every route, a read-only viewer
gets 403 on writes, bad input a 400 with ``fields``.

Path parameters: ``customer_id`` (the route-enumerating tests in tests/api rely on the name),
and one id per section: ``address_id``, ``region_id``, ``interest_id``, ``field_id``,
``key_account_id``, ``competitor_id``.
"""

from __future__ import annotations

from ninja import Router, Status

from pharmcrm.api.common import Id
from pharmcrm.api.customer_profile_schemas import (
    CompetitorIn,
    CompetitorOut,
    CompetitorPatch,
    HeadOfficeIn,
    HeadOfficeOut,
    InvoiceProfileGetOut,
    InvoiceProfileIn,
    InvoiceProfileOut,
    KeyAccountIn,
    KeyAccountOut,
    KeyAccountPatch,
    NotePatch,
    ProductFieldIn,
    ProductFieldOut,
    ProductFieldPatch,
    ProductInterestIn,
    ProductInterestOut,
    ProfileOut,
    ShippingAddressIn,
    ShippingAddressOut,
    ShippingAddressPatch,
    WantedRegionIn,
    WantedRegionOut,
    WantedRegionPatch,
)
from pharmcrm.customers import profile_selectors as sel
from pharmcrm.customers import profile_services as ps
from pharmcrm.customers.models import CustomerProductField
from pharmcrm.customers.profile_choices import HOSPITAL_TYPES
from pharmcrm.customers.profile_validators import region_labels
from pharmcrm.customers.selectors import customer_get

router = Router(tags=["customer profile"])


def _ref(linked) -> dict | None:
    if linked is None:
        return None
    if not linked.visible:
        return {"visible": False, "id": None, "name": None}
    return {"visible": True, "id": linked.id, "name": linked.name}


def _key_account(row) -> dict:
    return {"id": row.id, "hospital": _ref(row.hospital), "note": row.note, "strength": row.strength}


def _labelled(row):
    """A region or product-field row with the label the schemas show."""
    if hasattr(row, "region_code") and not hasattr(row, "region_label"):
        row.region_label = region_labels([row.region_code]).get(row.region_code, row.region_code)
    if isinstance(row, CustomerProductField) and not hasattr(row, "area_label"):
        row.area_label = dict(ps.therapeutic_areas()).get(row.area, row.area)
    return row


# --- the whole profile -----------------------------------------------------------------------

@router.get("/{customer_id}/profile", response=ProfileOut, summary="The customer's 360° profile (every section)")
def profile_get(request, customer_id: Id):
    p = sel.profile_get(actor=request.auth, customer_id=customer_id)
    c = p.customer
    return {
        "customer_id": c.pk,
        "type": c.type,
        "hospital": ({"hospital_grade": c.hospital_grade, "beds": c.beds, "ownership": c.ownership}
                     if c.type in HOSPITAL_TYPES else None),
        "invoice_profile": p.invoice,
        "shipping_addresses": p.addresses,
        "wanted_regions": p.wanted_regions,
        "products_of_interest": p.interests,
        "product_fields": p.fields,
        "key_accounts": [_key_account(k) for k in p.key_accounts],
        "competitors": p.competitors,
        "head_office": _ref(p.head_office),
        "stores": [{"visible": True, "id": s.pk, "name": s.name} for s in p.stores],
        "completeness": [{"section": s["key"], "label": str(s["label"]), "filled": s["filled"]}
                         for s in p.completeness],
    }


# --- invoicing data ------------------------------------------------------------------------

@router.get("/{customer_id}/invoice-profile", response=InvoiceProfileGetOut,
            summary="Invoicing data (开票资料), and what a first edit starts with")
def invoice_profile_get(request, customer_id: Id):
    customer = customer_get(actor=request.auth, customer_id=customer_id)
    return {"invoice_profile": sel.invoice_profile(actor=request.auth, customer_id=customer.pk),
            "prefill": sel.invoice_initial(customer)}


@router.put("/{customer_id}/invoice-profile", response=InvoiceProfileOut,
            summary="Create or replace the invoicing data")
def invoice_profile_put(request, customer_id: Id, payload: InvoiceProfileIn):
    return ps.invoice_profile_save(actor=request.auth, customer_id=customer_id, data=payload.model_dump())


# --- shipping addresses --------------------------------------------------------------------

@router.get("/{customer_id}/shipping-addresses", response=list[ShippingAddressOut],
            summary="Shipping addresses (发货资料), the default first")
def shipping_address_list(request, customer_id: Id, include_inactive: bool = False):
    return sel.shipping_addresses(actor=request.auth, customer_id=customer_id, include_inactive=include_inactive)


@router.post("/{customer_id}/shipping-addresses", response={201: ShippingAddressOut},
             summary="Add a shipping address (the first one becomes the default)")
def shipping_address_create(request, customer_id: Id, payload: ShippingAddressIn):
    address = ps.shipping_address_create(actor=request.auth, customer_id=customer_id, data=payload.model_dump())
    return Status(201, _labelled(address))


@router.patch("/{customer_id}/shipping-addresses/{address_id}", response=ShippingAddressOut,
              summary="Change a shipping address")
def shipping_address_update(request, customer_id: Id, address_id: Id, payload: ShippingAddressPatch):
    address = ps.shipping_address_update(actor=request.auth, customer_id=customer_id, address_id=address_id,
                                         data=payload.model_dump(exclude_unset=True))
    return _labelled(address)


@router.delete("/{customer_id}/shipping-addresses/{address_id}", response={204: None},
               summary="Deactivate a shipping address (never deleted: orders refer to it)")
def shipping_address_deactivate(request, customer_id: Id, address_id: Id):
    ps.shipping_address_deactivate(actor=request.auth, customer_id=customer_id, address_id=address_id)
    return Status(204, None)


@router.post("/{customer_id}/shipping-addresses/{address_id}/set-default", response=ShippingAddressOut,
             summary="Make this address the default")
def shipping_address_set_default(request, customer_id: Id, address_id: Id):
    return _labelled(ps.shipping_address_set_default(actor=request.auth, customer_id=customer_id,
                                                     address_id=address_id))


@router.post("/{customer_id}/shipping-addresses/{address_id}/reactivate", response=ShippingAddressOut,
             summary="Reactivate a deactivated address")
def shipping_address_reactivate(request, customer_id: Id, address_id: Id):
    return _labelled(ps.shipping_address_reactivate(actor=request.auth, customer_id=customer_id,
                                                    address_id=address_id))


# --- wanted regions ------------------------------------------------------------------------

@router.get("/{customer_id}/wanted-regions", response=list[WantedRegionOut],
            summary="Regions the customer wants to represent us in (意向代理区域)")
def wanted_region_list(request, customer_id: Id):
    return sel.wanted_regions(actor=request.auth, customer_id=customer_id)


@router.post("/{customer_id}/wanted-regions", response={201: WantedRegionOut}, summary="Add a wanted region")
def wanted_region_add(request, customer_id: Id, payload: WantedRegionIn):
    return Status(201, _labelled(ps.wanted_region_add(actor=request.auth, customer_id=customer_id,
                                                      data=payload.model_dump())))


@router.patch("/{customer_id}/wanted-regions/{region_id}", response=WantedRegionOut,
              summary="Change a wanted region's note")
def wanted_region_update(request, customer_id: Id, region_id: Id, payload: WantedRegionPatch):
    return _labelled(ps.wanted_region_update(actor=request.auth, customer_id=customer_id, region_id=region_id,
                                             data=payload.model_dump(exclude_unset=True)))


@router.delete("/{customer_id}/wanted-regions/{region_id}", response={204: None}, summary="Remove a wanted region")
def wanted_region_remove(request, customer_id: Id, region_id: Id):
    ps.wanted_region_remove(actor=request.auth, customer_id=customer_id, region_id=region_id)
    return Status(204, None)


# --- products of interest ------------------------------------------------------------------

@router.get("/{customer_id}/products-of-interest", response=list[ProductInterestOut],
            summary="Products the customer is interested in (意向产品)")
def product_interest_list(request, customer_id: Id):
    return sel.products_of_interest(actor=request.auth, customer_id=customer_id)


@router.post("/{customer_id}/products-of-interest", response={201: ProductInterestOut},
             summary="Add a product of interest")
def product_interest_add(request, customer_id: Id, payload: ProductInterestIn):
    return Status(201, ps.product_interest_add(actor=request.auth, customer_id=customer_id,
                                               data=payload.model_dump()))


@router.patch("/{customer_id}/products-of-interest/{interest_id}", response=ProductInterestOut,
              summary="Change the note on a product of interest")
def product_interest_update(request, customer_id: Id, interest_id: Id, payload: NotePatch):
    return ps.product_interest_update(actor=request.auth, customer_id=customer_id, interest_id=interest_id,
                                      data=payload.model_dump(exclude_unset=True))


@router.delete("/{customer_id}/products-of-interest/{interest_id}", response={204: None},
               summary="Remove a product of interest")
def product_interest_remove(request, customer_id: Id, interest_id: Id):
    ps.product_interest_remove(actor=request.auth, customer_id=customer_id, interest_id=interest_id)
    return Status(204, None)


# --- product fields ------------------------------------------------------------------------

@router.get("/{customer_id}/product-fields", response=list[ProductFieldOut],
            summary="Therapeutic areas the customer deals in now (经营品类)")
def product_field_list(request, customer_id: Id):
    return sel.product_fields(actor=request.auth, customer_id=customer_id)


@router.post("/{customer_id}/product-fields", response={201: ProductFieldOut}, summary="Add a product field")
def product_field_add(request, customer_id: Id, payload: ProductFieldIn):
    return Status(201, _labelled(ps.product_field_add(actor=request.auth, customer_id=customer_id,
                                                      data=payload.model_dump())))


@router.patch("/{customer_id}/product-fields/{field_id}", response=ProductFieldOut,
              summary="Change a product field's annual volume estimate")
def product_field_update(request, customer_id: Id, field_id: Id, payload: ProductFieldPatch):
    return _labelled(ps.product_field_update(actor=request.auth, customer_id=customer_id, field_id=field_id,
                                             data=payload.model_dump(exclude_unset=True)))


@router.delete("/{customer_id}/product-fields/{field_id}", response={204: None}, summary="Remove a product field")
def product_field_remove(request, customer_id: Id, field_id: Id):
    ps.product_field_remove(actor=request.auth, customer_id=customer_id, field_id=field_id)
    return Status(204, None)


# --- key accounts --------------------------------------------------------------------------

@router.get("/{customer_id}/key-accounts", response=list[KeyAccountOut],
            summary="Hospitals and clinics the customer knows (重点终端)")
def key_account_list(request, customer_id: Id):
    return [_key_account(k) for k in sel.key_accounts(actor=request.auth, customer_id=customer_id)]


def _key_account_out(request, customer_id: int, key_account_id: int) -> dict:
    rows = sel.key_accounts(actor=request.auth, customer_id=customer_id)
    return next(_key_account(k) for k in rows if k.id == key_account_id)


@router.post("/{customer_id}/key-accounts", response={201: KeyAccountOut},
             summary="Link a hospital or clinic you can see")
def key_account_add(request, customer_id: Id, payload: KeyAccountIn):
    row = ps.key_account_add(actor=request.auth, customer_id=customer_id, data=payload.model_dump())
    return Status(201, _key_account_out(request, customer_id, row.pk))


@router.patch("/{customer_id}/key-accounts/{key_account_id}", response=KeyAccountOut,
              summary="Change the relationship note or strength")
def key_account_update(request, customer_id: Id, key_account_id: Id, payload: KeyAccountPatch):
    ps.key_account_update(actor=request.auth, customer_id=customer_id, key_account_id=key_account_id,
                          data=payload.model_dump(exclude_unset=True))
    return _key_account_out(request, customer_id, key_account_id)


@router.delete("/{customer_id}/key-accounts/{key_account_id}", response={204: None}, summary="Unlink a key account")
def key_account_remove(request, customer_id: Id, key_account_id: Id):
    ps.key_account_remove(actor=request.auth, customer_id=customer_id, key_account_id=key_account_id)
    return Status(204, None)


# --- competitors ---------------------------------------------------------------------------

@router.get("/{customer_id}/competitors", response=list[CompetitorOut],
            summary="Competitors working this customer (竞品/竞争对手)")
def competitor_list(request, customer_id: Id):
    return sel.competitors(actor=request.auth, customer_id=customer_id)


@router.post("/{customer_id}/competitors", response={201: CompetitorOut}, summary="Add a competitor")
def competitor_create(request, customer_id: Id, payload: CompetitorIn):
    return Status(201, ps.competitor_create(actor=request.auth, customer_id=customer_id, data=payload.model_dump()))


@router.patch("/{customer_id}/competitors/{competitor_id}", response=CompetitorOut, summary="Change a competitor")
def competitor_update(request, customer_id: Id, competitor_id: Id, payload: CompetitorPatch):
    return ps.competitor_update(actor=request.auth, customer_id=customer_id, competitor_id=competitor_id,
                                data=payload.model_dump(exclude_unset=True))


@router.delete("/{customer_id}/competitors/{competitor_id}", response={204: None}, summary="Remove a competitor")
def competitor_remove(request, customer_id: Id, competitor_id: Id):
    ps.competitor_remove(actor=request.auth, customer_id=customer_id, competitor_id=competitor_id)
    return Status(204, None)


# --- a store's head office -----------------------------------------------------------------

@router.put("/{customer_id}/head-office", response=HeadOfficeOut,
            summary="Set (or with null clear) the pharmacy chain a store belongs to")
def head_office_put(request, customer_id: Id, payload: HeadOfficeIn):
    ps.customer_set_head_office(actor=request.auth, customer_id=customer_id, chain_id=payload.chain_id)
    return {"head_office": _ref(sel.profile_get(actor=request.auth, customer_id=customer_id).head_office)}

