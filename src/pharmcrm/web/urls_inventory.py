"""Stock by batch (库存/批号), in the ``web`` namespace, under /inventory/."""

from django.urls import path

from pharmcrm.web.views import inventory

urlpatterns = [
    path("", inventory.stock_list, name="stock_list"),
    path("export/", inventory.stock_export, name="stock_export"),
    path("batches/<int:batch_id>/", inventory.stock_batch, name="stock_batch"),
    path("batches/<int:batch_id>/status/", inventory.batch_status, name="stock_batch_status"),
    path("adjustments/new/", inventory.adjustment_new, name="adjustment_new"),
    path("receipts/", inventory.receipt_list, name="receipt_list"),
    path("receipts/new/", inventory.receipt_new, name="receipt_new"),
    path("receipts/<int:receipt_id>/", inventory.receipt_detail, name="receipt_detail"),
    path("warehouses/", inventory.warehouse_list, name="warehouse_list"),
    path("warehouses/<int:warehouse_id>/edit/", inventory.warehouse_edit, name="warehouse_edit"),
]
