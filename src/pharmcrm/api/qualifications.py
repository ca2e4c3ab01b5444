"""The qualifications API (首营资料). Reads through qualifications.selectors (and so through
org.visibility), writes through qualifications.services. A document, file or customer the
caller cannot see is a 404. Uploads are ``multipart/form-data``: the document's fields as form
fields and one or more ``files``; they are checked by content (PDF, JPEG, PNG, WebP) and size.
"""

from __future__ import annotations

from django.urls import reverse
from ninja import File, Form, Query, Router, Status, UploadedFile

from pharmcrm.api.common import Id, paginate
from pharmcrm.api.qualifications_schemas import (
    DocumentCreateIn,
    DocumentFields,
    DocumentListQuery,
    DocumentOut,
    ExpiringPage,
    ExpiringQuery,
    QualificationStatusOut,
    VoidIn,
)
from pharmcrm.core.files import stored_file_response
from pharmcrm.org import visibility
from pharmcrm.qualifications import rules, selectors, services
from pharmcrm.qualifications.models import DocumentState, QualificationType
from pharmcrm.qualifications.validators import mask_id_number

router = Router(tags=["qualifications"])
_TYPES = dict(QualificationType.choices)


def _out(doc, *, can_write: bool, today) -> dict:
    current = doc.state == DocumentState.CURRENT
    return {
        **{f: getattr(doc, f) for f in (
            "id", "customer_id", "type", "title", "number", "issuing_authority", "scope", "valid_from", "valid_to",
            "no_expiry", "state", "agent_name", "agent_products", "agent_territory", "notes", "uploaded_by",
            "created_at", "updated_at", "replaced_by_id", "replaced_at", "voided_at", "voided_by", "void_reason")},
        "type_label": str(_TYPES.get(doc.type, doc.type)),
        "status": rules.document_status(doc, on=today) if current else None,
        "days_left": rules.days_left(doc, on=today),
        "agent_id_number": doc.agent_id_number if can_write else mask_id_number(doc.agent_id_number),
        "files": [
            {"id": f.id, "original_name": f.original_name, "content_type": f.content_type, "size": f.size,
             "sha256": f.sha256, "created_at": f.created_at,
             "download_url": reverse("api:qualification_file_download", args=[f.id])}
            for f in doc.files.all()
        ],
    }


def _writable_ids(actor, customer_ids) -> set[int]:
    return set(visibility.writable_customers(actor).filter(pk__in=set(customer_ids)).values_list("pk", flat=True))


def _detail(actor, document_id: int) -> dict:
    doc = selectors.document_get(actor=actor, document_id=document_id)
    return _out(doc, can_write=selectors.can_write_documents(actor=actor, customer_id=doc.customer_id),
                today=rules.today())


def _brief(doc, today) -> dict:
    return {"id": doc.pk, "type": doc.type, "number": doc.number, "valid_to": doc.valid_to,
            "days_left": rules.days_left(doc, on=today)}


# --- per customer ----------------------------------------------------------------------------

@router.get("/customers/{customer_id}/qualifications", response=list[DocumentOut],
            summary="A customer's qualification documents (current; ?history=true for all)")
def qualification_list(request, customer_id: Id, query: Query[DocumentListQuery]):
    docs = list(selectors.document_list(actor=request.auth, customer_id=customer_id, include_history=query.history))
    can_write = selectors.can_write_documents(actor=request.auth, customer_id=customer_id)
    today = rules.today()
    return [_out(d, can_write=can_write, today=today) for d in docs]


@router.post("/customers/{customer_id}/qualifications", response={201: DocumentOut},
             summary="Upload a qualification document (multipart: fields + one or more files)")
def qualification_create(request, customer_id: Id, payload: Form[DocumentCreateIn],
                         files: File[list[UploadedFile]] = None):
    doc = services.document_create(actor=request.auth, customer_id=customer_id, data=payload.model_dump(),
                                   files=list(files or []))
    return Status(201, _detail(request.auth, doc.pk))


@router.get("/customers/{customer_id}/qualification-status", response=QualificationStatusOut,
            summary="Is the customer's qualification file complete? (what the order review checks)")
def qualification_status(request, customer_id: Id):
    s = selectors.customer_qualification_status(actor=request.auth, customer_id=customer_id)
    return {
        "customer_id": customer_id, "complete": s.complete, "flag": s.flag, "on": s.on,
        "required": list(s.required), "optional": list(s.optional), "missing": list(s.missing),
        "expired_required": list(s.expired_required),
        "expired": [_brief(d, s.on) for d in s.expired], "expiring": [_brief(d, s.on) for d in s.expiring],
    }


# --- documents (fixed paths first) ---------------------------------------------------------------

@router.get("/qualifications/expiring", response=ExpiringPage,
            summary="Expiring (and expired) documents of the customers I can see, soonest first")
def qualification_expiring(request, query: Query[ExpiringQuery]):
    qs = selectors.qualifications_expiring(request.auth, query.within_days, include_expired=query.include_expired,
                                           type=query.type, sort=query.sort).prefetch_related("files")
    page = paginate(qs, query)
    writable = _writable_ids(request.auth, [d.customer_id for d in page["items"]])
    today = rules.today()
    page["items"] = [{**_out(d, can_write=d.customer_id in writable, today=today), "customer_name": d.customer.name}
                     for d in page["items"]]
    return page


@router.get("/qualifications/files/{file_id}", summary="Download a scanned file (permission-checked)",
            url_name="qualification_file_download", response={200: None})
def qualification_file_download(request, file_id: Id):
    f = selectors.file_get(actor=request.auth, file_id=file_id)
    return stored_file_response(f, download=True)


@router.get("/qualifications/{document_id}", response=DocumentOut, summary="One qualification document")
def qualification_get(request, document_id: Id):
    return _detail(request.auth, document_id)


@router.post("/qualifications/{document_id}/replace", response={201: DocumentOut},
             summary="Renew: a new document (same type) replaces this one, which is kept as history")
def qualification_replace(request, document_id: Id, payload: Form[DocumentFields],
                          files: File[list[UploadedFile]] = None):
    new = services.document_replace(actor=request.auth, document_id=document_id, data=payload.model_dump(),
                                    files=list(files or []))
    return Status(201, _detail(request.auth, new.pk))


@router.post("/qualifications/{document_id}/void", response=DocumentOut,
             summary="Void a document filed by mistake (kept, with the reason)")
def qualification_void(request, document_id: Id, payload: VoidIn):
    services.document_void(actor=request.auth, document_id=document_id, reason=payload.reason)
    return _detail(request.auth, document_id)
