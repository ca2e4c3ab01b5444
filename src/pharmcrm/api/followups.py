"""The follow-ups API (跟进记录). Reads go through activities.selectors (a follow-up is visible
exactly when its customer is), writes through activities.services. A follow-up or customer the
caller cannot see is a 404 on every route.

Routes with a follow-up id use the path parameter name ``followup_id``; tests/activities/test_api.py
enumerates them and tries each as a peer and as another branch.
"""

from __future__ import annotations

from ninja import File, Query, Router, Status, UploadedFile

from pharmcrm.activities import selectors, services
from pharmcrm.api.common import Id, paginate
from pharmcrm.api.followup_schemas import (
    CommentIn,
    CommentOut,
    FollowUpCreateIn,
    FollowUpDetailOut,
    FollowUpPage,
    FollowUpQuery,
    FollowUpUpdateIn,
)
from pharmcrm.core.files import stored_file_response

router = Router(tags=["follow-ups"])


def _detail(actor, followup_id: int):
    fu = selectors.followup_get(actor=actor, followup_id=followup_id)
    fu.permissions = selectors.followup_permissions(actor=actor, followup=fu)
    return fu


@router.get("", response=FollowUpPage, summary="Follow-ups I can see, newest first (by customer, contact, author)")
def followup_list(request, query: Query[FollowUpQuery]):
    qs = selectors.followup_list(actor=request.auth, customer_id=query.customer_id, contact_id=query.contact_id,
                                 author_id=query.author_id, channel=query.channel, day_from=query.day_from,
                                 day_to=query.day_to)
    return paginate(qs, query)


@router.post("", response={201: FollowUpDetailOut},
             summary="Log a follow-up with a customer I may change (moves its public-pool clock)")
def followup_create(request, payload: FollowUpCreateIn):
    data = payload.model_dump(exclude={"customer_id"}, exclude_none=True)
    fu = services.followup_create(actor=request.auth, customer_id=payload.customer_id, data=data)
    return Status(201, _detail(request.auth, fu.pk))


@router.get("/{followup_id}", response=FollowUpDetailOut, summary="One follow-up with its comments")
def followup_get(request, followup_id: Id):
    return _detail(request.auth, followup_id)


@router.patch("/{followup_id}", response=FollowUpDetailOut,
              summary="Correct my follow-up within the edit window (FOLLOWUP_EDIT_HOURS, default 24)")
def followup_update(request, followup_id: Id, payload: FollowUpUpdateIn):
    data = payload.model_dump(exclude_unset=True)
    if data.get("occurred_at", "") is None:
        del data["occurred_at"]  # the time is required: null keeps it
    for name in ("materials_sent", "price_quoted", "result", "next_plan", "contact_ids", "product_ids"):
        if name in data and data[name] is None:  # null clears
            data[name] = [] if name.endswith("_ids") else ""
    services.followup_update(actor=request.auth, followup_id=followup_id, data=data)
    return _detail(request.auth, followup_id)


@router.post("/{followup_id}/comments", response={201: CommentOut},
             summary="Add a comment (the author, or someone who may change the customer)")
def followup_comment_add(request, followup_id: Id, payload: CommentIn):
    return Status(201, services.followup_comment_add(actor=request.auth, followup_id=followup_id,
                                                     text=payload.text))


@router.post("/{followup_id}/attachments", response={201: FollowUpDetailOut},
             summary="Attach files to my follow-up within the edit window (multipart: files; PDF, JPG, PNG, WebP)")
def followup_attach(request, followup_id: Id, files: File[list[UploadedFile]] = None):
    services.followup_update(actor=request.auth, followup_id=followup_id, data={}, files=list(files or []))
    return Status(201, _detail(request.auth, followup_id))


@router.get("/{followup_id}/attachments/{attachment_id}", response={200: None},
            summary="Download an attachment (permission-checked)")
def followup_attachment_download(request, followup_id: Id, attachment_id: Id):
    att = selectors.attachment_get(actor=request.auth, attachment_id=attachment_id, followup_id=followup_id)
    return stored_file_response(att, download=True)
