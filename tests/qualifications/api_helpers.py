"""Multipart bodies for the route-enumerating API tests (tests/api/test_customer_routes_visibility.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from pharmcrm.demo.gen_qualifications import placeholder_pdf


@dataclass
class Multipart:
    """A ``multipart/form-data`` body: form fields plus freshly made files on every ``data()``."""

    fields: dict = field(default_factory=dict)
    files: int = 1

    def data(self) -> dict:
        files = [SimpleUploadedFile(f"扫描件{i}.pdf", placeholder_pdf(), content_type="application/pdf")
                 for i in range(self.files)]
        return {**self.fields, "files": files}


def qualification_upload(*_args) -> Multipart:
    """A valid upload of a long-term business licence."""
    from tests.factories import VALID_CREDIT_CODE

    return Multipart({"type": "business_licence", "number": VALID_CREDIT_CODE, "no_expiry": "true"})
