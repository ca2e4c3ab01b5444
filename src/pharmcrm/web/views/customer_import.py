"""Customer import from Excel: template download, upload → preview, all-or-nothing commit.

The uploaded file is kept between the preview and the commit under ``var/imports/`` with a
random name recorded in the user's session (never a path from the request), and removed after
the commit; files older than a day are swept on each upload.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers import importing
from pharmcrm.web.views.common import web_view

SESSION_KEY = "customer_import"
PREVIEW_ROWS = 500  # rows shown in the preview table (rejected ones first); the counts cover all


def _dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(directory: Path) -> None:
    cutoff = time.time() - 86400
    for f in directory.glob("*.xlsx"):
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except OSError:
            pass


def _stored(request) -> tuple[Path | None, str]:
    info = request.session.get(SESSION_KEY) or {}
    token = info.get("token", "")
    if not token or not token.isalnum():
        return None, ""
    path = _dir() / f"{request.user.pk}-{token}.xlsx"
    return (path if path.exists() else None), info.get("name", "")


@web_view
def customer_import_template(request):
    response = HttpResponse(importing.customer_import_template(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="customer-import-template.xlsx"'
    return response


def _preview_context(preview: importing.ImportPreview, name: str) -> dict:
    rows = sorted(preview.rows, key=lambda r: (r.action != importing.REJECT, r.row))
    return {
        "preview": preview,
        "counts": preview.counts,
        "rows": rows[:PREVIEW_ROWS],
        "hidden_rows": max(0, len(rows) - PREVIEW_ROWS),
        "file_name": name,
        "columns": importing.COLUMNS,
    }


@web_view
def customer_import(request):
    """GET: the page. POST with a file: store it, show the preview."""
    if request.method == "GET":
        return render(request, "web/customers/import.html", {"max_mb": _max_mb()})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    upload = request.FILES.get("file")
    context = {"max_mb": _max_mb()}
    if upload is None:
        context["error"] = _("Choose an Excel file (.xlsx) to upload.")
        return render(request, "web/customers/import.html", context, status=400)
    limit = settings.PHARMCRM.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
    if upload.size > limit:
        context["error"] = _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        return render(request, "web/customers/import.html", context, status=400)
    data = upload.read()
    try:
        preview = importing.customer_import_preview(actor=request.user, data=data)
    except ApplicationError as exc:
        context["error"] = exc.message
        return render(request, "web/customers/import.html", context, status=400)
    directory = _dir()
    _sweep(directory)
    token = secrets.token_hex(16)
    (directory / f"{request.user.pk}-{token}.xlsx").write_bytes(data)
    request.session[SESSION_KEY] = {"token": token, "name": upload.name[:200]}
    context.update(_preview_context(preview, upload.name))
    return render(request, "web/customers/import.html", context)


@web_view
def customer_import_commit(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    path, name = _stored(request)
    if path is None:
        messages.error(request, _("The uploaded file has expired; upload it again."))
        return redirect("web:customer_import")
    try:
        preview = importing.customer_import_commit(actor=request.user, data=path.read_bytes())
    except ApplicationError as exc:
        # something changed since the preview (e.g. someone created a duplicate): show it again
        preview = importing.customer_import_preview(actor=request.user, data=path.read_bytes())
        context = {"max_mb": _max_mb(), "error": exc.message, **_preview_context(preview, name)}
        return render(request, "web/customers/import.html", context, status=400)
    path.unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)
    counts = preview.counts
    messages.success(request, _("Imported: %(c)d customers created, %(u)d updated.")
                     % {"c": counts[importing.CREATE], "u": counts[importing.UPDATE]})
    return redirect(reverse("web:customer_list"))


def _max_mb() -> int:
    return settings.PHARMCRM.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024) // (1024 * 1024)
