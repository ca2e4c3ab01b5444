"""Excel imports (customers, contacts): template download, upload → preview, all-or-nothing commit.

The uploaded file is kept between the preview and the commit under ``var/imports/`` with a
random name recorded in the user's session (never a path from the request), and removed after
the commit; files older than a day are swept on each upload. The customer import also keeps its
prepared rows there (``<user>-<token>.prep``, see ``customers.importing.prepared_load``), so the
commit of a large file does not parse and check every row again.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pharmcrm.contacts import importing as contact_importing
from pharmcrm.core.errors import ApplicationError
from pharmcrm.customers import importing
from pharmcrm.web.views.common import web_view

PREVIEW_ROWS = 500  # rows shown in the preview table (rejected ones first); the counts cover all


@dataclass(frozen=True)
class Flow:
    kind: str  # "customers" | "contacts": URL names web:<kind>_import...
    title: str
    back: str  # the list's URL name
    back_label: str
    second_column: tuple[str, str]  # (value key, header) shown after the name
    preview: Callable
    commit: Callable
    template: Callable
    done: str  # message, with %(c)d created and %(u)d updated
    cached: bool = False  # preview/commit take ``cache=`` (a path for the prepared rows)

    @property
    def session_key(self) -> str:
        return f"import:{self.kind}"


CUSTOMERS = Flow("customer", gettext_lazy("Import customers"), "web:customer_list", gettext_lazy("Customers"),
                 ("type", gettext_lazy("Type")), importing.customer_import_preview, importing.customer_import_commit,
                 importing.customer_import_template, "Imported: %(c)d customers created, %(u)d updated.",
                 cached=True)
CONTACTS = Flow("contact", gettext_lazy("Import contacts"), "web:contact_list", gettext_lazy("Contacts"),
                ("customer", gettext_lazy("Customer")), contact_importing.contact_import_preview,
                contact_importing.contact_import_commit, contact_importing.contact_import_template,
                "Imported: %(c)d contacts created.")


def _dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(directory: Path) -> None:
    cutoff = time.time() - 86400
    for f in [*directory.glob("*.xlsx"), *directory.glob("*.prep")]:
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except OSError:
            pass


def _stored(request, flow: Flow) -> tuple[Path | None, str]:
    info = request.session.get(flow.session_key) or {}
    token = info.get("token", "")
    if not token or not token.isalnum():
        return None, ""
    path = _dir() / f"{request.user.pk}-{token}.xlsx"
    return (path if path.exists() else None), info.get("name", "")


def _cache_kwargs(flow: Flow, path: Path) -> dict:
    """``cache=`` for a flow that keeps its prepared rows next to the stored file."""
    return {"cache": path.with_suffix(".prep")} if flow.cached else {}


def _max_mb() -> int:
    return settings.PHARMCRM.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024) // (1024 * 1024)


def _context(flow: Flow, **extra) -> dict:
    return {"flow": flow, "max_mb": _max_mb(), "template_url": reverse(f"web:{flow.kind}_import_template"),
            "upload_url": reverse(f"web:{flow.kind}_import"), "commit_url": reverse(f"web:{flow.kind}_import_commit"),
            "back_url": reverse(flow.back), **extra}


def _preview_context(flow: Flow, preview, name: str) -> dict:
    rows = sorted(preview.rows, key=lambda r: (r.action != "reject", r.row))
    return {"preview": preview, "counts": preview.counts, "rows": rows[:PREVIEW_ROWS],
            "hidden_rows": max(0, len(rows) - PREVIEW_ROWS), "file_name": name}


def _template(flow: Flow):
    @web_view
    def view(request):
        response = HttpResponse(flow.template(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{flow.kind}-import-template.xlsx"'
        return response
    return view


def _upload(flow: Flow):
    @web_view
    def view(request):
        """GET: the page. POST with a file: store it, show the preview."""
        if request.method == "GET":
            return render(request, "web/customers/import.html", _context(flow))
        if request.method != "POST":
            return HttpResponseNotAllowed(["GET", "POST"])
        upload = request.FILES.get("file")
        limit = settings.PHARMCRM.get("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
        error = None
        if upload is None:
            error = _("Choose an Excel file (.xlsx) to upload.")
        elif upload.size > limit:
            error = _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        if error:
            return render(request, "web/customers/import.html", _context(flow, error=error), status=400)
        data = upload.read()
        directory = _dir()
        _sweep(directory)
        token = secrets.token_hex(16)
        path = directory / f"{request.user.pk}-{token}.xlsx"
        try:
            preview = flow.preview(actor=request.user, data=data, **_cache_kwargs(flow, path))
        except ApplicationError as exc:
            return render(request, "web/customers/import.html", _context(flow, error=exc.message), status=400)
        path.write_bytes(data)
        request.session[flow.session_key] = {"token": token, "name": upload.name[:200]}
        return render(request, "web/customers/import.html",
                      _context(flow, **_preview_context(flow, preview, upload.name)))
    return view


def _commit(flow: Flow):
    @web_view
    def view(request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        path, name = _stored(request, flow)
        if path is None:
            messages.error(request, _("The uploaded file has expired; upload it again."))
            return redirect(f"web:{flow.kind}_import")
        data = path.read_bytes()
        cache = _cache_kwargs(flow, path)
        try:
            preview = flow.commit(actor=request.user, data=data, **cache)
        except ApplicationError as exc:
            # something changed since the preview (e.g. someone created a duplicate): show it again
            preview = getattr(exc, "preview", None) or flow.preview(actor=request.user, data=data, **cache)
            context = _context(flow, error=exc.message, **_preview_context(flow, preview, name))
            return render(request, "web/customers/import.html", context, status=400)
        path.unlink(missing_ok=True)
        if cache:
            cache["cache"].unlink(missing_ok=True)
        request.session.pop(flow.session_key, None)
        counts = preview.counts
        messages.success(request, _(flow.done) % {"c": counts["create"], "u": counts["update"]})
        return redirect(reverse(flow.back))
    return view


customer_import = _upload(CUSTOMERS)
customer_import_template = _template(CUSTOMERS)
customer_import_commit = _commit(CUSTOMERS)
contact_import = _upload(CONTACTS)
contact_import_template = _template(CONTACTS)
contact_import_commit = _commit(CONTACTS)
