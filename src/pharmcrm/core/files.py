"""Serving a stored upload (qualification scans, follow-up and order attachments) after the
caller's permission check: never a public URL, always ``nosniff``, never cached, the user's file
name in ``Content-Disposition`` (ASCII fallback plus RFC 5987 UTF-8)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import FileResponse
from django.utils.translation import gettext as _

from pharmcrm.core.errors import NotFound


def stored_file_response(stored, *, download: bool) -> FileResponse:
    """``stored``: a ``qualifications.models.StoredFile`` row the actor may read. ``download``:
    as an attachment; otherwise inline (image preview, PDF in the browser's viewer)."""
    try:
        handle = stored.file.open("rb")
    except OSError:  # FileNotFoundError included
        raise NotFound(_("File not found.")) from None
    response = FileResponse(handle, content_type=stored.content_type)
    name = stored.original_name
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["Content-Length"] = str(stored.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
