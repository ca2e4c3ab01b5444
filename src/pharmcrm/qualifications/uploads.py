"""Scanned files of qualification documents: checked, then stored safely.

* Size: at most ``PHARMCRM["QUALIFICATION_MAX_UPLOAD_BYTES"]`` (10 MB by default; env
  ``QUALIFICATION_MAX_UPLOAD_MB``), never empty; at most ``MAX_FILES_PER_DOCUMENT`` per upload.
* Type: PDF, JPEG, PNG or WebP, recognised by the *content* (magic bytes and a little of the
  structure), and the file name's extension must agree with the content. An HTML page named
  ``.pdf`` is refused, so is a PNG named ``.pdf``.
* Storage: ``MEDIA_ROOT/qualifications/<year>/<month>/<random>.<ext>`` (the extension of the
  detected type); the user's file name is kept only in the database. MEDIA_ROOT is never
  served as a URL: files go out through the permission-checked view (``web:qualification_file``
  / the API's download route) with ``Content-Disposition`` and ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from pharmcrm.core.errors import ApplicationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_DOCUMENT = 10

# detected type -> (content type, allowed extensions, stored extension)
KINDS = {
    "pdf": ("application/pdf", {".pdf"}, ".pdf"),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}, ".jpg"),
    "png": ("image/png", {".png"}, ".png"),
    "webp": ("image/webp", {".webp"}, ".webp"),
}
ALLOWED_EXTENSIONS = sorted({e for _ct, exts, _s in KINDS.values() for e in exts})
ACCEPT = ",".join([*ALLOWED_EXTENSIONS, *sorted({ct for ct, _e, _s in KINDS.values()})])


def max_bytes() -> int:
    return int(settings.PHARMCRM.get("QUALIFICATION_MAX_UPLOAD_BYTES") or DEFAULT_MAX_BYTES)


def max_mb_label() -> str:
    mb = max_bytes() / (1024 * 1024)
    return f"{mb:g}"


def sniff(head: bytes, tail: bytes) -> str | None:
    """The kind of file from its first and last bytes, or None if it is none of ours."""
    if head.startswith(b"%PDF-") and b"%%EOF" in tail:
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:15] == b"VP8":
        return "webp"
    return None


@dataclass
class CheckedFile:
    original_name: str
    content: bytes
    kind: str

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][0]

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable() and c not in '"<>|')
    return name[:255] or "file"


def check_files(files, *, field: str = "files", required: bool = True) -> list[CheckedFile]:
    """Read and check every uploaded file; raise one ``ApplicationError`` listing every problem
    (in the user's language), before anything is stored."""
    files = [f for f in (files or []) if f is not None]
    if not files:
        if required:
            msg = _("Upload at least one scanned file (PDF, JPG, PNG or WebP).")
            raise ApplicationError(msg, code="file_required", fields={field: [msg]})
        return []
    if len(files) > MAX_FILES_PER_DOCUMENT:
        msg = _("At most %(n)d files per document.") % {"n": MAX_FILES_PER_DOCUMENT}
        raise ApplicationError(msg, code="too_many_files", fields={field: [msg]})
    limit = max_bytes()
    problems: list[str] = []
    checked: list[CheckedFile] = []
    for f in files:
        name = _clean_name(getattr(f, "name", ""))
        size = getattr(f, "size", None)
        if size is not None and size > limit:
            problems.append(_("“%(name)s” is too large (%(size)s MB); at most %(max)s MB per file.")
                            % {"name": name, "size": f"{size / 1048576:.1f}", "max": max_mb_label()})
            continue
        content = f.read(limit + 1) if hasattr(f, "read") else bytes(f)
        if len(content) > limit:
            problems.append(_("“%(name)s” is too large (%(size)s MB); at most %(max)s MB per file.")
                            % {"name": name, "size": f"{(size or len(content)) / 1048576:.1f}",
                               "max": max_mb_label()})
            continue
        if not content:
            problems.append(_("“%(name)s” is empty.") % {"name": name})
            continue
        kind = sniff(content[:64], content[-1024:])
        ext = os.path.splitext(name)[1].lower()
        if kind is None:
            problems.append(_("“%(name)s” is not a PDF, JPG, PNG or WebP file (its content is something else); "
                              "scan or save the document as PDF or as an image.") % {"name": name})
            continue
        if ext not in KINDS[kind][1]:
            problems.append(_("The extension of “%(name)s” does not match its content (%(kind)s); "
                              "rename the file or save it again.") % {"name": name, "kind": kind.upper()})
            continue
        checked.append(CheckedFile(original_name=name, content=content, kind=kind))
    if problems:
        raise ApplicationError(problems[0], code="invalid_file", fields={field: problems})
    return checked


def random_name(kind: str) -> str:
    """A random file name with the extension of the detected type (never the user's name)."""
    return secrets.token_hex(16) + KINDS[kind][2]


def store(checked: CheckedFile, *, folder: str = "qualifications") -> str:
    """Write the bytes under MEDIA_ROOT/<folder>/<year>/<month>/ with a random name; returns the
    storage name (follow-up attachments use ``folder="followups"``)."""
    from django.utils import timezone

    now = timezone.localtime()
    name = f"{folder}/{now:%Y}/{now:%m}/{random_name(checked.kind)}"
    return default_storage.save(name, ContentFile(checked.content))


def discard(names: list[str]) -> None:
    """Remove stored files (after a failed transaction)."""
    for name in names:
        with contextlib.suppress(OSError):  # best effort
            default_storage.delete(name)


def discard_on_failure(fn):
    """For a service that stores files: runs it in a transaction with a fresh ``stored`` list
    (the names it stored) and removes those files again when it fails (the database rolls
    back, the file system does not)."""

    def run(*args, **kwargs):
        stored: list[str] = []
        try:
            with transaction.atomic():
                return fn(*args, stored=stored, **kwargs)
        except BaseException:
            discard(stored)
            raise

    run.__name__, run.__doc__, run.__wrapped__ = fn.__name__, fn.__doc__, fn
    return run
