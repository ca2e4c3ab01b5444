"""Excel import of customers through the API: the same preview and all-or-nothing commit as the UI."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import File, Router, Schema, UploadedFile

from pharmcrm.customers import importing

router = Router(tags=["customers"])


class ImportRowOut(Schema):
    row: int
    action: str  # create | update | reject
    errors: list[str]
    customer_id: int | None = None
    values: dict[str, str]


class ImportOut(Schema):
    ok: bool
    committed: bool
    counts: dict[str, int]
    rows: list[ImportRowOut]


@router.get("/import/template", summary="The Excel template for the customer import", response={200: None})
def customer_import_template(request):
    response = HttpResponse(importing.customer_import_template(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="customer-import-template.xlsx"'
    return response


@router.post("/import", response=ImportOut, summary="Import customers from an .xlsx workbook",
             description="Without `commit` (or `commit=false`) nothing is written: the answer says for every row "
                         "what would be created, updated or rejected and why. With `commit=true` every row is "
                         "written in one transaction, or none (400 `import_rejected` with the same rows).")
def customer_import(request, file: File[UploadedFile], commit: bool = False):
    data = file.read()
    if commit:
        preview = importing.customer_import_commit(actor=request.auth, data=data)
    else:
        preview = importing.customer_import_preview(actor=request.auth, data=data)
    return {**importing.preview_as_dict(preview), "committed": commit}
