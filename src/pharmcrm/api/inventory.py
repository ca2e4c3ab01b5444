"""The stock API (库存/批号). Reads go through inventory.selectors (every active user may read
stock: it is not customer data), writes through inventory.services (warehouse role or
administrator; others get 403). Quantities are decimals with at most 3 places.
"""

from __future__ import annotations

from ninja import Query, Router, Status

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.inventory_schemas import (
    AdjustmentIn,
    AdjustmentOut,
    AllocationOut,
    BatchDetailOut,
    BatchPage,
    BatchQuery,
    ProposalQuery,
    ReceiptDetailOut,
    ReceiptIn,
    ReceiptPage,
    ReceiptQuery,
    WarehouseIn,
    WarehouseOut,
)
from pharmcrm.inventory import selectors, services
from pharmcrm.inventory.models import StockAdjustment

router = Router(tags=["stock"])


@router.get("/warehouses", response=list[WarehouseOut], summary="Warehouses")
def warehouse_list(request):
    return list(selectors.warehouse_list(actor=request.auth))


@router.post("/warehouses", response={201: WarehouseOut}, summary="Create a warehouse (warehouse role or admin)")
def warehouse_create(request, payload: WarehouseIn):
    return Status(201, services.warehouse_create(actor=request.auth, data=payload.model_dump()))


@router.get("/batches", response=BatchPage, summary="Stock by batch, nearest expiry first by default")
def batch_list(request, query: Query[BatchQuery]):
    f = selectors.BatchFilters(q=query.q, product_id=query.product_id, warehouse_id=query.warehouse_id,
                               status=query.status or "", expiring_days=query.expiring_days, expired=query.expired,
                               with_stock=query.with_stock, sort=query.sort)
    return paginate(selectors.batch_list(actor=request.auth, filters=f), query)


@router.get("/batches/{batch_id}", response=BatchDetailOut, summary="One batch with its stock moves (the ledger)")
def batch_get(request, batch_id: Id):
    batch = selectors.batch_get(actor=request.auth, batch_id=batch_id)
    batch.ledger = selectors.batch_moves(actor=request.auth, batch_id=batch_id)
    return batch


@router.get("/receipts", response=ReceiptPage, summary="Stock-in receipts, newest first")
def receipt_list(request, query: Query[ReceiptQuery]):
    f = selectors.ReceiptFilters(q=query.q, warehouse_id=query.warehouse_id, day_from=query.day_from,
                                 day_to=query.day_to)
    return paginate(selectors.receipt_list(actor=request.auth, filters=f), query)


@router.post("/receipts", response={201: ReceiptDetailOut},
             summary="Post a stock-in receipt: creates or adds to batches in one transaction (warehouse role or admin)")
def receipt_create(request, payload: ReceiptIn):
    receipt = services.receipt_post(actor=request.auth, warehouse_id=payload.warehouse_id,
                                    received_on=payload.received_on, supplier=payload.supplier,
                                    notes=payload.notes, lines=[ln.model_dump() for ln in payload.lines])
    return Status(201, selectors.receipt_get(actor=request.auth, receipt_id=receipt.pk))


@router.get("/receipts/{receipt_id}", response=ReceiptDetailOut, summary="One stock-in receipt with its lines")
def receipt_get(request, receipt_id: Id):
    return selectors.receipt_get(actor=request.auth, receipt_id=receipt_id)


@router.post("/adjustments", response={201: AdjustmentOut},
             summary="Adjust one batch's quantity with a reason (warehouse role or admin)")
def adjustment_create(request, payload: AdjustmentIn):
    adj = services.adjustment_post(actor=request.auth, batch_id=payload.batch_id, delta=payload.delta,
                                   reason=payload.reason, reason_text=payload.reason_text)
    return Status(201, StockAdjustment.objects.select_related("batch__product", "batch__warehouse", "created_by")
                  .get(pk=adj.pk))


@router.get("/allocation-proposal", response=list[AllocationOut],
            summary="FEFO proposal (近效期先出) for a quantity: nothing is reserved; 400 insufficient_stock when short")
def allocation_proposal(request, query: Query[ProposalQuery]):
    return services.propose_allocation(product_id=query.product_id, quantity=query.quantity,
                                       min_expiry=query.min_expiry, warehouse_id=query.warehouse_id)
